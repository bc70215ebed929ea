// Property access: `${a.b[0]}` references resolved against the declared tree,
// imports and the evaluation context.
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
#include "provider/esc/str_util.h"
#include "provider/util/echo.h"
#include "provider/util/spell.h"

namespace escnative::esc::eval_internal {

ValuePtr EnvEval::Resolve(const std::vector<PropertyAccessor>& acc, const Expr& ctx) {
  if (acc.empty()) return MakeUnknown(ctx.range);
  DepthGuard guard(s_);
  if (guard.exceeded()) return TooDeep(ctx);
  // An access that cannot go on resolves every accessor from `from` on to
  // an unknown defined by the whole expression.
  auto invalid = [&](size_t from) {
    for (size_t j = from; j < acc.size(); ++j) Trace(acc[j], ctx.range);
    return MakeUnknown(ctx.range);
  };
  const PropertyAccessor& first = acc[0];
  if (first.is_index) {
    Error("cannot access an object property using an integer index", first.range, ctx.path);
    return invalid(0);
  }
  if (first.key == "imports") {
    Trace(first, imports_->def);
    return WalkValue(imports_, acc, 1, false, ctx);
  }
  if (first.key == "context") {
    Trace(first, context_->def);
    return WalkValue(context_, acc, 1, false, ctx);
  }
  if (first.key == "environments") {
    if (acc.size() < 3 || acc[1].is_index || acc[2].is_index) return invalid(0);
    const EvaluatedEnv* env =
        s_->Load(absl::StrCat(acc[1].key, "/", acc[2].key), ctx.range, ctx.path);
    if (env == nullptr) {
      // The environment itself resolves to nothing (no position).
      invalid(0);
      Trace(acc[2], Range{});
      return MakeUnknown(ctx.range);
    }
    Trace(acc[0], ctx.range);
    Trace(acc[1], ctx.range);
    Trace(acc[2], env->root->def);
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
        return invalid(i);
      }
      auto it = std::lower_bound(node->props.begin(), node->props.end(), a.key,
                                 [](const auto& p, const std::string& k) { return p.first < k; });
      if (it != node->props.end() && it->first == a.key) {
        node = &it->second;
        Trace(a, node->expr->range);
        continue;
      }
      if (node->base != nullptr && node->base->is_object()) {
        auto bit = node->base->object.find(a.key);
        if (bit != node->base->object.end()) {
          Trace(a, bit->second->def);
          return WalkValue(bit->second, acc, i + 1, false, ctx);
        }
      }
      const bool has_base = node->base != nullptr && node->base->is_object();
      util::NearestMatch near(a.key);
      if (s_->Suggest(node->props.size() + (has_base ? node->base->object.size() : 0))) {
        for (const auto& p : node->props) near.Offer(p.first);
        if (has_base) {
          for (const auto& [k, unused] : node->base->object) near.Offer(k);
        }
      }
      Error(UnknownProperty(a.key, near.best()), a.range, ctx.path);
      return invalid(i);
    }
    if (e.kind == Expr::Kind::kArray) {
      if (!a.is_index) {
        Error("cannot access an array element using a property name", a.range, ctx.path);
        return invalid(i);
      }
      if (a.index < 0) {
        Error("array indices must not be negative", a.range, ctx.path);
        return invalid(i);
      }
      if (static_cast<size_t>(a.index) >= node->items.size()) {
        Error(absl::StrCat("array index ", a.index, " out-of-bounds for array of length ",
                           node->items.size()),
              a.range, ctx.path);
        return invalid(i);
      }
      node = &node->items[a.index];
      Trace(a, node->expr->range);
      continue;
    }
    break;
  }
  return WalkValue(EvalNode(node), acc, i, false, ctx);
}

ValuePtr EnvEval::WalkValue(ValuePtr v, const std::vector<PropertyAccessor>& acc, size_t i,
                            bool secret, const Expr& ctx) {
  auto invalid = [&](size_t from) {
    for (size_t j = from; j < acc.size(); ++j) Trace(acc[j], ctx.range);
    return MakeUnknown(ctx.range);
  };
  for (; i < acc.size(); ++i) {
    const PropertyAccessor& a = acc[i];
    secret = secret || v->secret;
    if (v->unknown) {
      SchemaPtr schema = v->schema;
      for (size_t j = i; j < acc.size(); ++j) Trace(acc[j], ctx.range);
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
          util::NearestMatch near(a.key);
          if (!secret && !v->secret && s_->Suggest(v->object.size())) {
            for (const auto& [k, unused] : v->object) near.Offer(k);
          }
          Error(UnknownProperty(a.key, near.best()), a.range, ctx.path);
          return invalid(i);
        }
        v = it->second;
        Trace(a, v->def);
        continue;
      }
      Error(v->kind == Value::Kind::kArray ? "cannot access an array element using a property name"
                                           : "receiver must be an array or an object",
            a.range, ctx.path);
      return invalid(i);
    }
    if (v->kind == Value::Kind::kArray) {
      if (a.index < 0) {
        Error("array indices must not be negative", a.range, ctx.path);
        return invalid(i);
      }
      if (static_cast<size_t>(a.index) >= v->array.size()) {
        Error(absl::StrCat("array index ", a.index, " out-of-bounds for array of length ",
                           v->array.size()),
              a.range, ctx.path);
        return invalid(i);
      }
      v = v->array[a.index];
      Trace(a, v->def);
      continue;
    }
    Error(v->kind == Value::Kind::kObject
              ? "cannot access an object property using an integer index"
              : "receiver must be an array or an object",
          a.range, ctx.path);
    return invalid(i);
  }
  if (secret && !v->secret) v = MarkSecret(v, false);
  return v;
}

}  // namespace escnative::esc::eval_internal
