#include "provider/esc/projections.h"

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/esc/yaml_emit.h"
#include "provider/util/echo.h"

namespace escnative::esc {
namespace {

std::vector<EnvironmentEntry> Scalars(const Value& root, const char* key) {
  std::vector<EnvironmentEntry> out;
  if (!root.is_object()) return out;
  auto it = root.object.find(key);
  if (it == root.object.end() || !it->second->is_object()) return out;
  bool parent_secret = it->second->secret;
  for (const auto& [name, v] : it->second->object) {
    if (!v->unknown && (v->kind == Value::Kind::kArray || v->kind == Value::Kind::kObject))
      continue;
    EnvironmentEntry e;
    e.name = name;
    e.unknown = v->unknown;
    e.secret = v->secret || parent_secret;
    e.value = v->unknown ? "" : ToString(*v);
    out.push_back(std::move(e));
  }
  return out;
}

std::string Shown(const EnvironmentEntry& e, Redaction redaction) {
  if (redaction == Redaction::kRedact && e.secret) return "[secret]";
  if (e.unknown) return "[unknown]";
  return e.value;
}

}  // namespace

std::vector<EnvironmentEntry> EnvironmentVariables(const Value& root) {
  return Scalars(root, "environmentVariables");
}

std::vector<EnvironmentEntry> Files(const Value& root) { return Scalars(root, "files"); }

ValuePtr PulumiConfig(const Value& root) {
  if (root.is_object()) {
    auto it = root.object.find("pulumiConfig");
    if (it != root.object.end() && it->second->is_object()) return it->second;
  }
  return MakeObject({});
}

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  if (name == "detailed") return OutputFormat::kDetailed;
  if (name == "string") return OutputFormat::kString;
  if (name == "dotenv") return OutputFormat::kDotenv;
  if (name == "shell") return OutputFormat::kShell;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown output format \"", util::Echo(name),
                   "\"; expected json, yaml, detailed, string, dotenv or shell"));
}

std::string RenderJson(const Value& v, Redaction redaction) {
  return ToJsonText(v, redaction, 2) + "\n";
}

std::string RenderYaml(const Value& v, Redaction redaction) { return ValueToYaml(v, redaction, 3); }

std::string RenderDetailed(const Value& v) {
  // Values may hold raw bytes (fn::fromBase64): replace invalid UTF-8.
  return ToDetailedJson(v).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {
constexpr size_t kMaxRendered = 64 << 20;

std::string Bounded(const Value& v) {
  std::string out;
  if (!ToStringBounded(v, kMaxRendered, &out)) return "[value too large to render]";
  return out;
}
}  // namespace

std::string RenderString(const Value& v, Redaction redaction) {
  if (redaction == Redaction::kRedact && v.secret) return "[secret]\n";
  if (redaction == Redaction::kRedact && ContainsSecret(v)) {
    // Stringify a redacted copy so nested secrets never print.
    std::function<ValuePtr(const Value&)> redact = [&](const Value& x) -> ValuePtr {
      if (x.secret) return MakeString("[secret]");
      auto c = std::make_shared<Value>(x);
      for (ValuePtr& i : c->array) i = redact(*i);
      for (auto& [k, i] : c->object) i = redact(*i);
      return c;
    };
    return Bounded(*redact(v)) + "\n";
  }
  return Bounded(v) + "\n";
}

bool IsPosixVariableName(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

RenderedEnvironment RenderDotenv(const Value& root,
                                 const std::map<std::string, std::string>& file_paths,
                                 Redaction redaction, bool shell) {
  RenderedEnvironment r;
  const char* prefix = shell ? "export " : "";
  auto emit = [&](const std::string& name, const std::string& value) {
    if (!IsPosixVariableName(name)) {
      r.skipped.push_back(absl::StrCat(util::Echo(name), ": not a valid variable name"));
      return;
    }
    if (value.find('\0') != std::string::npos) {
      r.skipped.push_back(absl::StrCat(name, ": the value holds a NUL byte"));
      return;
    }
    if (!shell && value.find('\'') != std::string::npos) {
      r.skipped.push_back(
          absl::StrCat(name,
                       ": the value holds a single quote, which .env readers cannot read back; use "
                       "--format shell or json"));
      return;
    }
    absl::StrAppend(&r.text, prefix, name, "=", ShellQuote(value), "\n");
  };
  for (const EnvironmentEntry& e : EnvironmentVariables(root)) emit(e.name, Shown(e, redaction));
  for (const EnvironmentEntry& e : Files(root)) {
    auto it = file_paths.find(e.name);
    emit(e.name, it == file_paths.end() ? "[unknown]" : it->second);
  }
  return r;
}

}  // namespace escnative::esc
