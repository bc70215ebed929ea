#include "tests/esc/testing/case_runner.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "provider/esc/evaluator.h"
#include "provider/esc/value_schema.h"
#include "tests/esc/testing/test_providers.h"

namespace escnative::esc::testing {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string BaseName(const std::string& dir) {
  std::string d = dir;
  while (!d.empty() && d.back() == '/') d.pop_back();
  size_t slash = d.rfind('/');
  return slash == std::string::npos ? d : d.substr(slash + 1);
}

class DirLoader : public EnvironmentLoader {
 public:
  DirLoader(std::string dir, std::string case_name, const Decrypter* decrypter)
      : dir_(std::move(dir)), case_name_(std::move(case_name)), decrypter_(decrypter) {}
  absl::StatusOr<LoadedEnvironment> Load(std::string_view ref) const override {
    LoadedEnvironment env;
    env.name = std::string(ref);
    env.decrypter = decrypter_;
    if (ref.find("..") != std::string_view::npos ||
        !ReadFile(absl::StrCat(dir_, "/", std::string(ref), ".yaml"), &env.yaml)) {
      // The reference harness's wording, which the golden files record.
      return absl::NotFoundError(absl::StrCat("open testdata/eval/", case_name_, "/",
                                              std::string(ref),
                                              ".yaml: no such file or directory"));
    }
    return env;
  }

 private:
  std::string dir_;
  std::string case_name_;
  const Decrypter* decrypter_;
};

nlohmann::json DiagsToJson(const Diagnostics& diags) {
  nlohmann::json out = nlohmann::json::array();
  auto pos = [](const Pos& p) {
    return nlohmann::json{{"Line", p.line}, {"Column", p.column}, {"Byte", p.byte}};
  };
  for (const Diagnostic& d : diags) {
    nlohmann::json subject = nullptr;
    if (!d.range.empty()) {
      subject = {{"Filename", d.range.environment},
                 {"Start", pos(d.range.begin)},
                 {"End", pos(d.range.end)}};
    }
    out.push_back({{"Severity", static_cast<int>(d.severity)},
                   {"Summary", d.summary},
                   {"Detail", d.detail},
                   {"Subject", subject},
                   {"Context", nullptr},
                   {"Expression", nullptr},
                   {"EvalContext", nullptr},
                   {"Extra", nullptr},
                   {"Path", d.path}});
  }
  return out;
}

nlohmann::json Detailed(const EvalResult& r, const std::string& env) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : r.root->object) props[k] = ToDetailedJson(*v, env);
  nlohmann::json ctx = nlohmann::json::object();
  for (const auto& [k, v] : r.execution_context->object) ctx[k] = ToDetailedJson(*v, env);
  nlohmann::json out = {
      {"schema", EnvironmentSchema(*r.root)},
      {"executionContext", {{"properties", ctx}, {"schema", SchemaOf(*r.execution_context)}}}};
  // The reference omits empty maps.
  if (!props.empty()) out["properties"] = std::move(props);
  if (r.exprs.is_object() && !r.exprs.empty()) out["exprs"] = r.exprs;
  return out;
}

}  // namespace

absl::StatusOr<nlohmann::json> RunCase(const std::string& case_dir) {
  std::string yaml;
  if (!ReadFile(case_dir + "/env.yaml", &yaml)) {
    return absl::NotFoundError(absl::StrCat("no env.yaml in ", case_dir));
  }
  nlohmann::json overrides = nlohmann::json::object();
  std::string text;
  if (ReadFile(case_dir + "/overrides.json", &text)) {
    overrides = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (overrides.is_discarded()) return absl::InvalidArgumentError("bad overrides.json");
  }
  std::string name = BaseName(case_dir);
  Rot128Crypter crypter;
  TestProviders providers;
  DirLoader loader(case_dir, name, &crypter);

  EvalOptions opts;
  opts.context = nlohmann::json{{"pulumi", {{"user", {{"id", "USER_123"}}}}}};
  opts.loader = &loader;
  opts.providers = &providers;
  opts.decrypter = &crypter;
  opts.show_secrets = overrides.value("showSecrets", false);
  opts.root_environment_name = overrides.value("rootEnvironment", std::string());
  opts.export_exprs = true;

  nlohmann::json out = nlohmann::json::object();
  // An anonymous root ("<yaml>") is also parsed under that name.
  ParseResult parsed =
      Parse(opts.root_environment_name.empty() ? name : opts.root_environment_name, yaml);
  const std::string env = opts.root_environment_name.empty() ? name : opts.root_environment_name;
  if (!parsed.diagnostics.empty()) out["loadDiags"] = DiagsToJson(parsed.diagnostics);
  if (!parsed.syntax_ok) return out;

  opts.mode = EvalMode::kCheck;
  EvalResult check = Evaluate(parsed, opts);
  if (!check.diagnostics.empty()) out["checkDiags"] = DiagsToJson(check.diagnostics);
  out["check"] = Detailed(check, env);
  out["checkJson"] = ToJson(*check.root, Redaction::kRedact);

  opts.mode = EvalMode::kOpen;
  EvalResult eval = Evaluate(parsed, opts);
  if (!eval.diagnostics.empty()) out["evalDiags"] = DiagsToJson(eval.diagnostics);
  out["eval"] = Detailed(eval, env);
  out["evalJsonRedacted"] = ToJson(*eval.root, Redaction::kRedact);
  out["evalJSONRevealed"] = ToJson(*eval.root, Redaction::kReveal);

  if (overrides.value("rotate", false)) {
    opts.rotate = true;
    if (overrides.contains("rotatePaths") && overrides["rotatePaths"].is_array()) {
      for (const auto& p : overrides["rotatePaths"]) {
        if (p.is_string()) opts.rotate_paths.push_back(p.get<std::string>());
      }
    }
    EvalResult rot = Evaluate(parsed, opts);
    if (!rot.diagnostics.empty()) out["rotateDiags"] = DiagsToJson(rot.diagnostics);
    out["rotate"] = Detailed(rot, env);
    out["rotateJson"] = ToJson(*rot.root, Redaction::kRedact);
    nlohmann::json patches = nlohmann::json::array();
    for (const RotatePatch& p : rot.rotate_patches) {
      patches.push_back({{"DocPath", p.doc_path}, {"Replacement", ToDetailedJson(*p.replacement)}});
    }
    if (!patches.empty()) out["rotatePatches"] = patches;
  }
  return out;
}

