// The schema-driven parts every resource shares: Check validates names,
// required keys, types and enums and keeps secrets (wrapping properties the
// schema marks secret); Diff reports a value-free detailed diff of old and
// new inputs with replaceOnChanges honoured.
#ifndef PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_
#define PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_

#include "provider/resources/resource.h"
#include "provider/resources/package_schema.h"

namespace escnative::resources {

CheckResult SchemaCheck(const ResourceSchema& schema, const CheckRequest& req);
DiffResult SchemaDiff(const ResourceSchema& schema, const DiffRequest& req);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_SCHEMA_RESOURCE_H_
