#include "provider/api/names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/util/string_view.h"

namespace escnative::api {
namespace {

constexpr size_t kMaxName = 100;
constexpr absl::string_view kLatest = "latest";

// Names and references are user input: echoed capped and escaped.
std::string Echo(absl::string_view s) { return util::Echo(util::ToStd(s)); }

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsNameChar(char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; }

// 1-100 name characters, not "." or "..".
bool IsDottedName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxName || name == "." || name == "..") return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

absl::Status BadName(absl::string_view what, absl::string_view name, absl::string_view context,
                     absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("invalid ", what, " name \"", Echo(name),
                                                 "\" in \"", Echo(context), "\": expected ",
                                                 expected));
}

}  // namespace

absl::Status ValidateOrganizationName(absl::string_view name, absl::string_view context) {
  constexpr absl::string_view kExpected =
      "3-40 letters, digits, '-' or '_', starting and ending with a letter or digit";
  bool ok = name.size() >= 3 && name.size() <= 40 && IsAlnum(name.front()) && IsAlnum(name.back());
  for (char c : name) ok = ok && (IsAlnum(c) || c == '-' || c == '_');
  return ok ? absl::OkStatus() : BadName("organization", name, context, kExpected);
}

absl::Status ValidateProjectName(absl::string_view name, absl::string_view context) {
  if (IsDottedName(name)) return absl::OkStatus();
  return BadName("project", name, context,
                 "1-100 letters, digits, '-', '_' or '.', not \".\" or \"..\"");
}

absl::Status ValidateEnvironmentName(absl::string_view name, absl::string_view context) {
  if (IsDottedName(name) && name != "yaml" && name != "open") return absl::OkStatus();
  return BadName("environment", name, context,
                 "1-100 letters, digits, '-', '_' or '.', not \".\", \"..\", \"yaml\" or \"open\"");
}

absl::Status ValidateEnvironmentRef(const EnvironmentRef& ref) {
  const std::string context = ref.ToString();
  RETURN_IF_ERROR(ValidateOrganizationName(ref.organization, context));
  RETURN_IF_ERROR(ValidateProjectName(ref.project, context));
  return ValidateEnvironmentName(ref.name, context);
}

absl::Status ValidateRevisionTagName(absl::string_view name) {
  if (!IsDottedName(name) || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid revision tag name \"", Echo(name),
        "\": expected 1-100 letters, digits, '-', '_' or '.', not starting with a digit"));
  }
  if (name == kLatest) {
    return absl::InvalidArgumentError(
        "the \"latest\" tag is built in and always points at the newest "
        "revision; it cannot be created, moved or deleted");
  }
  return absl::OkStatus();
}

absl::Status ValidateVersion(absl::string_view version, absl::string_view context) {
  if (version.empty()) return absl::OkStatus();
  if (absl::ascii_isdigit(static_cast<unsigned char>(version.front()))) {
    bool all_digits = version.size() <= 18;
    for (char c : version)
      all_digits = all_digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (!all_digits || version.find_first_not_of('0') == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid version \"", Echo(version), "\" in \"", Echo(context),
                       "\": expected a revision number (1, 2, ...) or a tag name"));
    }
    return absl::OkStatus();
  }
  if (!IsDottedName(version)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid version \"", Echo(version), "\" in \"", Echo(context),
                     "\": a tag name is 1-100 letters, digits, '-', '_' or '.'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateScopePattern(absl::string_view pattern) {
  std::vector<absl::string_view> parts = absl::StrSplit(pattern, '/');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope environment \"", Echo(pattern),
                     "\" must be \"org/project/name\" (any segment may be \"*\")"));
  }
  if (parts[0] != "*") RETURN_IF_ERROR(ValidateOrganizationName(parts[0], pattern));
  if (parts[1] != "*") RETURN_IF_ERROR(ValidateProjectName(parts[1], pattern));
  if (parts[2] != "*") RETURN_IF_ERROR(ValidateEnvironmentName(parts[2], pattern));
  return absl::OkStatus();
}

}  // namespace escnative::api