namespace {

nlohmann::json Field(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? j[key] : nlohmann::json::array();
}

bool SameDiags(const nlohmann::json& want, const nlohmann::json& got, bool ranges, std::string* why,
               const char* field) {
  if (want.size() != got.size()) {
    *why = absl::StrCat(field, ": want ", want.size(), " diagnostics, got ", got.size(), ": ",
                        got.dump());
    return false;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& w = want[i];
    const auto& g = got[i];
    bool same = w.value("Summary", "") == g.value("Summary", "") &&
                w.value("Path", "") == g.value("Path", "");
    if (same && ranges) {
      same = w.value("Severity", 0) == g.value("Severity", 0) &&
             w.value("Subject", nlohmann::json()) == g.value("Subject", nlohmann::json());
    }
    if (!same) {
      *why = absl::StrCat(field, "[", i, "]: want ", w.dump(), " got ", g.dump());
      return false;
    }
  }
  return true;
}

// The path of the first difference between two JSON documents.
std::string FirstDifference(const nlohmann::json& want, const nlohmann::json& got,
                            const std::string& path) {
  if (want.type() != got.type())
    return absl::StrCat(path, ": want ", want.dump(), " got ", got.dump());
  if (want.is_object()) {
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key())) return absl::StrCat(path, ".", it.key(), ": missing");
      std::string d = FirstDifference(it.value(), got[it.key()], absl::StrCat(path, ".", it.key()));
      if (!d.empty()) return d;
    }
    for (auto it = got.begin(); it != got.end(); ++it) {
      if (!want.contains(it.key())) return absl::StrCat(path, ".", it.key(), ": unexpected");
    }
    return "";
  }
  if (want.is_array()) {
    if (want.size() != got.size()) {
      return absl::StrCat(path, ": want ", want.size(), " elements, got ", got.size());
    }
    for (size_t i = 0; i < want.size(); ++i) {
      std::string d = FirstDifference(want[i], got[i], absl::StrCat(path, "[", i, "]"));
      if (!d.empty()) return d;
    }
    return "";
  }
  return want == got ? "" : absl::StrCat(path, ": want ", want.dump(), " got ", got.dump());
}

}  // namespace

CaseScore ScoreCase(const nlohmann::json& expected, const nlohmann::json& actual) {
  CaseScore score;
  std::string why;
  bool values = true;
  for (const char* f : {"evalJSONRevealed", "evalJsonRedacted"}) {
    if (expected.contains(f) && Field(expected, f) != Field(actual, f)) {
      values = false;
      why = absl::StrCat(f, ": want ", Field(expected, f).dump(), " got ", Field(actual, f).dump());
      break;
    }
  }
  for (const char* f : {"loadDiags", "checkDiags", "evalDiags", "rotateDiags"}) {
    if (values && !SameDiags(Field(expected, f), Field(actual, f), false, &why, f)) values = false;
  }
  score.values = values;
  bool diags = values;
  for (const char* f : {"loadDiags", "checkDiags", "evalDiags", "rotateDiags"}) {
    if (diags && !SameDiags(Field(expected, f), Field(actual, f), true, &why, f)) diags = false;
  }
  score.diagnostics = diags;
  bool full = diags;
  // Also the rotation results, for cases that rotate.
  for (const char* f : {"check", "checkJson", "eval", "rotate", "rotateJson", "rotatePatches"}) {
    if (full && (expected.contains(f) || actual.contains(f)) &&
        Field(expected, f) != Field(actual, f)) {
      full = false;
      why = FirstDifference(Field(expected, f), Field(actual, f), f);
    }
  }
  score.full = full;
  score.first_difference = why;
  return score;
}

}  // namespace escnative::esc::testing
