// libFuzzer target for the REST API's request handling: route matching,
// captures, query and header parsing, and bodies (JSON and YAML), through the
// real routes over a real LocalBackend on a scratch store. The HTTP wire
// format itself is the server library's; what reaches our code is a parsed
// request, so that is what is fuzzed.
//
// Input: byte 0 picks the method (and whether the token is sent), then
//   PATH \n QUERY (k=v&k=v) \n HEADER: VALUE \n ... \n \n BODY
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "provider/backend/local_backend.h"
#include "provider/crypto/keyring.h"
#include "provider/rest/api.h"

namespace {

using escnative::backend::LocalBackend;
namespace http = escnative::http;
namespace rest = escnative::rest;

struct CompiledRoute {
  std::string method;
  std::regex pattern;
  http::Handler handler;
};

struct World {
  std::unique_ptr<LocalBackend> backend;
  std::unique_ptr<rest::Api> api;
  std::vector<CompiledRoute> routes;
  std::string token;
};

World* Setup() {
  auto* w = new World();
  char dir[] = "/tmp/esc-rest-fuzz-XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::abort();
  escnative::backend::LocalBackendOptions o;
  o.path = std::string(dir) + "/store.db";
  o.credential = escnative::crypto::Credential::Passphrase(
      escnative::crypto::SecretBytes::CopyFrom("fuzz"));
  o.organization = "myorg";
  o.kdf_params = escnative::crypto::KdfParams::FastForTesting();
  auto b = LocalBackend::Open(std::move(o));
  if (!b.ok()) std::abort();
  w->backend = *std::move(b);
  escnative::store::AccessTokenSpec spec;
  spec.scopes.push_back({"myorg/*/*", escnative::store::Permission::kAdmin});
  auto token = w->backend->CreateAccessToken(spec);
  if (!token.ok()) std::abort();
  w->token = std::string(token->value.Reveal());
  escnative::store::EnvironmentRef dev{"myorg", "app", "dev"};
  if (!w->backend->CreateEnvironment(dev).ok()) std::abort();
  (void)w->backend->UpdateDefinition(
      dev, "values:\n  a: 1\n  s: {fn::secret: hidden}\n  pulumiConfig: {k: v}\n", std::nullopt);
  rest::ApiOptions ao;
  ao.organization = "myorg";
  LocalBackend* backend = w->backend.get();
  w->api = std::make_unique<rest::Api>(
      [backend](absl::string_view value) -> absl::StatusOr<rest::Caller> {
        auto as = backend->AsToken(value);
        if (!as.ok()) return as.status();
        std::string id = (*as)->CallerId();
        return rest::Caller{*std::move(as), std::move(id)};
      },
      ao);
  for (http::Route& r : w->api->Routes()) {
    w->routes.push_back({r.method, std::regex(r.pattern), std::move(r.handler)});
  }
  return w;
}

std::string_view NextLine(std::string_view* rest) {
  size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = Setup();
  if (size < 1 || size > 64 * 1024) return 0;
  static const char* kMethods[] = {"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"};
  http::Request req;
  req.method = kMethods[data[0] % 6];
  bool with_token = (data[0] & 0x80) == 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  req.path = std::string(NextLine(&in));
  std::string_view query = NextLine(&in);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    req.query.emplace(std::string(kv.substr(0, eq)),
                      eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
  }
  while (!in.empty()) {
    std::string_view line = NextLine(&in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = std::string(in);
  if (with_token) req.headers.emplace("Authorization", "token " + world->token);
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  for (const CompiledRoute& r : world->routes) {
    std::smatch m;
    if (r.method != method || !std::regex_match(req.path, m, r.pattern)) continue;
    for (size_t i = 1; i < m.size(); ++i) req.captures.push_back(m[i].str());
    http::Response resp = r.handler(req);
    if (resp.status < 100 || resp.status > 599) std::abort();
    // A 5xx means a request reached a state no input should reach.
    if (resp.status >= 500) std::abort();
    break;
  }
  return 0;
}
