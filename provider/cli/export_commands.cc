// `escctl env export` (a .env/shell/json file of the environment's variables,
// or a template of its keys) and `escctl env check` (the smoke check: which
// required values are present, each shown masked).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/cli/env_files.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/projections.h"
#include "provider/value/property_path.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/util/utf8.h"

namespace escnative::cli {
namespace {

// `secrets.github_token` -> SECRETS_GITHUB_TOKEN (for --all).
std::string VariableName(const std::string& path) {
  std::string out;
  for (char c : path) {
    out += absl::ascii_isalnum(static_cast<unsigned char>(c))
               ? absl::ascii_toupper(static_cast<unsigned char>(c))
               : '_';
  }
  return out;
}

// Every scalar leaf under `v` as (path, value), paths like `a.b[0]`.
void Leaves(const esc::ValuePtr& v, const std::string& path, bool secret,
            std::vector<std::pair<std::string, esc::ValuePtr>>* out) {
  if (v->is_object()) {
    for (const auto& [k, child] : v->object) {
      Leaves(child, path.empty() ? k : absl::StrCat(path, ".", k), secret || v->secret, out);
    }
  } else if (v->is_array()) {
    for (size_t i = 0; i < v->array.size(); ++i) {
      Leaves(v->array[i], absl::StrCat(path, "[", i, "]"), secret || v->secret, out);
    }
  } else {
    esc::ValuePtr leaf = v;
    if (secret && !v->secret) {
      auto copy = std::make_shared<esc::Value>(*v);
      copy->secret = true;
      leaf = copy;
    }
    out->push_back({path, leaf});
  }
}

// The check mask: the last 4 characters of a value of 12 or more characters.
std::string Masked(const std::string& value) {
  std::vector<size_t> starts;  // code point starts, so no character is cut
  for (size_t i = 0; i < value.size();) {
    starts.push_back(i);
    int len = util::Utf8SequenceLength(value, i);
    i += len > 0 ? static_cast<size_t>(len) : 1;
  }
  if (starts.size() < 12) return "***";
  return absl::StrCat("***", util::Echo(value.substr(starts[starts.size() - 4])));
}

struct Requirement {
  std::vector<std::string> paths;  // one path, or the alternatives of `any`
  bool required = true;
};

absl::StatusOr<std::vector<Requirement>> ParseRequirements(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadInput(file));
  absl::StatusOr<nlohmann::ordered_json> doc = esc::DefinitionToJson(text);
  std::string where = absl::StrCat("--require ", util::Echo(file));
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a YAML mapping with required/optional lists"));
  }
  std::vector<Requirement> out;
  for (auto& [key, list] : doc->items()) {
    if (key != "required" && key != "optional") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown key \"", util::Echo(key),
                                                     "\"; expected required or optional"));
    }
    if (!list.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", key, ": expected a list"));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& item = list[i];
      std::string at = absl::StrCat(where, ": ", key, "[", i, "]");
      Requirement req;
      req.required = key == "required";
      if (item.is_string()) {
        req.paths.push_back(item.get<std::string>());
      } else if (item.is_object() && item.size() == 1 && item.contains("any") &&
                 item["any"].is_array() && !item["any"].empty()) {
        for (const auto& alt : item["any"]) {
          if (!alt.is_string()) {
            return absl::InvalidArgumentError(absl::StrCat(at, ".any: expected a list of paths"));
          }
          req.paths.push_back(alt.get<std::string>());
        }
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ": expected a path or {any: [path, ...]}"));
      }
      for (const std::string& p : req.paths) {
        absl::Status valid = PropertyPath::Parse(p).status();
        if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ": ", valid.message()));
      }
      out.push_back(std::move(req));
    }
  }
  return out;
}

}  // namespace

