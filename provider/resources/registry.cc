#include "provider/resources/registry.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/resources/access_token.h"
#include "provider/resources/environment.h"
#include "provider/resources/environment_version_tag.h"
#include "provider/resources/functions.h"
#include "provider/resources/secret.h"
#include "provider/resources/validating_resource.h"
#include "provider/util/spell.h"

namespace escnative::resources {

std::unique_ptr<Registry> Registry::NewDefault(const ProviderContext* ctx) {
  auto r = std::make_unique<Registry>();
  r->AddResource(WithInputValidation(NewEnvironmentResource(ctx)));
  r->AddResource(WithInputValidation(NewSecretResource(ctx)));
  r->AddResource(WithInputValidation(NewAccessTokenResource(ctx)));
  r->AddResource(WithInputValidation(NewEnvironmentVersionTagResource(ctx)));
  r->AddFunction(NewOpenEnvironmentFunction(ctx));
  r->AddFunction(NewGetSecretFunction(ctx));
  r->AddFunction(NewGetEnvironmentFunction(ctx));
  return r;
}

void Registry::AddResource(std::unique_ptr<CustomResource> resource) {
  std::string token(resource->token());
  resources_[token] = std::move(resource);
}

void Registry::AddFunction(std::unique_ptr<Function> function) {
  std::string token(function->token());
  functions_[token] = std::move(function);
}

namespace {

template <typename Map>
absl::Status UnknownToken(absl::string_view kind, absl::string_view token, const Map& map) {
  std::vector<std::string> known;
  for (const auto& [k, v] : map) known.push_back(k);
  std::string hint = util::ClosestMatch(token, known);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", kind, " \"", token, "\"",
                   hint.empty() ? "" : absl::StrCat("; did you mean \"", hint, "\"?"),
                   " This provider serves: ", absl::StrJoin(known, ", ")));
}

}  // namespace

absl::StatusOr<CustomResource*> Registry::FindResource(absl::string_view token) const {
  auto it = resources_.find(token);
  if (it == resources_.end()) return UnknownToken("resource type", token, resources_);
  return it->second.get();
}

absl::StatusOr<Function*> Registry::FindFunction(absl::string_view token) const {
  auto it = functions_.find(token);
  if (it == functions_.end()) return UnknownToken("function", token, functions_);
  return it->second.get();
}

std::vector<std::string> Registry::ResourceTokens() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : resources_) out.push_back(k);
  return out;
}

std::vector<std::string> Registry::FunctionTokens() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : functions_) out.push_back(k);
  return out;
}

std::string TypeFromUrn(absl::string_view urn) {
  // urn:pulumi:<stack>::<project>::<qualified type>::<name>
  constexpr absl::string_view kPrefix = "urn:pulumi:";
  if (urn.substr(0, kPrefix.size()) != kPrefix) return "";
  std::vector<absl::string_view> parts = absl::StrSplit(urn.substr(kPrefix.size()), "::");
  if (parts.size() < 4) return "";
  absl::string_view qualified = parts[2];
  size_t dollar = qualified.rfind('$');
  return std::string(dollar == absl::string_view::npos ? qualified : qualified.substr(dollar + 1));
}

}  // namespace escnative::resources
