#include "provider/backend/backend.h"

#include "provider/esc/definition_data.h"

namespace escnative::backend {

absl::StatusOr<NewRevision> Backend::UpdateDefinitionData(const EnvironmentRef& ref,
                                                          const nlohmann::ordered_json& definition,
                                                          std::optional<std::string> etag) {
  return UpdateDefinition(ref, esc::DefinitionToYaml(definition), std::move(etag));
}

}  // namespace escnative::backend
