#include "provider/resources/schema_resource.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/input_check.h"
#include "provider/resources/property_diff.h"

namespace escnative::resources {

CheckResult SchemaCheck(const ResourceSchema& schema, const CheckRequest& req) {
  CheckResult result;
  result.inputs = req.news;
  ValidateObject(schema.inputs, req.news, &result.failures);
  MarkSecrets(schema.inputs, &result.inputs);
  return result;
}

DiffResult SchemaDiff(const ResourceSchema& schema, const DiffRequest& req) {
  // Old inputs are what the program said last time; comparing against them
  // (not outputs) avoids diffs from normalised or computed outputs.
  return DiffInputs(schema.inputs, req.old_inputs, req.news, req.ignore_changes);
}

}  // namespace escnative::resources
