// The pulumi CLI is not available where tests run, so every example program
// is checked against the package schema instead: resource types and
// functions exist, every property is an input of that type with a matching
// literal type, and required inputs are present.
#include <dirent.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "provider/esc/definition_data.h"
#include "provider/resources/package_schema.h"

namespace escnative {
namespace {

using json = nlohmann::ordered_json;

std::string ExamplesDir() {
  const char* src = std::getenv("ESC_SOURCE_DIR");
  return std::string(src != nullptr ? src : ESC_DEFAULT_SOURCE_DIR) + "/examples";
}

std::vector<std::string> ExampleNames() {
  std::vector<std::string> out;
  DIR* d = opendir(ExamplesDir().c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name[0] == '.') continue;
    std::ifstream f(ExamplesDir() + "/" + name + "/Pulumi.yaml");
    if (f) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

json Load(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = esc::DefinitionToJson(ss.str());
  EXPECT_TRUE(j.ok()) << path << ": " << j.status();
  return j.ok() ? *j : json::object();
}

bool IsInterpolation(const json& v) {
  return v.is_string() && v.get<std::string>().find("${") != std::string::npos &&
         v.get<std::string>().find("$${") == std::string::npos;
}

// Checks a literal against a schema property type (interpolations pass).
void CheckType(const json& schema_root, const json& spec, const json& v, const std::string& where) {
  if (IsInterpolation(v)) return;
  if (spec.contains("$ref")) {
    std::string ref = spec["$ref"];
    if (ref.rfind("#/types/", 0) != 0) return;  // pulumi.json#/Any
    const json& t = schema_root["types"][ref.substr(8)];
    if (t.contains("enum")) {
      bool found = false;
      for (const auto& e : t["enum"]) found |= e["value"] == v;
      EXPECT_TRUE(found) << where << ": not one of the enum values";
      return;
    }
    ASSERT_TRUE(v.is_object()) << where << ": expected an object";
    for (const auto& [k, e] : v.items()) {
      ASSERT_TRUE(t["properties"].contains(k)) << where << "." << k << " is not a property";
      CheckType(schema_root, t["properties"][k], e, where + "." + k);
    }
    const json required = t.value("required", json::array());
    for (const auto& r : required) {
      EXPECT_TRUE(v.contains(r.get<std::string>())) << where << " lacks " << r;
    }
    return;
  }
  std::string type = spec.value("type", "");
  if (type == "string") {
    EXPECT_TRUE(v.is_string()) << where << ": expected a string";
  }
  if (type == "boolean") {
    EXPECT_TRUE(v.is_boolean()) << where << ": expected a boolean";
  }
  if (type == "integer") {
    EXPECT_TRUE(v.is_number_integer()) << where << ": expected an integer";
  }
  if (type == "array") {
    ASSERT_TRUE(v.is_array()) << where << ": expected an array";
    for (size_t i = 0; i < v.size(); ++i) {
      CheckType(schema_root, spec["items"], v[i], where + "[" + std::to_string(i) + "]");
    }
  }
  if (type == "object") {
    EXPECT_TRUE(v.is_object()) << where << ": expected an object";
  }
}

TEST(Examples, EveryExampleMatchesTheSchema) {
  const json schema = json::parse(resources::EmbeddedSchemaJson());
  std::vector<std::string> names = ExampleNames();
  ASSERT_GE(names.size(), 5u) << "examples missing from " << ExamplesDir();
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    json program = Load(ExamplesDir() + "/" + name + "/Pulumi.yaml");
    // Python and TypeScript programs are proven by running them through tests/engine instead.
    if (!program["runtime"].is_string() || program["runtime"] != "yaml") continue;
    EXPECT_EQ(program["plugins"]["providers"][0]["name"], "esc");
    std::ifstream readme(ExamplesDir() + "/" + name + "/README.md");
    EXPECT_TRUE(readme.good()) << "every example has a README";
    const json resources = program.value("resources", json::object());
    for (const auto& [res_name, res] : resources.items()) {
      std::string type = res["type"];
      ASSERT_TRUE(schema["resources"].contains(type)) << res_name << ": unknown type " << type;
      const json& spec = schema["resources"][type];
      const json props = res.value("properties", json::object());
      for (const auto& [k, v] : props.items()) {
        ASSERT_TRUE(spec["inputProperties"].contains(k)) << res_name << "." << k;
        CheckType(schema, spec["inputProperties"][k], v, res_name + "." + k);
      }
      const json required = spec.value("requiredInputs", json::array());
      for (const auto& r : required) {
        EXPECT_TRUE(props.contains(r.get<std::string>())) << res_name << " lacks " << r;
      }
    }
    const json variables = program.value("variables", json::object());
    for (const auto& [var_name, var] : variables.items()) {
      if (!var.contains("fn::invoke")) continue;
      const json& inv = var["fn::invoke"];
      std::string fn = inv["function"];
      ASSERT_TRUE(schema["functions"].contains(fn)) << var_name << ": unknown function " << fn;
      const json& spec = schema["functions"][fn];
      const json args = inv.value("arguments", json::object());
      for (const auto& [k, v] : args.items()) {
        ASSERT_TRUE(spec["inputs"]["properties"].contains(k)) << var_name << "." << k;
        CheckType(schema, spec["inputs"]["properties"][k], v, var_name + "." + k);
      }
      const json required = spec["inputs"].value("required", json::array());
      for (const auto& r : required) {
        EXPECT_TRUE(args.contains(r.get<std::string>())) << var_name << " lacks " << r;
      }
      if (inv.contains("return")) {
        EXPECT_TRUE(spec["outputs"]["properties"].contains(inv["return"].get<std::string>()));
      }
    }
  }
}

// The check itself must catch a wrong property.
TEST(Examples, TheCheckCatchesAWrongProperty) {
  const json schema = json::parse(resources::EmbeddedSchemaJson());
  const json& spec = schema["resources"]["esc:index:AccessToken"]["inputProperties"];
  EXPECT_FALSE(spec.contains("scope"));
  EXPECT_NONFATAL_FAILURE(CheckType(schema, spec["kind"], json("enviroment"), "kind"),
                          "not one of the enum values");
}

}  // namespace
}  // namespace escnative
