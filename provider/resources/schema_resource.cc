#include "provider/resources/schema_resource.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/input_check.h"
#include "provider/resources/property_diff.h"

namespace escnative::resources {
namespace {

absl::Status NeedsBackend(absl::string_view token, absl::string_view op) {
  return absl::UnimplementedError(absl::StrCat(
      token, ": ", op, " is not available in this build: it needs the local store backend, "
      "which is not part of this version yet"));
}

[[noreturn]] void MissingFromSchema(absl::string_view token) {
  std::fprintf(stderr, "%s is not in the embedded schema\n", std::string(token).c_str());
  std::abort();
}

// The schema is parsed on first use, not at start-up: the engine launches a
// plugin process per provider and per command, and many never call Check.
const ResourceSchema& LazyResourceSchema(const std::string& token) {
  const ResourceSchema* schema = PackageSchema::Get().FindResource(token);
  if (schema == nullptr) MissingFromSchema(token);
  return *schema;
}

class SchemaResource final : public CustomResource {
 public:
  explicit SchemaResource(absl::string_view token) : token_(token) {}

  absl::string_view token() const override { return token_; }

  absl::StatusOr<CheckResult> Check(const CallContext&, const CheckRequest& req) override {
    return SchemaCheck(LazyResourceSchema(token_), req);
  }
  absl::StatusOr<DiffResult> Diff(const CallContext&, const DiffRequest& req) override {
    return SchemaDiff(LazyResourceSchema(token_), req);
  }
  absl::StatusOr<CreateResult> Create(const CallContext&, const CreateRequest&) override {
    return NeedsBackend(token_, "Create");
  }
  absl::StatusOr<ReadResult> Read(const CallContext&, const ReadRequest&) override {
    return NeedsBackend(token_, "Read");
  }
  absl::StatusOr<UpdateResult> Update(const CallContext&, const UpdateRequest&) override {
    return NeedsBackend(token_, "Update");
  }
  absl::Status Delete(const CallContext&, const DeleteRequest&) override {
    return NeedsBackend(token_, "Delete");
  }

 private:
  const std::string token_;
};

class SchemaFunction final : public Function {
 public:
  explicit SchemaFunction(absl::string_view token) : token_(token) {}
  absl::string_view token() const override { return token_; }

  absl::StatusOr<InvokeResult> Invoke(const CallContext&, const InvokeRequest& req) override {
    const FunctionSchema* schema = PackageSchema::Get().FindFunction(token_);
    if (schema == nullptr) MissingFromSchema(token_);
    InvokeResult result;
    ValidateObject(schema->inputs, req.args, &result.failures);
    if (!result.failures.empty()) return result;
    return NeedsBackend(token_, "Invoke");
  }

 private:
  const std::string token_;
};

}  // namespace

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

std::unique_ptr<CustomResource> NewSchemaResource(absl::string_view token) {
  return std::make_unique<SchemaResource>(token);
}

std::unique_ptr<Function> NewSchemaFunction(absl::string_view token) {
  return std::make_unique<SchemaFunction>(token);
}

}  // namespace escnative::resources
