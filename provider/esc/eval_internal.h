// The evaluator's private pieces, shared by its source files (evaluator.cc:
// sessions, declaration and evaluation; eval_access.cc: property access;
// eval_builtins.cc: fn:: builtins, secrets, providers and rotators). Not part
// of the evaluator's interface: include evaluator.h instead.
#ifndef PROVIDER_ESC_EVAL_INTERNAL_H_
#define PROVIDER_ESC_EVAL_INTERNAL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "provider/esc/evaluator.h"
#include "provider/esc/expr_export.h"

namespace escnative::esc::eval_internal {

struct EvaluatedEnv {
  ValuePtr root;
};

class Session;

// The declared tree: one node per literal of `values`, carrying the imported
// value at the same path, the memoised result and the cycle-detection state.
struct ENode {
  const Expr* expr = nullptr;
  ValuePtr base;
  bool keep_base = false;  // the imported value is final: ignore this one
  enum class State { kNew, kBusy, kDone } state = State::kNew;
  ValuePtr value;
  std::vector<ENode> items;
  std::vector<std::pair<std::string, ENode>> props;  // sorted by key
};

class EnvEval {
 public:
  EnvEval(Session* session, const EnvironmentDecl& decl, std::string name, bool is_root,
          const Decrypter* decrypter)
      : s_(session),
        decl_(decl),
        name_(std::move(name)),
        is_root_(is_root),
        decrypter_(decrypter) {}

  ValuePtr Run();
  ValuePtr context() const { return context_; }

 private:
  void Declare(const Expr& expr, const ValuePtr& base, bool top, ENode* node);
  ValuePtr EvalNode(ENode* node);
  ValuePtr EvalLeaf(const Expr& expr, const ValuePtr& base);
  ValuePtr EvalFree(const Expr& expr);
  ValuePtr EvalBuiltin(const Expr& expr);
  ValuePtr EvalOpen(const Expr& expr);
  ValuePtr EvalRotate(const Expr& expr);
  ValuePtr EvalSecret(const Expr& expr);
  // The result schema the reference declares for a builtin (esc.md §1.14).
  ValuePtr WithResultSchema(const Expr& expr, ValuePtr v);
  ValuePtr Resolve(const std::vector<PropertyAccessor>& acc, const Expr& ctx);
  ValuePtr WalkValue(ValuePtr v, const std::vector<PropertyAccessor>& acc, size_t i, bool secret,
                     const Expr& ctx);
  ValuePtr Checked(ValuePtr v, const Expr& ctx);
  // `v` with another definition range / base; in place when nothing else
  // holds it yet.
  static ValuePtr WithDef(ValuePtr v, Range def);
  static ValuePtr WithBase(ValuePtr v, const ValuePtr& base);
  // Records what an expression / accessor evaluated to, for exprs.
  void Trace(const Expr& e, const ValuePtr& v);
  void Trace(const PropertyAccessor& a, const Range& def);
  // Records the imported values a declaration (not evaluated: it cannot
  // override a final value) and its properties would have overridden.
  void TraceBases(const Expr& expr, const ValuePtr& base);
  bool TypeCheck(const Value& v, const char* want, const Expr& at);
  void ReportSchemaErrors(const std::vector<SchemaError>& errors, const Expr& at);
  bool RotateHere(const Expr& expr) const;

  void Error(std::string summary, const Range& range, const std::string& path,
             Severity severity = Severity::kError);
  // The unknown a step past the maximum depth evaluates to; the error is
  // reported once per evaluation, not once per frame unwound.
  ValuePtr TooDeep(const Expr& at);

  Session* s_;
  const EnvironmentDecl& decl_;
  std::string name_;
  bool is_root_;
  const Decrypter* decrypter_;
  ENode root_;
  ValuePtr imports_;
  ValuePtr context_;
};

class Session {
 public:
  explicit Session(const EvalOptions& options) : opts(options) {}

  // Loads and evaluates an imported environment once; nullptr on failure
  // (after reporting at `range`/`path` in the importing file).
  const EvaluatedEnv* Load(const std::string& ref, const Range& range, const std::string& path);

  // Records a diagnostic; past kMaxDiagnostics it is only counted.
  void Add(Severity sev, std::string summary, const Range& range, const std::string& path);
  // Set once further diagnostics are only counted: work that only improves
  // their text (suggestions) is skipped then.
  bool Full() const { return diags.size() >= kMaxDiagnostics; }
  // Whether a "did you mean" may scan `keys` more candidates. Each scan is
  // linear, but N unknown references to an N-key object would be quadratic,
  // so an evaluation compares at most kSuggestBudget keys in all.
  bool Suggest(size_t keys);
  // Whether a reference may copy a container of `entries` entries to give
  // it the reference's own definition range (traces). References otherwise
  // share; the budget keeps N references to a K-key object from costing
  // N*K.
  bool Redefine(size_t entries);
  // diags, capped, with the count of what Add dropped.
  Diagnostics TakeDiagnostics();
  // The root environment's canonical name, for import cycles through it.
  void PushRoot(std::string name) { stack_.push_back({"", std::move(name)}); }

  const EvalOptions& opts;
  Diagnostics diags;
  std::vector<RotatePatch> patches;
  std::string root_name;
  ExprTrace* trace = nullptr;  // set when the caller wants exprs
  int depth = 0;
  bool depth_reported = false;

 private:
  std::map<std::string, std::unique_ptr<EvaluatedEnv>> envs_;
  // Environments being evaluated, the root first: (reference as written,
  // the loader's canonical name). An import of any of them is a cycle.
  struct Frame {
    std::string ref;
    std::string name;
  };
  std::vector<Frame> stack_;
  // Reports the cycle that importing stack_[from] again closes.
  void ReportCycle(size_t from, const Range& range, const std::string& path);
  std::vector<std::shared_ptr<const EnvironmentDecl>> decls_;
  int loaded_ = 0;
  size_t omitted_errors_ = 0;
  size_t omitted_warnings_ = 0;
  static constexpr size_t kSuggestBudget = 1 << 20;
  size_t suggest_budget_ = kSuggestBudget;
  static constexpr size_t kRedefineBudget = 1 << 20;
  size_t redefine_budget_ = kRedefineBudget;
};

inline void EnvEval::Trace(const Expr& e, const ValuePtr& v) {
  if (s_->trace != nullptr) s_->trace->values[&e] = v;
}
inline void EnvEval::Trace(const PropertyAccessor& a, const Range& def) {
  if (s_->trace != nullptr) s_->trace->accessors[&a] = def;
}

struct DepthGuard {
  explicit DepthGuard(Session* s) : s_(s) { ++s_->depth; }
  ~DepthGuard() { --s_->depth; }
  bool exceeded() const { return s_->depth > s_->opts.limits.max_eval_depth; }
  Session* s_;
};

void AddDiag(Diagnostics* diags, Severity sev, std::string summary, const Range& range,
             const std::string& path);

// `unknown property "k"; did you mean "near"?`, echoing at most kEchoLimit
// bytes of a key.
std::string UnknownProperty(std::string_view key, std::string_view near);

}  // namespace escnative::esc::eval_internal

#endif  // PROVIDER_ESC_EVAL_INTERNAL_H_
