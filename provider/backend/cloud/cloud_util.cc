#include "provider/backend/cloud/cloud_util.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/backend/backend.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"

namespace escnative::backend::cloud {

absl::Status ErrorFor(const http::ClientResponse& res, absl::string_view what,
                      absl::StatusCode conflict) {
  nlohmann::json body = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    message = util::CapMessage(body["message"].get<std::string>(), 1024);
  }
  std::string text = absl::StrCat(
      what, ": ", message.empty() ? "the server answered" : message, " (HTTP ", res.status,
      res.attempts > 1 ? absl::StrCat(", after ", res.attempts, " attempts") : "", ")");
  switch (res.status) {
    case 400: {
      esc::Diagnostics diags;
      if (body.is_object() && body.contains("diagnostics")) {
        diags = rest::DiagnosticsFromJson(body["diagnostics"]);
      }
      if (!diags.empty()) return InvalidDefinitionError(text, diags);
      return absl::InvalidArgumentError(text);
    }
    case 401:
      return absl::UnauthenticatedError(
          absl::StrCat(text, "; the access token is missing, invalid, expired or revoked"));
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat(text, "; the access token is not allowed to do this"));
    case 404:
      return absl::NotFoundError(text);
    case 409:
      return absl::Status(conflict, text);
    case 429:
      return absl::ResourceExhaustedError(absl::StrCat(text, "; rate limited, try again later"));
    case 501:
      return absl::UnimplementedError(text);
    case 502:
    case 503:
      return absl::UnavailableError(text);
    case 504:
      return absl::DeadlineExceededError(text);
    default:
      if (res.status >= 300 && res.status < 400) {
        return absl::FailedPreconditionError(
            absl::StrCat(what, ": the server redirected (HTTP ", res.status,
                         "); redirects are not followed, check the backend URL"));
      }
      if (res.status >= 400 && res.status < 500) return absl::InvalidArgumentError(text);
      return absl::InternalError(text);
  }
}

absl::StatusOr<nlohmann::json> JsonBody(const http::ClientResponse& res, absl::string_view what) {
  nlohmann::json j = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InternalError(absl::StrCat(what, ": the server answered HTTP ", res.status,
                                            " with a body that is not JSON (", res.body.size(),
                                            " bytes); is the backend URL an ESC API?"));
  }
  return j;
}

absl::Status Unexpected(absl::string_view what, absl::string_view expected) {
  return absl::InternalError(
      absl::StrCat(what, ": unexpected answer from the server (expected ", expected, ")"));
}

absl::StatusOr<int64_t> RevisionHeader(const http::ClientResponse& res, absl::string_view what) {
  std::string h = res.Header(rest::kRevisionHeader);
  int64_t n = 0;
  if (!absl::SimpleAtoi(h, &n) || n < 0) {
    return Unexpected(what, absl::StrCat("a numeric ", rest::kRevisionHeader, " header"));
  }
  return n;
}

std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    absl::StrAppend(&out, out.empty() ? "?" : "&", k, "=", rest::PercentEncode(v));
  }
  return out;
}

}  // namespace escnative::backend::cloud
