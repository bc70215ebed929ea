#include "provider/backend/ref.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::backend {
namespace {

// Names and references are user input: quoted capped and escaped.
std::string Echo(absl::string_view s) { return util::Echo(std::string_view(s.data(), s.size())); }

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
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
      "1-40 letters, digits, '-' or '_', starting and ending with a letter or digit";
  if (name.empty() || name.size() > 40) return BadName("organization", name, context, kExpected);
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return BadName("organization", name, context, kExpected);
    }
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name.front())) ||
      !absl::ascii_isalnum(static_cast<unsigned char>(name.back()))) {
    return BadName("organization", name, context, kExpected);
  }
  return absl::OkStatus();
}

absl::Status ValidateProjectName(absl::string_view name, absl::string_view context) {
  constexpr absl::string_view kExpected =
      "1-100 letters, digits, '-', '_' or '.', not \".\" or \"..\"";
  if (name.empty() || name.size() > 100 || name == "." || name == "..") {
    return BadName("project", name, context, kExpected);
  }
  for (char c : name) {
    if (!IsNameChar(c)) return BadName("project", name, context, kExpected);
  }
  return absl::OkStatus();
}

absl::Status ValidateEnvironmentName(absl::string_view name, absl::string_view context) {
  constexpr absl::string_view kExpected =
      "1-100 letters, digits, '-', '_' or '.', not \".\", \"..\", \"yaml\" or \"open\"";
  if (name.empty() || name.size() > 100 || name == "." || name == ".." || name == "yaml" ||
      name == "open") {
    return BadName("environment", name, context, kExpected);
  }
  for (char c : name) {
    if (!IsNameChar(c)) return BadName("environment", name, context, kExpected);
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
  for (char c : version) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid version \"", Echo(version), "\" in \"", Echo(context),
                       "\": a tag name is letters, digits, '-', '_' or '.'"));
    }
  }
  return absl::OkStatus();
}

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
    RETURN_IF_ERROR(ValidateVersion(out.version, text));
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
  RETURN_IF_ERROR(ValidateOrganizationName(out.ref.organization, text));
  RETURN_IF_ERROR(ValidateProjectName(out.ref.project, text));
  RETURN_IF_ERROR(ValidateEnvironmentName(out.ref.name, text));
  return out;
}

}  // namespace escnative::backend
