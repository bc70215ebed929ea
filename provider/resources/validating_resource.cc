#include "provider/resources/validating_resource.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "provider/resources/resource_util.h"
#include "provider/util/status_macros.h"

namespace escnative::resources {
namespace {

class ValidatingResource final : public CustomResource {
 public:
  explicit ValidatingResource(std::unique_ptr<CustomResource> inner) : inner_(std::move(inner)) {}

  absl::string_view token() const override { return inner_->token(); }

  absl::StatusOr<CheckResult> Check(const CallContext& ctx, const CheckRequest& req) override {
    return inner_->Check(ctx, req);
  }
  absl::StatusOr<DiffResult> Diff(const CallContext& ctx, const DiffRequest& req) override {
    return inner_->Diff(ctx, req);
  }
  absl::StatusOr<CreateResult> Create(const CallContext& ctx, const CreateRequest& req) override {
    RETURN_IF_ERROR(Validate(ctx, req.urn, {}, req.properties));
    return inner_->Create(ctx, req);
  }
  absl::StatusOr<ReadResult> Read(const CallContext& ctx, const ReadRequest& req) override {
    return inner_->Read(ctx, req);
  }
  absl::StatusOr<UpdateResult> Update(const CallContext& ctx, const UpdateRequest& req) override {
    RETURN_IF_ERROR(Validate(ctx, req.urn, req.old_inputs, req.news));
    return inner_->Update(ctx, req);
  }
  absl::Status Delete(const CallContext& ctx, const DeleteRequest& req) override {
    return inner_->Delete(ctx, req);
  }

 private:
  absl::Status Validate(const CallContext& ctx, const std::string& urn, const PropertyMap& olds,
                        const PropertyMap& news) {
    CheckRequest check;
    check.urn = urn;
    check.name = NameFromUrn(urn);
    check.type = std::string(inner_->token());
    check.olds = olds;
    check.news = news;
    // Check's warnings were already shown when the engine ran Check; only
    // cancellation carries over.
    CallContext quiet{nullptr, ctx.cancelled};
    ASSIGN_OR_RETURN(CheckResult checked, inner_->Check(quiet, check));
    return FailuresToStatus(checked.failures);
  }

  const std::unique_ptr<CustomResource> inner_;
};

}  // namespace

absl::Status FailuresToStatus(const std::vector<CheckFailure>& failures) {
  if (failures.empty()) return absl::OkStatus();
  std::string message = "invalid inputs: ";
  for (size_t i = 0; i < failures.size(); ++i) {
    const CheckFailure& f = failures[i];
    absl::StrAppend(&message, i == 0 ? "" : "; ", f.property.empty() ? "" : f.property + ": ",
                    f.reason);
  }
  return absl::InvalidArgumentError(message);
}

std::unique_ptr<CustomResource> WithInputValidation(std::unique_ptr<CustomResource> inner) {
  return std::make_unique<ValidatingResource>(std::move(inner));
}

}  // namespace escnative::resources
