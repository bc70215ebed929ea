#include "provider/esc/evaluator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/esc/eval_internal.h"
#include "provider/esc/str_util.h"
#include "provider/esc/value_schema.h"
#include "provider/util/echo.h"

namespace escnative::esc {
namespace eval_internal {

void AddDiag(Diagnostics* diags, Severity sev, std::string summary, const Range& range,
             const std::string& path) {
  Diagnostic d;
  d.severity = sev;
  d.summary = std::move(summary);
  d.range = range;
  d.path = EchoPath(path);
  diags->push_back(std::move(d));
}

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

bool Session::Redefine(size_t entries) {
  if (entries > redefine_budget_) return false;
  redefine_budget_ -= entries;
  return true;
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
  if (trace != nullptr) trace->Index(*parsed.environment->values);
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
  // Synthesised values: defined in this environment, at no position.
  Range here;
  here.environment = name_;
  context_ = DefinedAt(MakeObject(std::move(ctx)), here);

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
  imports_ = MakeObject(std::move(imports), here);
  ValuePtr merged = MakeObject(std::move(layered));
  Declare(*decl_.values, merged, /*top=*/true, &root_);
  ValuePtr root = EvalNode(&root_);
  if (!root->is_object()) return MakeObject({});
  // The root is synthesised, not written: it has no position. Nothing else
  // holds it once the node lets go (unless tracing), so it is fixed in place
  // rather than copied.
  root_.value.reset();
  return WithDef(std::move(root), Range{});
}

ValuePtr EnvEval::WithDef(ValuePtr v, Range def) {
  std::shared_ptr<Value> out = v.use_count() == 1 ? std::const_pointer_cast<Value>(std::move(v))
                                                  : std::make_shared<Value>(*v);
  out->def = std::move(def);
  return out;
}

ValuePtr EnvEval::WithBase(ValuePtr v, const ValuePtr& base) {
  std::shared_ptr<Value> out = v.use_count() == 1 ? std::const_pointer_cast<Value>(std::move(v))
                                                  : std::make_shared<Value>(*v);
  out->base = base;
  return out;
}

void EnvEval::Declare(const Expr& expr, const ValuePtr& base, bool top, ENode* node) {
  node->expr = &expr;
  node->base = base;
  if (s_->trace != nullptr && base != nullptr) s_->trace->bases[&expr] = base;
  if (base != nullptr && base->final) {
    // Reported in document order, like the reference implementation.
    Error("cannot override final value", expr.range, expr.path, Severity::kWarning);
    node->keep_base = true;
    TraceBases(expr, base);
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
  // Props are kept sorted by key for lookups. The order (stable, so the
  // first of equal keys leads) is found once on indices: it also finds the
  // duplicates, and each node is declared straight into its sorted place.
  const std::vector<ObjectProperty>& all = expr.properties;
  auto reserved = [&](const ObjectProperty& p) {
    if (!top) return false;
    if (p.key.size() >= 4 && EqualsIgnoreCase(p.key.substr(0, 4), "fn::")) return true;
    return p.key == "imports" || p.key == "context" || p.key == "environments";
  };
  std::vector<uint32_t> order;
  order.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    if (!reserved(all[i])) order.push_back(static_cast<uint32_t>(i));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return all[a].key < all[b].key; });
  // slot[i]: where property i goes in node->props; -1: reserved or a duplicate.
  std::vector<int32_t> slot(all.size(), -1);
  int32_t kept = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && all[order[k]].key == all[order[k - 1]].key) continue;
    slot[order[k]] = kept++;
  }
  node->props.resize(static_cast<size_t>(kept));
  // Errors and the children's declarations in document order.
  for (size_t i = 0; i < all.size(); ++i) {
    const ObjectProperty& p = all[i];
    if (reserved(p)) {
      if (EqualsIgnoreCase(p.key.substr(0, std::min<size_t>(4, p.key.size())), "fn::")) {
        Error(absl::StrCat("builtin function call \"", util::Echo(p.key),
                           "\" not allowed at the top level"),
              p.key_range, JoinKey(expr.path, p.key));
      } else {
        Error(absl::StrCat("\"", util::Echo(p.key), "\" is a reserved key"), p.key_range,
              JoinKey(expr.path, p.key));
      }
      continue;
    }
    if (slot[i] < 0) {
      Error(absl::StrCat("duplicate key \"", util::Echo(p.key), "\""), p.key_range,
            JoinKey(expr.path, p.key));
      continue;
    }
    ValuePtr child_base;
    if (base != nullptr && base->is_object()) {
      auto it = base->object.find(p.key);
      if (it != base->object.end()) child_base = it->second;
    }
    auto& [key, child] = node->props[static_cast<size_t>(slot[i])];
    key = p.key;
    Declare(*p.value, child_base, false, &child);
  }
}

