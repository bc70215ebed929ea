#include "provider/http/client.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "provider/http/curl_api.h"
#include "provider/util/echo.h"

namespace escnative::http {
namespace {

using internal::CurlApi;

struct ParsedUrl {
  std::string scheme;
  std::string host;
};

absl::StatusOr<ParsedUrl> ParseBaseUrl(absl::string_view url) {
  ParsedUrl p;
  size_t sep = url.find("://");
  if (sep == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("backend URL \"",
                                                   util::Echo(std::string(url), 200),
                                                   "\" must start with https:// or http://"));
  }
  p.scheme = absl::AsciiStrToLower(url.substr(0, sep));
  absl::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError("backend URL must not carry credentials (user@host)");
  }
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("backend URL has an unclosed [IPv6] host");
    }
    p.host = std::string(rest.substr(1, close - 1));
  } else {
    p.host = std::string(rest.substr(0, rest.find(':')));
  }
  if (p.scheme != "https" && p.scheme != "http") {
    return absl::InvalidArgumentError(absl::StrCat("backend URL \"",
                                                   util::Echo(std::string(url), 200),
                                                   "\" must start with https:// or http://"));
  }
  if (p.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("backend URL \"", util::Echo(std::string(url), 200), "\" has no host"));
  }
  return p;
}

bool RetryableStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

// The request never reached the server: safe to repeat for any method.
bool NotSent(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY;
}

bool RetryableTransport(CURLcode code) {
  return NotSent(code) || code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SEND_ERROR ||
         code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE;
}

