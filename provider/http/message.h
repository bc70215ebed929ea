// HTTP requests and responses as plain data: what route handlers see, with no
// server library type in sight (the library stays inside server.cc).
#ifndef PROVIDER_HTTP_MESSAGE_H_
#define PROVIDER_HTTP_MESSAGE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace escnative::http {

struct Request {
  std::string method;                               // "GET", "HEAD", ...
  std::string path;                                 // percent-decoded, without the query
  std::vector<std::string> captures;                // the route pattern's groups, in order
  std::multimap<std::string, std::string> query;    // decoded ('+' is a space)
  std::multimap<std::string, std::string> headers;  // as received

  // Case-insensitive header lookup; the first value or "".
  std::string Header(const std::string& name) const;
  std::optional<std::string> Query(const std::string& name) const;
  std::string body;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

// One route: `pattern` is an ECMAScript regex matched against the whole
// decoded path; its groups become Request::captures.
struct Route {
  std::string method;  // GET routes also answer HEAD (without a body)
  std::string pattern;
  Handler handler;
};

}  // namespace escnative::http

#endif  // PROVIDER_HTTP_MESSAGE_H_