void EnvEval::TraceBases(const Expr& expr, const ValuePtr& base) {
  if (s_->trace == nullptr || base == nullptr) return;
  s_->trace->bases[&expr] = base;
  if (expr.kind != Expr::Kind::kObject || !base->is_object()) return;
  for (const ObjectProperty& p : expr.properties) {
    auto it = base->object.find(p.key);
    if (it != base->object.end()) TraceBases(*p.value, it->second);
  }
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

ValuePtr EnvEval::TooDeep(const Expr& at) {
  if (!s_->depth_reported) {
    s_->depth_reported = true;
    Error("evaluation exceeds the maximum depth", at.range, at.path);
  }
  return MakeUnknown(at.range);
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
  if (guard.exceeded()) return TooDeep(expr);
  node->state = ENode::State::kBusy;
  ValuePtr v;
  if (node->keep_base) {
    v = node->base;
  } else if (expr.kind == Expr::Kind::kObject) {
    std::map<std::string, ValuePtr> props;
    if (node->base != nullptr && node->base->is_object()) {
      props = node->base->object;
      for (auto& [key, child] : node->props) props.insert_or_assign(key, EvalNode(&child));
    } else {
      // node->props is sorted: each key goes at the end, no search.
      for (auto& [key, child] : node->props) props.emplace_hint(props.end(), key, EvalNode(&child));
    }
    v = Checked(MakeObject(std::move(props), expr.range), expr);
    // Just made here, so not shared yet: the base is set without a copy.
    if (node->base != nullptr) v = WithBase(std::move(v), node->base);
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
  Trace(expr, v);
  return v;
}

ValuePtr EnvEval::EvalFree(const Expr& expr) {
  DepthGuard guard(s_);
  if (guard.exceeded()) return TooDeep(expr);
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
    ValuePtr v = Checked(MakeObject(std::move(props), expr.range), expr);
    Trace(expr, v);
    return v;
  }
  if (expr.kind == Expr::Kind::kArray) {
    std::vector<ValuePtr> items;
    for (const ExprPtr& e : expr.items) items.push_back(EvalFree(*e));
    ValuePtr v = Checked(MakeArray(std::move(items), expr.range), expr);
    Trace(expr, v);
    return v;
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
      // An unknown interpolation reads "[unknown]", as the reference's does.
      auto str = std::make_shared<Value>(
          *MakeString(unknown ? std::string("[unknown]") : std::move(out), expr.range));
      str->schema = StringSchema();
      str->unknown = str->any_unknown = unknown;
      v = str;
      if (secret) v = MarkSecret(v, false);
      break;
    }
    case Expr::Kind::kSymbol: {
      // A reference is defined where it is written (its trace's def).
      v = Resolve(expr.parts[0].accessors, expr);
      if ((!v->unknown || !v->def.empty()) && s_->Redefine(v->array.size() + v->object.size())) {
        auto copy = std::make_shared<Value>(*v);
        copy->def = expr.range;
        v = copy;
      }
      break;
    }
    case Expr::Kind::kBuiltin:
      v = WithResultSchema(expr, Checked(EvalBuiltin(expr), expr));
      break;
    default:
      v = EvalFree(expr);
      break;
  }
  if (base != nullptr) v = Merge(v, base);
  Trace(expr, v);
  return v;
}

}  // namespace eval_internal

using eval_internal::AddDiag;
using eval_internal::EnvEval;
using eval_internal::Session;

namespace {

// ParseEnvironment with library exceptions (allocation failure) turned into
// a diagnostic.
template <typename F>
ParseResult GuardedParse(std::string_view name, F&& parse) {
  try {
    return parse();
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

}  // namespace

ParseResult Parse(std::string_view name, std::string_view yaml, const EvalLimits& limits) {
  SyntaxLimits syntax;
  syntax.max_depth = limits.max_depth;
  syntax.max_bytes = limits.max_definition_bytes;
  return GuardedParse(name, [&] { return ParseEnvironment(name, yaml, syntax); });
}

ParseResult Parse(std::string_view name, const SyntaxParseResult& syntax) {
  return GuardedParse(name, [&] { return ParseEnvironment(name, syntax); });
}

EvalResult Evaluate(const ParseResult& parsed, const EvalOptions& options) {
  EvalResult result;
  Session session(options);
  const EnvironmentDecl& decl = *parsed.environment;
  session.root_name =
      options.root_environment_name.empty() ? decl.name : options.root_environment_name;
  session.PushRoot(options.root_import_name.empty() ? session.root_name : options.root_import_name);
  EnvEval eval(&session, decl, session.root_name, /*is_root=*/true, options.decrypter);
  ExprTrace trace;
  if (options.export_exprs) {
    session.trace = &trace;
    trace.Index(*decl.values);
  }
  try {
    result.root = eval.Run();
    if (options.export_exprs) result.exprs = ExportExprs(*decl.values, trace, session.root_name);
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
