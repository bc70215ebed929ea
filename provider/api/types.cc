#include "provider/api/types.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"

namespace escnative::api {

std::string EnvironmentRef::ToString() const {
  return absl::StrCat(organization, "/", project, "/", name);
}

absl::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kOpen:
      return "open";
    case Permission::kWrite:
      return "write";
    case Permission::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<Permission> ParsePermission(absl::string_view name) {
  if (name == "read") return Permission::kRead;
  if (name == "open") return Permission::kOpen;
  if (name == "write") return Permission::kWrite;
  if (name == "admin") return Permission::kAdmin;
  return absl::InvalidArgumentError(absl::StrCat("permission \"", util::Echo(util::ToStd(name)),
                                                 "\" is not one of read, open, write, admin"));
}

bool TokenAllows(const AccessToken& token, const EnvironmentRef& env, Permission needed) {
  for (const TokenScope& scope : token.scopes) {
    if (static_cast<int>(scope.permission) < static_cast<int>(needed)) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(scope.environment, '/');
    if (parts.size() != 3) continue;
    const absl::string_view want[] = {env.organization, env.project, env.name};
    bool match = true;
    for (int i = 0; i < 3; ++i) match &= parts[i] == "*" || parts[i] == want[i];
    if (match) return true;
  }
  return false;
}

}  // namespace escnative::api
