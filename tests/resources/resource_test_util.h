// In-process resource tests: one resource over a FakeBackend and a fake
// clock, called below the gRPC layer with the resource interface's own
// request types. The process-level tests (tests/plugin) cover the wire.
#ifndef TESTS_RESOURCES_RESOURCE_TEST_UTIL_H_
#define TESTS_RESOURCES_RESOURCE_TEST_UTIL_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"
#include "provider/resources/validating_resource.h"
#include "tests/resources/fake_backend.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::resources::testing {

class RecordingLogger final : public Logger {
 public:
  void Log(LogSeverity severity, absl::string_view message, absl::string_view) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(severity, std::string(message));
  }
  std::vector<std::pair<LogSeverity, std::string>> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  // Every warning so far, joined.
  std::string Warnings() const {
    std::string out;
    for (const auto& [severity, line] : lines()) {
      if (severity == LogSeverity::kWarning) absl::StrAppend(&out, line, "\n");
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<LogSeverity, std::string>> lines_ ABSL_GUARDED_BY(mu_);
};

// True if `marker` occurs in a string of `v` outside any secret.
inline bool InPlainText(const PropertyValue& v, absl::string_view marker) {
  if (v.IsSecret()) return false;
  if (v.IsString()) return absl::StrContains(v.AsString(), marker);
  if (v.IsArray()) {
    for (const PropertyValue& e : v.AsArray()) {
      if (InPlainText(e, marker)) return true;
    }
  }
  if (v.IsObject()) {
    for (const auto& [k, e] : v.AsObject()) {
      if (absl::StrContains(k, marker) || InPlainText(e, marker)) return true;
    }
  }
  return false;
}
inline bool InPlainText(const PropertyMap& m, absl::string_view marker) {
  return InPlainText(PropertyValue(m), marker);
}

inline bool FailsOn(const CheckResult& r, const std::string& property) {
  for (const auto& f : r.failures) {
    if (f.property == property) return true;
  }
  return false;
}

inline std::string ReasonFor(const CheckResult& r, const std::string& property) {
  for (const auto& f : r.failures) {
    if (f.property == property) return f.reason;
  }
  return "";
}

// The fixture: `Use` installs the resource under test, wrapped as the
// registry wraps it (Create and Update re-run Check).
class ResourceTest : public ::testing::Test {
 protected:
  static constexpr char kOrg[] = "organization";

  ResourceTest() {
    auto b = std::make_unique<FakeBackend>(&clock_, kOrg, "default");
    backend_ = b.get();
    ProviderConfig config;
    config.organization = kOrg;
    context_.Configure(config, std::move(b));
  }

  void Use(std::unique_ptr<CustomResource> resource) {
    resource_ = WithInputValidation(std::move(resource));
  }

  std::string Urn(const std::string& name = "r") const {
    return absl::StrCat("urn:pulumi:dev::unit::", resource_->token(), "::", name);
  }
  CallContext Ctx() { return {&logger_, nullptr}; }

  CheckResult Check(const PropertyMap& news, const PropertyMap& olds = {}) {
    CheckRequest req;
    req.urn = Urn();
    req.name = "r";
    req.type = std::string(resource_->token());
    req.olds = olds;
    req.news = news;
    auto r = resource_->Check(Ctx(), req);
    EXPECT_OK(r);
    return r.ok() ? *std::move(r) : CheckResult{};
  }
  // Check that must pass; returns the checked inputs.
  PropertyMap Checked(const PropertyMap& news) {
    CheckResult r = Check(news);
    for (const auto& f : r.failures) ADD_FAILURE() << f.property << ": " << f.reason;
    return r.inputs;
  }

  absl::StatusOr<DiffResult> Diff(const std::string& id, const PropertyMap& olds,
                                  const PropertyMap& old_inputs, const PropertyMap& news) {
    DiffRequest req;
    req.id = id;
    req.urn = Urn();
    req.olds = olds;
    req.old_inputs = old_inputs;
    req.news = news;
    return resource_->Diff(Ctx(), req);
  }

  absl::StatusOr<CreateResult> Create(const PropertyMap& props, bool preview = false) {
    CreateRequest req;
    req.urn = Urn();
    req.properties = props;
    req.preview = preview;
    return resource_->Create(Ctx(), req);
  }

  absl::StatusOr<ReadResult> Read(const std::string& id, std::optional<PropertyMap> outputs,
                                  std::optional<PropertyMap> inputs) {
    ReadRequest req;
    req.id = id;
    req.urn = Urn();
    req.properties = std::move(outputs);
    req.inputs = std::move(inputs);
    return resource_->Read(Ctx(), req);
  }

  absl::StatusOr<UpdateResult> Update(const std::string& id, const PropertyMap& olds,
                                      const PropertyMap& old_inputs, const PropertyMap& news,
                                      bool preview = false) {
    UpdateRequest req;
    req.id = id;
    req.urn = Urn();
    req.olds = olds;
    req.old_inputs = old_inputs;
    req.news = news;
    req.preview = preview;
    return resource_->Update(Ctx(), req);
  }

  absl::Status Delete(const std::string& id, const PropertyMap& outputs,
                      const PropertyMap& old_inputs) {
    DeleteRequest req;
    req.id = id;
    req.urn = Urn();
    req.properties = outputs;
    req.old_inputs = old_inputs;
    return resource_->Delete(Ctx(), req);
  }

  store::testing::FakeClock clock_;
  RecordingLogger logger_;
  ProviderContext context_;
  FakeBackend* backend_ = nullptr;  // owned by context_
  std::unique_ptr<CustomResource> resource_;
};

}  // namespace escnative::resources::testing

#endif  // TESTS_RESOURCES_RESOURCE_TEST_UTIL_H_
