#include "provider/backend/ref.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/api/names.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/util/string_view.h"

namespace escnative::backend {
namespace {

// References are user input: echoed capped and escaped.
std::string Echo(absl::string_view s) { return util::Echo(util::ToStd(s)); }

}  // namespace

absl::StatusOr<ParsedRef> ParseEnvironmentRef(absl::string_view text,
                                              absl::string_view default_organization,
                                              absl::string_view default_project) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "missing environment reference: expected [[org/]project/]name[@version]");
  }
  ParsedRef out;
  absl::string_view body = text;
  size_t at = body.find_first_of("@:");
  if (at != absl::string_view::npos) {
    out.version = std::string(body.substr(at + 1));
    body = body.substr(0, at);
    if (out.version.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid environment reference \"", Echo(text),
                                                     "\": empty version after '",
                                                     text.substr(at, 1), "'"));
    }
    RETURN_IF_ERROR(api::ValidateVersion(out.version, text));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(body, '/');
  if (parts.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat("invalid environment reference \"", Echo(text),
                                                   "\": expected [[org/]project/]name[@version] "
                                                   "(at most three '/'-separated parts)"));
  }
  out.ref.name = std::string(parts.back());
  out.ref.project =
      parts.size() >= 2 ? std::string(parts[parts.size() - 2]) : std::string(default_project);
  out.ref.organization =
      parts.size() == 3 ? std::string(parts[0]) : std::string(default_organization);
  RETURN_IF_ERROR(api::ValidateOrganizationName(out.ref.organization, text));
  RETURN_IF_ERROR(api::ValidateProjectName(out.ref.project, text));
  RETURN_IF_ERROR(api::ValidateEnvironmentName(out.ref.name, text));
  return out;
}

}  // namespace escnative::backend
