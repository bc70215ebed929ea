#include "provider/resources/package_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "provider/resources/registry.h"

namespace escnative::resources {
namespace {

using json = nlohmann::json;

TEST(Schema, ServesEveryResourceAndFunctionOfTheDesign) {
  const auto& s = PackageSchema::Get();
  EXPECT_EQ(s.ResourceTokens(),
            (std::vector<std::string>{"esc:index:AccessToken", "esc:index:Environment",
                                      "esc:index:EnvironmentVersionTag", "esc:index:Secret"}));
  EXPECT_EQ(s.FunctionTokens(),
            (std::vector<std::string>{"esc:index:getEnvironment", "esc:index:getSecret",
                                      "esc:index:openEnvironment"}));
  // The registry serves exactly what the schema declares.
  ProviderContext ctx;
  auto registry = Registry::NewDefault(&ctx);
  EXPECT_EQ(registry->ResourceTokens(), s.ResourceTokens());
  EXPECT_EQ(registry->FunctionTokens(), s.FunctionTokens());
}

TEST(Schema, JsonCarriesVersionAndIsWellFormed) {
  json j = json::parse(PackageSchema::Get().Json("1.2.3"));
  EXPECT_EQ(j["name"], "esc");
  EXPECT_EQ(j["version"], "1.2.3");
  for (const char* key : {"backend", "organization", "project", "backendUrl", "accessToken",
                          "localPath", "passphrase"}) {
    EXPECT_TRUE(j["config"]["variables"].contains(key)) << key;
    EXPECT_TRUE(j["provider"]["inputProperties"].contains(key)) << key;
  }
  EXPECT_TRUE(j["config"]["variables"]["accessToken"]["secret"].get<bool>());
  EXPECT_TRUE(j["config"]["variables"]["passphrase"]["secret"].get<bool>());
}

// Every property of every resource, function and type is documented, and
// every required name exists.
TEST(Schema, EveryPropertyIsDocumented) {
  json j = json::parse(EmbeddedSchemaJson());
  auto check_props = [](const std::string& where, const json& props) {
    for (const auto& [name, p] : props.items()) {
      EXPECT_FALSE(p.value("description", "").empty()) << where << "." << name;
    }
  };
  auto check_required = [](const std::string& where, const json& obj, const char* props,
                           const char* required) {
    if (!obj.contains(required)) return;
    for (const auto& r : obj[required]) {
      EXPECT_TRUE(obj[props].contains(r.get<std::string>())) << where << " requires " << r;
    }
  };
  check_props("config", j["config"]["variables"]);
  check_props("provider", j["provider"]["inputProperties"]);
  for (const auto& [tok, r] : j["resources"].items()) {
    EXPECT_FALSE(r.value("description", "").empty()) << tok;
    check_props(tok, r["inputProperties"]);
    check_props(tok, r["properties"]);
    check_required(tok, r, "inputProperties", "requiredInputs");
    check_required(tok, r, "properties", "required");
  }
  for (const auto& [tok, f] : j["functions"].items()) {
    EXPECT_FALSE(f.value("description", "").empty()) << tok;
    check_props(tok, f["inputs"]["properties"]);
    check_props(tok, f["outputs"]["properties"]);
    check_required(tok, f["inputs"], "properties", "required");
    check_required(tok, f["outputs"], "properties", "required");
  }
  for (const auto& [tok, t] : j["types"].items()) {
    EXPECT_FALSE(t.value("description", "").empty()) << tok;
    if (t.contains("properties")) check_props(tok, t["properties"]);
  }
}

TEST(Schema, TypedViewMarksSecretsAndReplacements) {
  const auto* env = PackageSchema::Get().FindResource("esc:index:Environment");
  ASSERT_NE(env, nullptr);
  for (const char* key : {"organization", "project", "name"}) {
    EXPECT_TRUE(env->inputs.properties.at(key).replace_on_changes) << key;
  }
  EXPECT_FALSE(env->inputs.properties.at("yaml").replace_on_changes);
  EXPECT_EQ(env->inputs.properties.at("values").type.kind, TypeSpec::Kind::kMap);
  EXPECT_EQ(env->inputs.required, std::set<std::string>{"name"});

  const auto* secret = PackageSchema::Get().FindResource("esc:index:Secret");
  ASSERT_NE(secret, nullptr);
  EXPECT_TRUE(secret->inputs.properties.at("value").secret);
  EXPECT_EQ(secret->outputs.properties.count("value"), 0u) << "no value echo";

  const auto* token = PackageSchema::Get().FindResource("esc:index:AccessToken");
  ASSERT_NE(token, nullptr);
  const TypeSpec& scopes = token->inputs.properties.at("scopes").type;
  ASSERT_EQ(scopes.kind, TypeSpec::Kind::kArray);
  ASSERT_EQ(scopes.element->kind, TypeSpec::Kind::kObject);
  EXPECT_EQ(scopes.element->object->properties.at("permission").type.enum_values,
            (std::vector<std::string>{"read", "open", "write", "admin"}));
  EXPECT_TRUE(token->outputs.properties.at("value").secret);
}

TEST(Registry, UnknownTokensAreInvalidArgumentWithHints) {
  ProviderContext ctx;
  auto registry = Registry::NewDefault(&ctx);
  auto r = registry->FindResource("esc:index:Enviroment");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("did you mean \"esc:index:Environment\""),
            absl::string_view::npos)
      << r.status();
  auto f = registry->FindFunction("esc:index:nope");
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(registry->FindResource("esc:index:Secret").ok());
}

TEST(Registry, TypeFromUrn) {
  EXPECT_EQ(TypeFromUrn("urn:pulumi:dev::proj::esc:index:Environment::base"),
            "esc:index:Environment");
  EXPECT_EQ(TypeFromUrn("urn:pulumi:dev::proj::my:comp$esc:index:Secret::s::with::colons"),
            "esc:index:Secret");
  EXPECT_EQ(TypeFromUrn("not-a-urn"), "");
  EXPECT_EQ(TypeFromUrn("urn:pulumi:dev::proj"), "");
}

}  // namespace
}  // namespace escnative::resources
