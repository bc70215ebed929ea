// Name rules of the ESC API (esc.md §3.1), the one set every layer applies:
// reference parsing (backend/ref), the store, the REST routes, escctl and
// resource Check.
//
//   organization  ^[A-Za-z0-9][A-Za-z0-9_-]{1,38}[A-Za-z0-9]$  (3-40 chars)
//   project       1-100 of [A-Za-z0-9_.-], not "." or ".."
//   environment   1-100 of [A-Za-z0-9_.-], not ".", "..", "yaml" or "open"
//                 ("yaml"/"open" collide with the /{org}/yaml/... routes)
//   revision tag  1-100 of [A-Za-z0-9_.-], not "." or "..", not starting
//                 with a digit (that is a revision number)
//   version       "" (latest), a revision number 1..10^18-1, or a tag name
//
// Errors are InvalidArgument: `invalid <what> name "<name>" in "<context>":
// expected <rule>`, with names and contexts echoed capped and escaped.
#ifndef PROVIDER_API_NAMES_H_
#define PROVIDER_API_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "provider/api/types.h"

namespace escnative::api {

// `context` says where the name came from (the reference text, "the request
// path", ...).
absl::Status ValidateOrganizationName(absl::string_view name, absl::string_view context);
absl::Status ValidateProjectName(absl::string_view name, absl::string_view context);
absl::Status ValidateEnvironmentName(absl::string_view name, absl::string_view context);
// All three parts, with the reference itself as the context.
absl::Status ValidateEnvironmentRef(const EnvironmentRef& ref);
// A name for a new, moved or deleted revision tag ("latest" is built in and
// refused here; it is a valid version).
absl::Status ValidateRevisionTagName(absl::string_view name);
// "" or a positive revision number or a tag name.
absl::Status ValidateVersion(absl::string_view version, absl::string_view context);
// A token scope's environment: "org/project/name", any part may be "*".
absl::Status ValidateScopePattern(absl::string_view pattern);

}  // namespace escnative::api

#endif  // PROVIDER_API_NAMES_H_
