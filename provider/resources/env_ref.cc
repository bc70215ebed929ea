#include "provider/resources/env_ref.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/resource_util.h"

namespace escnative::resources {

void CanonicalizeEnvironmentInput(backend::Backend* b, const char* key, CheckResult* r) {
  PropertyValue* v = nullptr;
  if (auto it = r->inputs.find(key); it != r->inputs.end()) v = &it->second;
  if (v == nullptr || v->ContainsUnknowns() || !v->Plain().IsString() || b == nullptr) return;
  auto parsed = b->ParseRef(v->Plain().AsString());
  if (!parsed.ok()) {
    r->failures.push_back({key, std::string(parsed.status().message())});
    return;
  }
  if (!parsed->second.empty()) {
    r->failures.push_back(
        {key, absl::StrCat("expected an environment without a version (resources write the "
                           "latest revision); remove \"@", parsed->second, "\"")});
    return;
  }
  std::string canonical = RefString(parsed->first);
  *v = v->IsSecret() ? PropertyValue::MakeSecret(canonical) : PropertyValue(canonical);
}

absl::StatusOr<backend::EnvironmentRef> ParseCanonicalRef(backend::Backend* b,
                                                          absl::string_view text,
                                                          absl::string_view what) {
  auto parsed = b->ParseRef(text);
  if (!parsed.ok() || !parsed->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a valid ", what, "; expected organization/project/name"));
  }
  return parsed->first;
}

absl::Status MissingEnvironmentError(const backend::EnvironmentRef& ref) {
  return absl::NotFoundError(absl::StrCat(
      "environment ", RefString(ref), " does not exist; create it first (with an ",
      "esc:index:Environment resource, or `escctl env init ", RefString(ref), "`)"));
}

}  // namespace escnative::resources
