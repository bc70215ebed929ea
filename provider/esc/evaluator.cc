#include "provider/esc/evaluator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/esc/spell.h"
#include "provider/esc/str_util.h"
#include "provider/util/echo.h"

namespace escnative::esc {
namespace {

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
  ValuePtr Resolve(const std::vector<PropertyAccessor>& acc, const Expr& ctx);
  ValuePtr WalkValue(ValuePtr v, const std::vector<PropertyAccessor>& acc, size_t i, bool secret,
                     const Expr& ctx);
  ValuePtr Checked(ValuePtr v, const Expr& ctx);
  bool TypeCheck(const Value& v, const char* want, const Expr& at);
  void ReportSchemaErrors(const std::vector<SchemaError>& errors, const Expr& at);
  bool RotateHere(const Expr& expr) const;

  void Error(std::string summary, const Range& range, const std::string& path,
             Severity severity = Severity::kError);

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
  // diags, capped, with the count of what Add dropped.
  Diagnostics TakeDiagnostics();
  // The root environment's canonical name, for import cycles through it.
  void PushRoot(std::string name) { stack_.push_back({"", std::move(name)}); }

  const EvalOptions& opts;
  Diagnostics diags;
  std::vector<RotatePatch> patches;
  std::string root_name;
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
};

struct DepthGuard {
  explicit DepthGuard(Session* s) : s_(s) { ++s_->depth; }
  ~DepthGuard() { --s_->depth; }
  bool exceeded() const { return s_->depth > s_->opts.limits.max_eval_depth; }
  Session* s_;
};

void AddDiag(Diagnostics* diags, Severity sev, std::string summary, const Range& range,
             const std::string& path) {
  Diagnostic d;
  d.severity = sev;
  d.summary = std::move(summary);
  d.range = range;
  d.path = EchoPath(path);
  diags->push_back(std::move(d));
}

// `unknown property "k"; did you mean "near"?`, echoing at most kEchoLimit
// bytes of a key.
std::string UnknownProperty(std::string_view key, std::string_view near) {
  return absl::StrCat(
      "unknown property ", util::Echo(GoJsonString(key, false)),
      near.empty() ? ""
                   : absl::StrCat("; did you mean ", util::Echo(GoJsonString(near, false)), "?"));
}

void Session::Add(Severity sev, std::string summary, const Range& range, const std::string& path) {
  if (Full()) {
    ++(sev == Severity::kError ? omitted_errors_ : omitted_warnings_);
    return;
  }
  AddDiag(&diags, sev, std::move(summary), range, path);
}

bool Session::Suggest(size_t keys) {
  if (Full() || keys > suggest_budget_) return false;
  suggest_budget_ -= keys;
  return true;
}

Diagnostics Session::TakeDiagnostics() {
  if (omitted_errors_ + omitted_warnings_ > 0) {
    diags.push_back(OmittedDiagnostics(omitted_errors_, omitted_warnings_));
  }
  CapDiagnostics(&diags);
  return std::move(diags);
}

void Session::ReportCycle(size_t from, const Range& range, const std::string& path) {
  std::vector<std::string> names;
  for (size_t i = from; i < stack_.size(); ++i) names.push_back(util::Echo(stack_[i].name));
  names.push_back(names.front());
  Add(Severity::kError,
      absl::StrCat("cyclic import of ", names.front(), ": ", absl::StrJoin(names, " -> ")), range,
      path);
}

const EvaluatedEnv* Session::Load(const std::string& ref, const Range& range,
                                  const std::string& path) {
  auto it = envs_.find(ref);
  if (it != envs_.end()) return it->second.get();
  for (size_t i = 0; i < stack_.size(); ++i) {
    if (!stack_[i].ref.empty() && stack_[i].ref == ref) {
      ReportCycle(i, range, path);
      return nullptr;
    }
  }
  if (++loaded_ > opts.limits.max_environments) {
    Add(Severity::kError,
        absl::StrCat("too many environments (more than ", opts.limits.max_environments, ")"), range,
        path);
    envs_[ref] = nullptr;
    return nullptr;
  }
  if (opts.loader == nullptr) {
    Add(Severity::kError, "imports are not available here", range, path);
    return nullptr;
  }
  absl::StatusOr<LoadedEnvironment> loaded = opts.loader->Load(ref);
  if (!loaded.ok()) {
    Add(Severity::kError, std::string(loaded.status().message()), range, path);
    envs_[ref] = nullptr;
    return nullptr;
  }
  std::string name = loaded->name.empty() ? ref : loaded->name;
  // The same environment under another spelling ("b", "proj/b"), or the
  // root itself: a cycle too.
  for (size_t i = 0; i < stack_.size(); ++i) {
    if (stack_[i].name == name) {
      ReportCycle(i, range, path);
      return nullptr;
    }
  }
  std::shared_ptr<const ParseResult> cached = opts.loader->Parsed(*loaded);
  if (cached == nullptr) {
    cached = std::make_shared<const ParseResult>(Parse(name, loaded->yaml, opts.limits));
  }
  const ParseResult& parsed = *cached;
  diags.insert(diags.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
  if (!parsed.syntax_ok || HasErrors(parsed.diagnostics)) {
    envs_[ref] = nullptr;
    return nullptr;
  }
  decls_.push_back(parsed.environment);
  stack_.push_back({ref, std::move(name)});
  EnvEval eval(this, *parsed.environment, ref, /*is_root=*/false, loaded->decrypter);
  auto result = std::make_unique<EvaluatedEnv>();
  result->root = eval.Run();
  stack_.pop_back();
  const EvaluatedEnv* out = result.get();
  envs_[ref] = std::move(result);
  return out;
}

void EnvEval::Error(std::string summary, const Range& range, const std::string& path,
                    Severity severity) {
  s_->Add(severity, std::move(summary), range, path);
}

ValuePtr EnvEval::Run() {
  // Context: caller data plus the names injected per environment.
  std::map<std::string, ValuePtr> ctx;
  ValuePtr given = FromJson(s_->opts.context);
  if (given->is_object()) ctx = given->object;
  bool anonymous_root = s_->root_name == "<yaml>";
  std::string root_name = is_root_ || anonymous_root ? name_ : s_->root_name;
  ctx["currentEnvironment"] = MakeObject({{"name", MakeString(name_)}});
  ctx["rootEnvironment"] = MakeObject({{"name", MakeString(root_name)}});
  context_ = MakeObject(std::move(ctx));

  std::map<std::string, ValuePtr> imports;
  // Layer the imports key by key into one table: merging whole roots one
  // after another would copy the growing table once per import.
  std::map<std::string, ValuePtr> layered;
  for (const ImportDecl& imp : decl_.imports) {
    const EvaluatedEnv* env = s_->Load(imp.environment, imp.range, imp.path);
    if (env == nullptr) continue;
    imports[imp.environment] = env->root;
    if (!imp.merge) continue;
    for (const auto& [k, v] : env->root->object) {
      auto it = layered.find(k);
      if (it == layered.end()) {
        layered.emplace(k, v);
      } else {
        it->second = Merge(v, it->second);
      }
    }
  }
  imports_ = MakeObject(std::move(imports));
  ValuePtr merged = MakeObject(std::move(layered));
  Declare(*decl_.values, merged, /*top=*/true, &root_);
  ValuePtr root = EvalNode(&root_);
  if (!root->is_object()) root = MakeObject({});
  return root;
}

void EnvEval::Declare(const Expr& expr, const ValuePtr& base, bool top, ENode* node) {
  node->expr = &expr;
  node->base = base;
  if (base != nullptr && base->final) {
    // Reported in document order, like the reference implementation.
    Error("cannot override final value", expr.range, expr.path, Severity::kWarning);
    node->keep_base = true;
    return;
  }
  if (expr.kind == Expr::Kind::kArray) {
    node->items.resize(expr.items.size());
    for (size_t i = 0; i < expr.items.size(); ++i) {
      Declare(*expr.items[i], nullptr, false, &node->items[i]);
    }
    return;
  }
  if (expr.kind != Expr::Kind::kObject) return;
  std::unordered_set<std::string_view> seen;
  node->props.reserve(expr.properties.size());
  for (const ObjectProperty& p : expr.properties) {
    if (top && p.key.size() >= 4 && EqualsIgnoreCase(p.key.substr(0, 4), "fn::")) {
      Error(absl::StrCat("builtin function call \"", util::Echo(p.key),
                         "\" not allowed at the top level"),
            p.key_range, JoinKey(expr.path, p.key));
      continue;
    }
    if (top && (p.key == "imports" || p.key == "context" || p.key == "environments")) {
      Error(absl::StrCat("\"", util::Echo(p.key), "\" is a reserved key"), p.key_range,
            JoinKey(expr.path, p.key));
      continue;
    }
    if (!seen.insert(p.key).second) {
      Error(absl::StrCat("duplicate key \"", util::Echo(p.key), "\""), p.key_range,
            JoinKey(expr.path, p.key));
      continue;
    }
    ValuePtr child_base;
    if (base != nullptr && base->is_object()) {
      auto it = base->object.find(p.key);
      if (it != base->object.end()) child_base = it->second;
    }
    node->props.emplace_back(p.key, ENode());
    Declare(*p.value, child_base, false, &node->props.back().second);
  }
  std::stable_sort(node->props.begin(), node->props.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

ValuePtr EnvEval::Checked(ValuePtr v, const Expr& ctx) {
  if (v->depth > s_->opts.limits.max_value_depth) {
    Error(absl::StrCat("value exceeds the maximum depth of ", s_->opts.limits.max_value_depth),
          ctx.range, ctx.path);
    return MakeUnknown(ctx.range);
  }
  if (v->size > s_->opts.limits.max_value_size) {
    Error(absl::StrCat("value exceeds the maximum size of ", s_->opts.limits.max_value_size),
          ctx.range, ctx.path);
    return MakeUnknown(ctx.range);
  }
  return v;
}

ValuePtr EnvEval::EvalNode(ENode* node) {
  const Expr& expr = *node->expr;
  if (node->state == ENode::State::kDone) return node->value;
  if (node->state == ENode::State::kBusy) {
    std::string_view p = expr.path;
    if (StartsWith(p, "values.")) p.remove_prefix(7);
    Error(absl::StrCat("cyclic reference to ", util::Echo(p)), expr.range, expr.path);
    return MakeUnknown(expr.range);
  }
  DepthGuard guard(s_);
  if (guard.exceeded()) {
    if (!s_->depth_reported) {
      s_->depth_reported = true;
      Error("evaluation exceeds the maximum depth", expr.range, expr.path);
    }
    return MakeUnknown(expr.range);
  }
  node->state = ENode::State::kBusy;
  ValuePtr v;
  if (node->keep_base) {
    v = node->base;
  } else if (expr.kind == Expr::Kind::kObject) {
    std::map<std::string, ValuePtr> props;
    if (node->base != nullptr && node->base->is_object()) props = node->base->object;
    for (auto& [key, child] : node->props) props[key] = EvalNode(&child);
    v = Checked(MakeObject(std::move(props), expr.range), expr);
    if (node->base != nullptr) {
      auto copy = std::make_shared<Value>(*v);
      copy->base = node->base;
      v = copy;
    }
  } else if (expr.kind == Expr::Kind::kArray) {
    std::vector<ValuePtr> items;
    for (ENode& child : node->items) items.push_back(EvalNode(&child));
    v = Checked(MakeArray(std::move(items), expr.range), expr);
    if (node->base != nullptr) v = Merge(v, node->base);
  } else {
    v = EvalLeaf(expr, node->base);
  }
  node->value = v;
  node->state = ENode::State::kDone;
  return v;
}

ValuePtr EnvEval::EvalFree(const Expr& expr) {
  DepthGuard guard(s_);
  if (guard.exceeded()) {
    if (!s_->depth_reported) {
      s_->depth_reported = true;
      Error("evaluation exceeds the maximum depth", expr.range, expr.path);
    }
    return MakeUnknown(expr.range);
  }
  if (expr.kind == Expr::Kind::kObject) {
    std::map<std::string, ValuePtr> props;
    for (const ObjectProperty& p : expr.properties) {
      if (props.count(p.key) > 0) {
        Error(absl::StrCat("duplicate key \"", util::Echo(p.key), "\""), p.key_range,
              JoinKey(expr.path, p.key));
        continue;
      }
      props[p.key] = EvalFree(*p.value);
    }
    return Checked(MakeObject(std::move(props), expr.range), expr);
  }
  if (expr.kind == Expr::Kind::kArray) {
    std::vector<ValuePtr> items;
    for (const ExprPtr& e : expr.items) items.push_back(EvalFree(*e));
    return Checked(MakeArray(std::move(items), expr.range), expr);
  }
  return EvalLeaf(expr, nullptr);
}

ValuePtr EnvEval::EvalLeaf(const Expr& expr, const ValuePtr& base) {
  ValuePtr v;
  switch (expr.kind) {
    case Expr::Kind::kNull:
      v = MakeNull(expr.range);
      break;
    case Expr::Kind::kBool:
      v = MakeBool(expr.boolean, expr.range);
      break;
    case Expr::Kind::kNumber:
      v = MakeNumber(expr.text, expr.range);
      break;
    case Expr::Kind::kString:
      v = MakeString(expr.text, expr.range);
      break;
    case Expr::Kind::kInterpolate: {
      std::string out;
      bool unknown = false, secret = false;
      for (const InterpolationPart& part : expr.parts) {
        out += part.text;
        if (!part.has_access) continue;
        ValuePtr pv = Resolve(part.accessors, expr);
        if (ContainsUnknown(*pv)) unknown = true;
        if (ContainsSecret(*pv)) secret = true;
        std::string text;
        if (!ToStringBounded(*pv, s_->opts.limits.max_value_size, &text) ||
            out.size() + text.size() > s_->opts.limits.max_value_size) {
          Error(absl::StrCat("value exceeds the maximum size of ", s_->opts.limits.max_value_size),
                expr.range, expr.path);
          return MakeUnknown(expr.range);
        }
        out += text;
      }
      v = unknown ? MakeUnknown(expr.range) : MakeString(std::move(out), expr.range);
      if (secret) v = MarkSecret(v, false);
      break;
    }
    case Expr::Kind::kSymbol:
      v = Resolve(expr.parts[0].accessors, expr);
      break;
    case Expr::Kind::kBuiltin:
      v = Checked(EvalBuiltin(expr), expr);
      break;
    default:
      v = EvalFree(expr);
      break;
  }
  if (base != nullptr) v = Merge(v, base);
  return v;
}

ValuePtr EnvEval::Resolve(const std::vector<PropertyAccessor>& acc, const Expr& ctx) {
  if (acc.empty()) return MakeUnknown(ctx.range);
  DepthGuard guard(s_);
  if (guard.exceeded()) {
    if (!s_->depth_reported) {
      s_->depth_reported = true;
      Error("evaluation exceeds the maximum depth", ctx.range, ctx.path);
    }
    return MakeUnknown(ctx.range);
  }
  const PropertyAccessor& first = acc[0];
  if (first.is_index) {
    Error("cannot access an object property using an integer index", first.range, ctx.path);
    return MakeUnknown(ctx.range);
  }
  if (first.key == "imports") return WalkValue(imports_, acc, 1, false, ctx);
  if (first.key == "context") return WalkValue(context_, acc, 1, false, ctx);
  if (first.key == "environments") {
    if (acc.size() < 3 || acc[1].is_index || acc[2].is_index) return MakeUnknown(ctx.range);
    const EvaluatedEnv* env =
        s_->Load(absl::StrCat(acc[1].key, "/", acc[2].key), ctx.range, ctx.path);
    if (env == nullptr) return MakeUnknown(ctx.range);
    return WalkValue(env->root, acc, 3, false, ctx);
  }
  ENode* node = &root_;
  size_t i = 0;
  for (; i < acc.size(); ++i) {
    const PropertyAccessor& a = acc[i];
    const Expr& e = *node->expr;
    if (node->keep_base) break;
    if (e.kind == Expr::Kind::kObject) {
      if (a.is_index) {
        Error("cannot access an object property using an integer index", a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      auto it = std::lower_bound(node->props.begin(), node->props.end(), a.key,
                                 [](const auto& p, const std::string& k) { return p.first < k; });
      if (it != node->props.end() && it->first == a.key) {
        node = &it->second;
        continue;
      }
      if (node->base != nullptr && node->base->is_object()) {
        auto bit = node->base->object.find(a.key);
        if (bit != node->base->object.end()) return WalkValue(bit->second, acc, i + 1, false, ctx);
      }
      const bool has_base = node->base != nullptr && node->base->is_object();
      NearestMatch near(a.key);
      if (s_->Suggest(node->props.size() + (has_base ? node->base->object.size() : 0))) {
        for (const auto& p : node->props) near.Offer(p.first);
        if (has_base) {
          for (const auto& [k, unused] : node->base->object) near.Offer(k);
        }
      }
      Error(UnknownProperty(a.key, near.best()), a.range, ctx.path);
      return MakeUnknown(ctx.range);
    }
    if (e.kind == Expr::Kind::kArray) {
      if (!a.is_index) {
        Error("cannot access an array element using a property name", a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      if (a.index < 0) {
        Error("array indices must not be negative", a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      if (static_cast<size_t>(a.index) >= node->items.size()) {
        Error(absl::StrCat("array index ", a.index, " out-of-bounds for array of length ",
                           node->items.size()),
              a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      node = &node->items[a.index];
      continue;
    }
    break;
  }
  return WalkValue(EvalNode(node), acc, i, false, ctx);
}

ValuePtr EnvEval::WalkValue(ValuePtr v, const std::vector<PropertyAccessor>& acc, size_t i,
                            bool secret, const Expr& ctx) {
  for (; i < acc.size(); ++i) {
    const PropertyAccessor& a = acc[i];
    secret = secret || v->secret;
    if (v->unknown) {
      SchemaPtr schema = v->schema;
      for (; schema != nullptr && i < acc.size(); ++i) {
        std::string error;
        schema = acc[i].is_index ? schema->Item(acc[i].index, &error)
                                 : schema->Property(acc[i].key, &error);
        if (!error.empty()) {
          Error(error, acc[i].range, ctx.path);
          break;
        }
      }
      ValuePtr u = MakeUnknown(ctx.range, schema);
      return secret ? MarkSecret(u, false) : u;
    }
    if (!a.is_index) {
      if (v->kind == Value::Kind::kObject) {
        auto it = v->object.find(a.key);
        if (it == v->object.end()) {
          // No suggestions from secret objects: their keys may be sensitive.
          NearestMatch near(a.key);
          if (!secret && !v->secret && s_->Suggest(v->object.size())) {
            for (const auto& [k, unused] : v->object) near.Offer(k);
          }
          Error(UnknownProperty(a.key, near.best()), a.range, ctx.path);
          return MakeUnknown(ctx.range);
        }
        v = it->second;
        continue;
      }
      Error(v->kind == Value::Kind::kArray ? "cannot access an array element using a property name"
                                           : "receiver must be an array or an object",
            a.range, ctx.path);
      return MakeUnknown(ctx.range);
    }
    if (v->kind == Value::Kind::kArray) {
      if (a.index < 0) {
        Error("array indices must not be negative", a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      if (static_cast<size_t>(a.index) >= v->array.size()) {
        Error(absl::StrCat("array index ", a.index, " out-of-bounds for array of length ",
                           v->array.size()),
              a.range, ctx.path);
        return MakeUnknown(ctx.range);
      }
      v = v->array[a.index];
      continue;
    }
    Error(v->kind == Value::Kind::kObject
              ? "cannot access an object property using an integer index"
              : "receiver must be an array or an object",
          a.range, ctx.path);
    return MakeUnknown(ctx.range);
  }
  if (secret && !v->secret) v = MarkSecret(v, false);
  return v;
}

bool EnvEval::TypeCheck(const Value& v, const char* want, const Expr& at) {
  if (v.unknown) return true;
  if (std::string_view(KindName(v)) == want) return true;
  Error(absl::StrCat("expected ", want, ", got ", KindName(v)), at.range, at.path);
  return false;
}

void EnvEval::ReportSchemaErrors(const std::vector<SchemaError>& errors, const Expr& at) {
  for (const SchemaError& e : errors) {
    std::string path = at.path;
    for (const std::string& p : e.path) {
      path = p.size() > 1 && p[0] == '[' ? absl::StrCat(path, p) : JoinKey(path, p);
    }
    Range r = e.at != nullptr && !e.at->def.empty() ? e.at->def : at.range;
    Error(e.summary, r, path);
  }
}

// The element expressions of an array argument, when written literally.
const Expr* ElementExpr(const Expr& arg, size_t i) {
  if (arg.kind == Expr::Kind::kArray && i < arg.items.size()) return arg.items[i].get();
  return &arg;
}

ValuePtr EnvEval::EvalSecret(const Expr& expr) {
  if (!expr.ciphertext) return MarkSecret(MakeString(expr.secret, expr.range), false);
  ValuePtr unknown_secret = MarkSecret(MakeUnknown(expr.range), false);
  absl::StatusOr<std::string> raw = Base64Decode(expr.secret);
  absl::StatusOr<std::string> inner =
      raw.ok() ? UnwrapEnvelope(*raw) : absl::StatusOr<std::string>(raw.status());
  if (!inner.ok()) {
    Error(absl::StrCat("invalid ciphertext: ", inner.status().message()), expr.range, expr.path);
    return unknown_secret;
  }
  if (s_->opts.mode == EvalMode::kCheck && !s_->opts.show_secrets) return unknown_secret;
  if (decrypter_ == nullptr) {
    Error("decrypting: no decrypter is configured", expr.range, expr.path);
    return unknown_secret;
  }
  absl::StatusOr<std::string> plain = decrypter_->Decrypt(*inner);
  if (!plain.ok()) {
    Error(absl::StrCat("decrypting: ", plain.status().message()), expr.range, expr.path);
    return unknown_secret;
  }
  return MarkSecret(MakeString(*std::move(plain), expr.range), false);
}

ValuePtr EnvEval::EvalBuiltin(const Expr& expr) {
  const Range& r = expr.range;
  if (!expr.arg_valid) return MakeUnknown(r);
  switch (expr.builtin) {
    case Builtin::kSecret:
      return EvalSecret(expr);
    case Builtin::kJoin: {
      ValuePtr delim = EvalFree(*expr.arg0);
      ValuePtr items = EvalFree(*expr.arg1);
      bool ok = TypeCheck(*delim, "string", *expr.arg0) && TypeCheck(*items, "array", *expr.arg1);
      if (ok && items->is_array()) {
        for (size_t i = 0; i < items->array.size(); ++i) {
          ok = TypeCheck(*items->array[i], "string", *ElementExpr(*expr.arg1, i)) && ok;
        }
      }
      if (!ok || ContainsUnknown(*delim) || ContainsUnknown(*items)) return MakeUnknown(r);
      std::vector<std::string> parts;
      for (const ValuePtr& i : items->array) parts.push_back(i->text);
      ValuePtr v = MakeString(absl::StrJoin(parts, delim->text), r);
      return ContainsSecret(*delim) || ContainsSecret(*items) ? MarkSecret(v, false) : v;
    }
    case Builtin::kSplit: {
      ValuePtr delim = EvalFree(*expr.arg0);
      ValuePtr input = EvalFree(*expr.arg1);
      bool ok = TypeCheck(*delim, "string", *expr.arg0);
      ok = TypeCheck(*input, "string", *expr.arg1) && ok;
      if (!ok || delim->unknown || input->unknown) return MakeUnknown(r);
      std::vector<ValuePtr> out;
      const std::string& s = input->text;
      const std::string& d = delim->text;
      if (d.empty()) {
        for (size_t i = 0; i < s.size();) {
          unsigned char c = s[i];
          size_t len = c < 0x80         ? 1
                       : (c >> 5) == 6  ? 2
                       : (c >> 4) == 14 ? 3
                       : (c >> 3) == 30 ? 4
                                        : 1;
          if (i + len > s.size()) len = 1;
          out.push_back(MakeString(s.substr(i, len), r));
          i += len;
        }
      } else {
        size_t start = 0;
        while (true) {
          size_t pos = s.find(d, start);
          if (pos == std::string::npos) break;
          out.push_back(MakeString(s.substr(start, pos - start), r));
          start = pos + d.size();
        }
        out.push_back(MakeString(s.substr(start), r));
      }
      ValuePtr v = MakeArray(std::move(out), r);
      return delim->secret || input->secret ? MarkSecret(v, false) : v;
    }
    case Builtin::kConcat: {
      ValuePtr arg = EvalFree(*expr.arg);
      bool ok = TypeCheck(*arg, "array", *expr.arg);
      if (ok && arg->is_array()) {
        for (size_t i = 0; i < arg->array.size(); ++i) {
          ok = TypeCheck(*arg->array[i], "array", *ElementExpr(*expr.arg, i)) && ok;
        }
      }
      if (!ok || ContainsUnknown(*arg)) return MakeUnknown(r);
      std::vector<ValuePtr> out;
      for (const ValuePtr& a : arg->array) out.insert(out.end(), a->array.begin(), a->array.end());
      ValuePtr v = MakeArray(std::move(out), r);
      return ContainsSecret(*arg) ? MarkSecret(v, false) : v;
    }
    case Builtin::kToJSON: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (ContainsUnknown(*arg)) return MakeUnknown(r);
      ValuePtr v = MakeString(ToJsonText(*arg, Redaction::kReveal), r);
      return ContainsSecret(*arg) ? MarkSecret(v, false) : v;
    }
    case Builtin::kFromJSON: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg) || arg->unknown) return MakeUnknown(r);
      absl::StatusOr<ValuePtr> v = DecodeJson(arg->text);
      if (!v.ok()) {
        // Go's messages quote the offending character: not for secrets.
        Error(absl::StrCat("decoding JSON string: ",
                           arg->secret ? "invalid JSON" : std::string(v.status().message())),
              expr.arg->range, expr.arg->path);
        return MakeUnknown(r);
      }
      return arg->secret ? MarkSecret(*v, true) : *v;
    }
    case Builtin::kToBase64: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg) || arg->unknown) return MakeUnknown(r);
      ValuePtr v = MakeString(Base64Encode(arg->text), r);
      return arg->secret ? MarkSecret(v, false) : v;
    }
    case Builtin::kFromBase64: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg) || arg->unknown) return MakeUnknown(r);
      absl::StatusOr<std::string> d = Base64Decode(arg->text);
      if (!d.ok()) {
        Error(absl::StrCat("decoding base64 string: ", d.status().message()), expr.arg->range,
              expr.arg->path);
        return MakeUnknown(r);
      }
      ValuePtr v = MakeString(*std::move(d), r);
      return arg->secret ? MarkSecret(v, false) : v;
    }
    case Builtin::kToString: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (ContainsUnknown(*arg)) return MakeUnknown(r);
      std::string text;
      if (!ToStringBounded(*arg, s_->opts.limits.max_value_size, &text)) {
        Error(absl::StrCat("value exceeds the maximum size of ", s_->opts.limits.max_value_size), r,
              expr.path);
        return MakeUnknown(r);
      }
      ValuePtr v = MakeString(std::move(text), r);
      return ContainsSecret(*arg) ? MarkSecret(v, false) : v;
    }
    case Builtin::kOpen:
      return EvalOpen(expr);
    case Builtin::kRotate:
      return EvalRotate(expr);
    case Builtin::kFinal: {
      ValuePtr arg = EvalFree(*expr.arg);
      auto v = std::make_shared<Value>(*arg);
      v->final = true;
      return v;
    }
    case Builtin::kValidate: {
      ValuePtr schema_value = EvalFree(*expr.arg0);
      ValuePtr value = EvalFree(*expr.arg1);
      if (ContainsUnknown(*schema_value)) return value;
      absl::StatusOr<SchemaPtr> schema =
          Schema::FromJson(ToJson(*schema_value, Redaction::kReveal));
      if (!schema.ok()) {
        Error(absl::StrCat("invalid schema: ", schema.status().message()), expr.arg0->range,
              expr.arg0->path);
        return value;
      }
      std::vector<SchemaError> errors;
      (*schema)->Validate(*value, &errors);
      ReportSchemaErrors(errors, *expr.arg1);
      return value;
    }
  }
  return MakeUnknown(r);
}

ValuePtr EnvEval::EvalOpen(const Expr& expr) {
  const Range& r = expr.range;
  const Provider* provider =
      s_->opts.providers == nullptr ? nullptr : s_->opts.providers->FindProvider(expr.provider);
  ValuePtr inputs = EvalFree(*expr.inputs);
  if (provider == nullptr) {
    Error(absl::StrCat("unknown provider ", util::Echo(GoJsonString(expr.provider, false))), r,
          expr.path);
    return MakeUnknown(r);
  }
  std::vector<SchemaError> errors;
  provider->InputSchema()->Validate(*inputs, &errors);
  ReportSchemaErrors(errors, *expr.inputs);
  SchemaPtr out_schema = provider->OutputSchema();
  ValuePtr unknown = MakeUnknown(r, out_schema);
  if (out_schema->secret()) unknown = MarkSecret(unknown, false);
  if (!errors.empty() || s_->opts.mode == EvalMode::kCheck || ContainsUnknown(*inputs)) {
    return unknown;
  }
  absl::StatusOr<ValuePtr> v = provider->Open(*inputs);
  if (!v.ok()) {
    Error(std::string(v.status().message()), r, expr.path);
    return unknown;
  }
  ValuePtr out = *v;
  return out->secret ? MarkSecret(out, true) : out;
}

bool EnvEval::RotateHere(const Expr& expr) const {
  if (!is_root_ || !s_->opts.rotate) return false;
  if (s_->opts.rotate_paths.empty()) return true;
  std::string_view p = expr.path;
  if (StartsWith(p, "values.")) p.remove_prefix(7);
  for (const std::string& want : s_->opts.rotate_paths) {
    if (p == want) return true;
  }
  return false;
}

ValuePtr EnvEval::EvalRotate(const Expr& expr) {
  const Range& r = expr.range;
  const Rotator* rotator =
      s_->opts.providers == nullptr ? nullptr : s_->opts.providers->FindRotator(expr.provider);
  bool rotating = RotateHere(expr);
  bool checking = s_->opts.mode == EvalMode::kCheck;
  std::vector<std::string> rotate_only;
  if (rotator != nullptr) rotate_only = rotator->InputSchema()->RotateOnlyProperties();
  // Rotate-only inputs are evaluated only when rotating, and when checking
  // the root (so access to what they reference is verified).
  bool eval_rotate_only = rotating || (checking && is_root_);
  ValuePtr inputs;
  if (expr.inputs->kind == Expr::Kind::kObject && !eval_rotate_only && !rotate_only.empty()) {
    std::map<std::string, ValuePtr> props;
    for (const ObjectProperty& p : expr.inputs->properties) {
      bool skip = std::find(rotate_only.begin(), rotate_only.end(), p.key) != rotate_only.end();
      if (props.count(p.key) == 0)
        props[p.key] = skip ? MakeUnknown(p.value->range) : EvalFree(*p.value);
    }
    inputs = MakeObject(std::move(props), expr.inputs->range);
  } else {
    inputs = EvalFree(*expr.inputs);
  }
  ValuePtr state = expr.state != nullptr ? EvalFree(*expr.state) : MakeNull();
  if (rotator == nullptr) {
    Error(absl::StrCat("unknown rotator ", util::Echo(GoJsonString(expr.provider, false))), r,
          expr.path);
    return MakeUnknown(r);
  }
  SchemaPtr out_schema = rotator->OutputSchema();
  ValuePtr unknown = MakeUnknown(r, out_schema);
  if (checking || ContainsUnknown(*state)) return unknown;
  if (rotating) {
    if (ContainsUnknown(*inputs)) return unknown;
    absl::StatusOr<ValuePtr> next = rotator->Rotate(*inputs, *state);
    if (!next.ok()) {
      Error(absl::StrCat("rotate: ", next.status().message()), r, expr.path);
      return unknown;
    }
    s_->patches.push_back(RotatePatch{JoinKey(expr.arg->path, "state"), *next});
    state = *next;
  }
  absl::StatusOr<ValuePtr> v = rotator->Open(*inputs, *state);
  if (!v.ok()) {
    Error(std::string(v.status().message()), r, expr.path);
    return unknown;
  }
  ValuePtr out = *v;
  return out->secret ? MarkSecret(out, true) : out;
}

}  // namespace

ParseResult Parse(std::string_view name, std::string_view yaml, const EvalLimits& limits) {
  SyntaxLimits syntax;
  syntax.max_depth = limits.max_depth;
  syntax.max_bytes = limits.max_definition_bytes;
  try {
    return ParseEnvironment(name, yaml, syntax);
  } catch (const std::exception& e) {
    ParseResult failed;
    auto env = std::make_shared<EnvironmentDecl>();
    env->name = std::string(name);
    env->values = std::make_unique<Expr>();
    env->values->kind = Expr::Kind::kObject;
    env->values->path = "values";
    failed.environment = std::move(env);
    failed.syntax_ok = false;
    AddDiag(&failed.diagnostics, Severity::kError, absl::StrCat("internal error: ", e.what()),
            Range{}, "");
    return failed;
  }
}

EvalResult Evaluate(const ParseResult& parsed, const EvalOptions& options) {
  EvalResult result;
  Session session(options);
  const EnvironmentDecl& decl = *parsed.environment;
  session.root_name =
      options.root_environment_name.empty() ? decl.name : options.root_environment_name;
  session.PushRoot(options.root_import_name.empty() ? session.root_name : options.root_import_name);
  EnvEval eval(&session, decl, session.root_name, /*is_root=*/true, options.decrypter);
  try {
    result.root = eval.Run();
  } catch (const std::exception& e) {
    // Allocation failure or a library exception: report, never propagate.
    AddDiag(&session.diags, Severity::kError, absl::StrCat("internal error: ", e.what()), Range{},
            "");
    result.root = MakeObject({});
  }
  result.execution_context = eval.context();
  if (result.execution_context == nullptr) result.execution_context = MakeObject({});
  result.diagnostics = session.TakeDiagnostics();
  result.rotate_patches = std::move(session.patches);
  return result;
}

EvalResult Evaluate(std::string_view name, std::string_view yaml, const EvalOptions& options) {
  ParseResult parsed = Parse(name, yaml, options.limits);
  EvalResult result;
  if (!parsed.syntax_ok) {
    result.root = MakeObject({});
    result.execution_context = MakeObject({});
    result.diagnostics = std::move(parsed.diagnostics);
    return result;
  }
  result = Evaluate(parsed, options);
  result.diagnostics.insert(result.diagnostics.begin(), parsed.diagnostics.begin(),
                            parsed.diagnostics.end());
  CapDiagnostics(&result.diagnostics);
  return result;
}

}  // namespace escnative::esc