absl::Status EnvExport(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  std::string format = ctx.args().Get("format", "dotenv");
  if (format != "dotenv" && format != "shell" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("invalid --format \"", util::Echo(format),
                                                   "\": expected dotenv, shell or json"));
  }
  bool all = ctx.args().Has("all");
  bool tmpl = ctx.args().Has("template");
  esc::ValuePtr root;
  if (tmpl) {
    // A template needs the keys only: checked, never decrypted.
    ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
    ASSIGN_OR_RETURN(backend::Evaluation checked, b->CheckEnvironment(r.ref, r.version, false));
    root = checked.root;
  } else {
    ASSIGN_OR_RETURN(root, OpenValues(ctx, r));
  }
  // (name, value, source path)
  struct Entry {
    std::string name;
    esc::ValuePtr value;
    std::string source;
  };
  std::vector<Entry> entries;
  if (all) {
    std::vector<std::pair<std::string, esc::ValuePtr>> leaves;
    Leaves(root, "", false, &leaves);
    for (auto& [path, v] : leaves) {
      if (absl::StartsWith(path, "files.") || absl::StartsWith(path, "environmentVariables."))
        continue;
      entries.push_back({VariableName(path), v, path});
    }
  }
  if (auto it = root->object.find("environmentVariables");
      it != root->object.end() && it->second->is_object()) {
    for (const auto& [name, v] : it->second->object) {
      if (v->is_array() || v->is_object()) continue;
      entries.push_back({name, v, absl::StrCat("environmentVariables.", name)});
    }
  }
  if (!esc::Files(*root).empty()) {
    ctx.err() << "note: `files` entries are not exported (their content would need a file of "
                 "its own); use `escctl env run`\n";
  }
  std::string text;
  if (format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const Entry& e : entries) {
      j[e.name] = tmpl || e.value->unknown ? std::string() : esc::ToString(*e.value);
    }
    text = j.dump(2) + "\n";
  } else {
    // The template's values are empty; the real ones are quoted as `env open`.
    auto obj = std::make_shared<esc::Value>();
    obj->kind = esc::Value::Kind::kObject;
    std::string comments;
    for (const Entry& e : entries) {
      obj->object[e.name] = tmpl ? esc::MakeString("") : e.value;
    }
    auto wrapper = esc::MakeObject({{"environmentVariables", obj}});
    esc::RenderedEnvironment rendered =
        esc::RenderDotenv(*wrapper, {}, esc::Redaction::kReveal, format == "shell");
    for (const std::string& why : rendered.skipped) ctx.err() << "warning: skipped " << why << "\n";
    if (tmpl) {
      // One comment per key: where it comes from, and whether it is a secret.
      std::map<std::string, const Entry*> by_name;
      for (const Entry& e : entries) by_name[e.name] = &e;
      for (absl::string_view line : absl::StrSplit(rendered.text, '\n', absl::SkipEmpty())) {
        std::string name(line.substr(format == "shell" ? 7 : 0));
        name = name.substr(0, name.find('='));
        const Entry* e = by_name.count(name) > 0 ? by_name[name] : nullptr;
        if (e != nullptr) {
          absl::StrAppend(&text, "# ", e->source, e->value->secret ? " (secret)" : "", " from ",
                          r.ref.ToString(), "\n");
        }
        absl::StrAppend(&text, line, "\n");
      }
    } else {
      text = std::move(rendered.text);
    }
  }
  if (ctx.args().Has("output")) {
    std::string path = ctx.args().Get("output");
    RETURN_IF_ERROR(WritePrivateFile(path, text));
    ctx.err() << "Wrote " << entries.size() << " variables to " << util::Echo(path)
              << " (mode 0600).\n";
  } else {
    ctx.out() << text;
  }
  return absl::OkStatus();
}

absl::Status EnvCheck(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  std::vector<Requirement> reqs;
  if (ctx.args().Has("require")) {
    ASSIGN_OR_RETURN(reqs, ParseRequirements(ctx.args().Get("require")));
  }
  ASSIGN_OR_RETURN(esc::ValuePtr root, OpenValues(ctx, r));
  if (!ctx.args().Has("require")) {
    for (const esc::EnvironmentEntry& e : esc::EnvironmentVariables(*root)) {
      reqs.push_back({{absl::StrCat("environmentVariables.", e.name)}, true});
    }
  }
  // A path's value as text, or nullopt when absent, null or empty.
  auto lookup = [&](const std::string& path) -> std::optional<std::string> {
    absl::StatusOr<esc::ValuePtr> v = esc::ValueAtPath(root, path);
    if (!v.ok() || (*v)->unknown || (*v)->kind == esc::Value::Kind::kNull) return std::nullopt;
    std::string text = esc::ToString(**v);
    if (text.empty()) return std::nullopt;
    return text;
  };
  bool ok = true;
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const Requirement& req : reqs) {
    std::optional<std::string> found_path, value;
    for (const std::string& path : req.paths) {
      value = lookup(path);
      if (value.has_value()) {
        found_path = path;
        break;
      }
    }
    std::string label = req.paths.size() == 1
                            ? util::Echo(req.paths[0])
                            : absl::StrCat("any of ", util::Echo(absl::StrJoin(req.paths, ", ")));
    nlohmann::ordered_json item = {{"item", label}, {"required", req.required}};
    if (value.has_value()) {
      std::string masked = Masked(*value);
      item["present"] = true;
      item["path"] = *found_path;
      item["masked"] = masked;
      if (!ctx.args().Has("json")) {
        ctx.out() << "✓ " << label
                  << (req.paths.size() > 1 ? absl::StrCat(": ", util::Echo(*found_path)) : "")
                  << " " << masked << "\n";
      }
    } else {
      if (req.required) ok = false;
      item["present"] = false;
      if (!ctx.args().Has("json")) {
        ctx.out() << (req.required ? "✗ " : "- ") << label << " missing"
                  << (req.required ? "" : " (optional)") << "\n";
      }
    }
    items.push_back(std::move(item));
  }
  if (ctx.args().Has("json")) {
    ctx.out() << nlohmann::ordered_json{{"environment", r.ref.ToString()},
                                        {"ok", ok},
                                        {"items", items}}
                     .dump(2)
              << "\n";
  }
  if (!ok) ctx.SetExitCode(kExitError);  // the lines above say which
  return absl::OkStatus();
}

}  // namespace escnative::cli
