// Resources and functions driven by their schema entry alone: Check validates
// names, required keys, types and enums and keeps secrets; Diff reports a
// value-free detailed diff with replaceOnChanges honoured. CRUD and Invoke
// need a backend; until a resource has its own implementation they fail with
// a clear Unimplemented error naming what is missing.
#ifndef PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_
#define PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "provider/resources/resource.h"
#include "provider/resources/schema.h"

namespace escnative::resources {

// REQUIRES: `token` names a resource (function) in the embedded schema; this
// is checked at first use (tests check the registry against the schema).
std::unique_ptr<CustomResource> NewSchemaResource(absl::string_view token);
std::unique_ptr<Function> NewSchemaFunction(absl::string_view token);

// The shared Check and Diff, for resources with their own CRUD to reuse.
CheckResult SchemaCheck(const ResourceSchema& schema, const CheckRequest& req);
DiffResult SchemaDiff(const ResourceSchema& schema, const DiffRequest& req);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_
