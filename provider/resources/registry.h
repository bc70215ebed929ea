// The explicit list of resources and functions the provider serves. Adding a
// resource = one .h/.cc pair + one line in registry.cc + its schema entry.
#ifndef PROVIDER_RESOURCES_REGISTRY_H_
#define PROVIDER_RESOURCES_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The provider's resources and functions; `ctx` (the configured backend)
  // must outlive the registry.
  static std::unique_ptr<Registry> NewDefault(const ProviderContext* ctx);

  void AddResource(std::unique_ptr<CustomResource> resource);
  void AddFunction(std::unique_ptr<Function> function);

  // InvalidArgument naming the token and the known ones when absent.
  absl::StatusOr<CustomResource*> FindResource(absl::string_view token) const;
  absl::StatusOr<Function*> FindFunction(absl::string_view token) const;

  std::vector<std::string> ResourceTokens() const;
  std::vector<std::string> FunctionTokens() const;

 private:
  std::map<std::string, std::unique_ptr<CustomResource>, std::less<>> resources_;
  std::map<std::string, std::unique_ptr<Function>, std::less<>> functions_;
};

// The resource type of a URN (`urn:pulumi:stack::project::qualified$type::name`
// -> the part of the qualified type after the last `$`); empty if malformed.
std::string TypeFromUrn(absl::string_view urn);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_REGISTRY_H_
