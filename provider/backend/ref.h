// Environment references as users type them (esc.md §3.1, §5.2).
#ifndef PROVIDER_BACKEND_REF_H_
#define PROVIDER_BACKEND_REF_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/api/types.h"

namespace escnative::backend {

struct ParsedRef {
  api::EnvironmentRef ref;
  std::string version;  // "" = latest; else a revision number or tag name
};

// `name`, `project/name` or `org/project/name`, each optionally followed by
// `@version` or `:version`. One part takes `default_project`; one or two
// parts take `default_organization`. (Unlike the esc CLI, two parts are
// always project/name: the local store has no "personal org" to disambiguate.)
// InvalidArgument naming the reference and what was expected.
absl::StatusOr<ParsedRef> ParseEnvironmentRef(absl::string_view text,
                                              absl::string_view default_organization,
                                              absl::string_view default_project);

// Names and versions follow api/names.h.

}  // namespace escnative::backend

#endif  // PROVIDER_BACKEND_REF_H_
