// The fn:: builtins, fn::secret, fn::open providers and fn::rotate rotators.
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
#include "provider/esc/eval_internal.h"
#include "provider/esc/secret_envelope.h"
#include "provider/esc/str_util.h"
#include "provider/esc/value_schema.h"
#include "provider/util/echo.h"

namespace escnative::esc::eval_internal {

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
  // A plaintext secret is its argument, marked secret.
  if (!expr.ciphertext) return MarkSecret(MakeString(expr.secret, expr.arg->range), false);
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

// Unknown because an input is: secret when an input is.
static ValuePtr UnknownOf(const Range& r, bool secret) {
  ValuePtr u = MakeUnknown(r);
  return secret ? MarkSecret(u, false) : u;
}

ValuePtr EnvEval::WithResultSchema(const Expr& expr, ValuePtr v) {
  switch (expr.builtin) {
    case Builtin::kJoin:
    case Builtin::kToJSON:
    case Builtin::kToBase64:
    case Builtin::kFromBase64:
    case Builtin::kToString:
      return WithSchema(v, StringSchema());
    case Builtin::kSecret:
      return expr.ciphertext ? WithSchema(v, StringSchema()) : v;
    case Builtin::kSplit:
      return WithSchema(v, StringArraySchema());
    case Builtin::kConcat:
      return WithSchema(v, AnyArraySchema());
    default:
      return v;
  }
}

ValuePtr EnvEval::EvalBuiltin(const Expr& expr) {
  const Range& r = expr.range;
  // A provider call whose provider is named is still evaluated (its inputs
  // and state typed), as the reference does; missing parts are unknown.
  bool named_call = (expr.builtin == Builtin::kOpen || expr.builtin == Builtin::kRotate) &&
                    !expr.provider.empty();
  if (!expr.arg_valid && !named_call) return MakeUnknown(r);
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
      if (!ok) return MakeUnknown(r);
      if (ContainsUnknown(*delim) || ContainsUnknown(*items)) {
        return UnknownOf(r, ContainsSecret(*delim) || ContainsSecret(*items));
      }
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
      if (!ok) return MakeUnknown(r);
      if (delim->unknown || input->unknown) return UnknownOf(r, delim->secret || input->secret);
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
      if (!ok) return MakeUnknown(r);
      if (ContainsUnknown(*arg)) return UnknownOf(r, ContainsSecret(*arg));
      std::vector<ValuePtr> out;
      for (const ValuePtr& a : arg->array) out.insert(out.end(), a->array.begin(), a->array.end());
      ValuePtr v = MakeArray(std::move(out), r);
      return ContainsSecret(*arg) ? MarkSecret(v, false) : v;
    }
    case Builtin::kToJSON: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (ContainsUnknown(*arg)) return UnknownOf(r, ContainsSecret(*arg));
      ValuePtr v = MakeString(ToJsonText(*arg, Redaction::kReveal), r);
      return ContainsSecret(*arg) ? MarkSecret(v, false) : v;
    }
    case Builtin::kFromJSON: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg)) return MakeUnknown(r);
      if (arg->unknown) return UnknownOf(r, arg->secret);
      absl::StatusOr<ValuePtr> v = DecodeJson(arg->text);
      if (!v.ok()) {
        // Go's messages quote the offending character: not for secrets.
        Error(absl::StrCat("decoding JSON string: ",
                           arg->secret ? "invalid JSON" : std::string(v.status().message())),
              expr.arg->range, expr.arg->path);
        return MakeUnknown(r);
      }
      // Decoded values are defined by the call (the reference's unexport).
      ValuePtr out = DefinedAt(*v, r);
      return arg->secret ? MarkSecret(out, true) : out;
    }
    case Builtin::kToBase64: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg)) return MakeUnknown(r);
      if (arg->unknown) return UnknownOf(r, arg->secret);
      ValuePtr v = MakeString(Base64Encode(arg->text), r);
      return arg->secret ? MarkSecret(v, false) : v;
    }
    case Builtin::kFromBase64: {
      ValuePtr arg = EvalFree(*expr.arg);
      if (!TypeCheck(*arg, "string", *expr.arg)) return MakeUnknown(r);
      if (arg->unknown) return UnknownOf(r, arg->secret);
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
      if (ContainsUnknown(*arg)) return UnknownOf(r, ContainsSecret(*arg));
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
      v->def = r;  // defined by the call, as the reference traces it
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
  ValuePtr inputs = expr.inputs != nullptr ? EvalFree(*expr.inputs) : MakeUnknown(r);
  if (provider == nullptr) {
    Error(absl::StrCat("unknown provider ", util::Echo(GoJsonString(expr.provider, false))), r,
          expr.path);
    return MakeUnknown(r);
  }
  if (s_->trace != nullptr) s_->trace->call_schemas[&expr] = {provider->InputSchema(), nullptr};
  std::vector<SchemaError> errors;
  if (expr.inputs != nullptr) {
    provider->InputSchema()->Validate(*inputs, &errors);
    ReportSchemaErrors(errors, *expr.inputs);
  }
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
  ValuePtr out = DefinedAt(*v, r);
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
  if (expr.inputs == nullptr) {
    inputs = MakeUnknown(r);
  } else if (expr.inputs->kind == Expr::Kind::kObject && !eval_rotate_only &&
             !rotate_only.empty()) {
    std::map<std::string, ValuePtr> props;
    for (const ObjectProperty& p : expr.inputs->properties) {
      bool skip = std::find(rotate_only.begin(), rotate_only.end(), p.key) != rotate_only.end();
      if (props.count(p.key) == 0)
        props[p.key] = skip ? MakeUnknown(p.value->range) : EvalFree(*p.value);
    }
    inputs = MakeObject(std::move(props), expr.inputs->range);
    Trace(*expr.inputs, inputs);
  } else {
    inputs = EvalFree(*expr.inputs);
  }
  // No state: unknown, as the reference has it (nothing to open or rotate).
  ValuePtr state = expr.state != nullptr ? EvalFree(*expr.state) : MakeUnknown(r);
  if (rotator == nullptr) {
    Error(absl::StrCat("unknown rotator ", util::Echo(GoJsonString(expr.provider, false))), r,
          expr.path);
    return MakeUnknown(r);
  }
  // The state may also be null (not rotated yet).
  nlohmann::json or_null = {{"oneOf", {rotator->StateSchema()->ToJson(), {{"type", "null"}}}},
                            {"type", ""}};
  absl::StatusOr<SchemaPtr> state_schema = Schema::FromJson(or_null);
  if (!state_schema.ok()) state_schema = Schema::Always();
  if (s_->trace != nullptr) {
    s_->trace->call_schemas[&expr] = {rotator->InputSchema(), *state_schema};
  }
  // Inputs and state are typed against the rotator's schemas (a state may
  // also be null: not rotated yet).
  std::vector<SchemaError> errors;
  if (expr.inputs != nullptr) {
    rotator->InputSchema()->Validate(*inputs, &errors);
    ReportSchemaErrors(errors, *expr.inputs);
  }
  bool typed = errors.empty();
  if (expr.state != nullptr) {
    errors.clear();
    (*state_schema)->Validate(*state, &errors);
    ReportSchemaErrors(errors, *expr.state);
    typed = typed && errors.empty();
  }
  SchemaPtr out_schema = rotator->OutputSchema();
  ValuePtr unknown = MakeUnknown(r, out_schema);
  if (!typed || checking || expr.inputs == nullptr || ContainsUnknown(*state)) return unknown;
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
  ValuePtr out = DefinedAt(*v, r);
  return out->secret ? MarkSecret(out, true) : out;
}

}  // namespace escnative::esc::eval_internal