struct Exchange {
  ClientResponse* response;
  size_t limit;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  if (ex->response->body.size() + len > ex->limit) {
    ex->too_large = true;
    return 0;  // aborts the transfer
  }
  ex->response->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t len = size * n;
  absl::string_view line(data, len);
  if (absl::StartsWith(line, "HTTP/")) {
    ex->response->headers.clear();  // a new response (after 100 Continue)
    return len;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return len;
  ex->response->headers.emplace_back(
      std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return len;
}

class CurlClient final : public Client {
 public:
  CurlClient(const CurlApi* api, std::string base_url, ClientOptions options)
      : api_(api), base_url_(std::move(base_url)), options_(std::move(options)) {
    while (absl::EndsWith(base_url_, "/")) base_url_.pop_back();
    if (options_.ca_file.empty()) {
      const char* env = std::getenv("SSL_CERT_FILE");
      if (env != nullptr) options_.ca_file = env;
    }
    if (!options_.sleep) options_.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  }

  ~CurlClient() override {
    for (CURL* h : idle_) api_->easy_cleanup(h);
  }

  const std::string& base_url() const override { return base_url_; }

  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override {
    std::string what = absl::StrCat(request.method, " ", PathOnly(request.path));
    absl::Status last;
    for (int attempt = 1;; ++attempt) {
      ClientResponse response;
      CURLcode code = Perform(request, &response, &last, what);
      response.attempts = attempt;
      bool more = attempt <= options_.retries;
      if (code == CURLE_OK) {
        if (!RetryableStatus(response.status) || !request.repeatable || !more) return response;
        options_.sleep(Backoff(attempt, response.Header("Retry-After")));
        continue;
      }
      bool retry = more && RetryableTransport(code) && (request.repeatable || NotSent(code));
      if (!retry) {
        return absl::Status(last.code(), absl::StrCat(last.message(), " (after ", attempt,
                                                      attempt == 1 ? " attempt)" : " attempts)"));
      }
      options_.sleep(Backoff(attempt, ""));
    }
  }

 private:
  static std::string PathOnly(absl::string_view path) {
    return std::string(path.substr(0, path.find('?')));
  }

  absl::Duration Backoff(int attempt, absl::string_view retry_after) {
    if (!retry_after.empty()) {
      absl::Duration asked = ParseRetryAfter(retry_after, absl::Now());
      if (asked >= absl::ZeroDuration()) return std::min(asked, options_.max_backoff);
    }
    absl::Duration ceiling = options_.base_backoff * (int64_t{1} << std::min(attempt - 1, 16));
    ceiling = std::min(ceiling, options_.max_backoff);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return ceiling * jitter(rng);
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return api_->easy_init();
  }

  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(h);  // keeps its connection cache for the next request
  }

  CURLcode Perform(const ClientRequest& request, ClientResponse* response, absl::Status* error,
                   const std::string& what) {
    CURL* h = Acquire();
    if (h == nullptr) {
      *error = absl::InternalError(absl::StrCat(what, ": curl_easy_init failed"));
      return CURLE_FAILED_INIT;
    }
    api_->easy_reset(h);
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::string url = base_url_ + request.path;
    Exchange ex{response, options_.max_response_bytes};
    const CurlApi& c = *api_;
    c.easy_setopt(h, CURLOPT_URL, url.c_str());
    c.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    c.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // never carry the token elsewhere
    c.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    c.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) c.easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    c.easy_setopt(h, CURLOPT_TIMEOUT_MS,
                  static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    c.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                  static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    c.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // whatever this libcurl decodes
    if (!options_.user_agent.empty())
      c.easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    c.easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    c.easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    c.easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    c.easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    if (request.method == "GET") {
      c.easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      c.easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      c.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (request.method != "DELETE" || !request.body.empty()) {
        c.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        c.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
    }
    curl_slist* headers = c.slist_append(nullptr, "Expect:");
    for (const auto& [k, v] : request.headers) {
      std::string line = absl::StrCat(k, ": ", v);
      headers = c.slist_append(headers, line.c_str());
    }
    c.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode code = c.easy_perform(h);
    long status = 0;
    c.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    c.easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    c.slist_free_all(headers);
    Release(h);
    response->status = static_cast<int>(status);
    if (code == CURLE_OK) return code;
    if (ex.too_large) {
      *error = absl::ResourceExhaustedError(absl::StrCat(what, ": the response is larger than ",
                                                         options_.max_response_bytes, " bytes"));
      return code;
    }
    // curl's message names the host and the failure, not the request headers.
    std::string detail = errbuf[0] != '\0' ? errbuf : c.easy_strerror(code);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    std::string msg = absl::StrCat(what, " to ", base_url_, ": ", detail);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      *error = absl::DeadlineExceededError(
          absl::StrCat(msg, " (timeout ", absl::FormatDuration(options_.timeout), ")"));
    } else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
               code == CURLE_SSL_CONNECT_ERROR) {
      *error = absl::UnavailableError(
          absl::StrCat(msg,
                       "; the server's TLS certificate is not trusted (pass a CA file, or set "
                       "SSL_CERT_FILE)"));
    } else {
      *error = absl::UnavailableError(msg);
    }
    return code;
  }

  const CurlApi* api_;
  std::string base_url_;
  ClientOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::string ClientResponse::Header(absl::string_view name) const {
  std::string found;
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) found = v;
  }
  return found;
}

bool IsLoopbackHost(absl::string_view host) {
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  return absl::EqualsIgnoreCase(host, "localhost") || host == "::1" ||
         absl::StartsWith(host, "127.");
}

absl::Duration ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    return seconds < 0 ? absl::Seconds(-1) : absl::Seconds(seconds);
  }
  absl::Time at;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &at, &err)) {
    return std::max(absl::ZeroDuration(), at - now);
  }
  return absl::Seconds(-1);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(std::string base_url,
                                                       ClientOptions options) {
  absl::StatusOr<ParsedUrl> url = ParseBaseUrl(base_url);
  if (!url.ok()) return url.status();
  if (url->scheme == "http" && !IsLoopbackHost(url->host) && !options.allow_insecure_http) {
    return absl::InvalidArgumentError(
        absl::StrCat("backend URL \"", util::Echo(base_url, 200),
                     "\" uses plain http:// to a host that is not loopback; use https:// (or set "
                     "allowInsecureHttp to send the access token unencrypted)"));
  }
  absl::StatusOr<const CurlApi*> api = internal::LoadCurl();
  if (!api.ok()) return api.status();
  return std::unique_ptr<Client>(new CurlClient(*api, std::move(base_url), std::move(options)));
}

}  // namespace escnative::http
