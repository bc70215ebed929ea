// Public API of the ESC evaluator: parse and evaluate environment
// definitions (reference/esc.md §1–§2).
//
//   ParseResult parsed = Parse("proj/dev", yaml);
//   EvalOptions opts;
//   opts.mode = EvalMode::kOpen;
//   opts.loader = &loader;          // imports
//   opts.providers = &registry;     // fn::open / fn::rotate
//   opts.decrypter = &decrypter;    // this environment's ciphertext
//   EvalResult r = Evaluate(parsed, opts);
//   std::string json = ToJsonText(*r.root, Redaction::kRedact, 2);
//
// Nothing here throws; everything wrong with the input is a Diagnostic.
#ifndef PROVIDER_ESC_EVALUATOR_H_
#define PROVIDER_ESC_EVALUATOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/esc/ast.h"
#include "provider/esc/crypter.h"
#include "provider/esc/diagnostic.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/provider.h"
#include "provider/esc/value.h"

namespace escnative::esc {

struct LoadedEnvironment {
  std::string name;  // used in ranges; usually the reference itself
  std::string yaml;
  const Decrypter* decrypter = nullptr;  // must outlive the evaluation
};

// Resolves import references (`name`, `proj/name`, `proj/name@3`, `@stable`
// are passed through verbatim). The error message becomes a diagnostic.
class EnvironmentLoader {
 public:
  virtual ~EnvironmentLoader() = default;
  virtual absl::StatusOr<LoadedEnvironment> Load(std::string_view ref) const = 0;
  // Optional: `env` (just returned by Load) already parsed, as
  // Parse(env.name, env.yaml) would. Lets a loader reuse parses of immutable
  // revisions across evaluations (parsing is most of an evaluation's cost).
  // nullptr: the evaluator parses.
  virtual std::shared_ptr<const ParseResult> Parsed(const LoadedEnvironment& env) const {
    return nullptr;
  }
};

enum class EvalMode {
  kCheck,  // providers/rotators not called; ciphertext unknown unless show_secrets
  kOpen,
};

struct EvalLimits {
  int max_depth = 128;  // YAML nesting
  size_t max_definition_bytes = 4 << 20;
  int max_eval_depth = 400;         // nested evaluations (reference chains)
  int max_environments = 256;       // distinct environments per evaluation
  size_t max_value_size = 8 << 20;  // nodes + text bytes of any one value
  int max_value_depth = 512;        // nesting of any one value
};

struct EvalOptions {
  EvalMode mode = EvalMode::kOpen;
  bool show_secrets = false;
  // Caller-provided `context` (e.g. {"pulumi":{"user":{"login":…}}});
  // currentEnvironment/rootEnvironment are injected per environment.
  nlohmann::json context = nlohmann::json::object();
  // Name the root sees as context.rootEnvironment.name; defaults to the
  // environment's name. "<yaml>" marks an anonymous root.
  std::string root_environment_name;
  // The name the loader gives the root (LoadedEnvironment::name), so that an
  // import chain leading back to it is reported as a cycle at once, even when
  // the stored copy the loader returns does not import anything (a definition
  // about to be written). Defaults to the root environment's name.
  std::string root_import_name;
  const EnvironmentLoader* loader = nullptr;
  const ProviderRegistry* providers = nullptr;
  const Decrypter* decrypter = nullptr;  // for the root environment
  // Rotation: call Rotate on the root environment's rotators (all, or those
  // at `rotate_paths`, e.g. "creds.token"), and report the state patches.
  bool rotate = false;
  std::vector<std::string> rotate_paths;
  // Fill EvalResult::exprs (the detailed result's expression tree).
  bool export_exprs = false;
  EvalLimits limits;
};

struct RotatePatch {
  std::string doc_path;  // e.g. values.full["fn::rotate"].state
  ValuePtr replacement;
};

struct EvalResult {
  ValuePtr root;  // object of the environment's properties; never null
  ValuePtr execution_context;
  Diagnostics diagnostics;  // evaluation only; Parse diagnostics are separate
  std::vector<RotatePatch> rotate_patches;
  // With EvalOptions::export_exprs: {"<key>": Expr, …} (esc.md §2.1). Its
  // schemas carry literal values, secrets included, as the reference's do.
  nlohmann::json exprs;
  bool HasErrors() const { return esc::HasErrors(diagnostics); }
};

ParseResult Parse(std::string_view name, std::string_view yaml, const EvalLimits& limits = {});
// The same from a syntax tree the caller already has: `syntax` is
// ParseYaml(name, yaml) with the limits' max_depth and max_definition_bytes.
ParseResult Parse(std::string_view name, const SyntaxParseResult& syntax);

EvalResult Evaluate(const ParseResult& parsed, const EvalOptions& options);

// Parse + Evaluate; diagnostics of both, parse first. Evaluation is skipped
// when the YAML itself cannot be parsed.
EvalResult Evaluate(std::string_view name, std::string_view yaml, const EvalOptions& options);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_EVALUATOR_H_
