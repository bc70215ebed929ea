// The `exprs` part of a detailed result (esc.md §2.1): the definition's
// expressions with their ranges, the schemas their values ended up with and
// what each property access resolved to. Recorded during evaluation only
// when EvalOptions::export_exprs asks for it.
#ifndef PROVIDER_ESC_EXPR_EXPORT_H_
#define PROVIDER_ESC_EXPR_EXPORT_H_

#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "nlohmann/json.hpp"
#include "provider/esc/ast.h"
#include "provider/esc/json_schema.h"
#include "provider/esc/value.h"

namespace escnative::esc {

struct ExprTrace {
  // The final value of each evaluated expression (after merging its base).
  std::unordered_map<const Expr*, ValuePtr> values;
  // The imported value each declared expression overrides.
  std::unordered_map<const Expr*, ValuePtr> bases;
  // Where the value each accessor stepped to was defined.
  std::unordered_map<const PropertyAccessor*, Range> accessors;
  // fn::open / fn::rotate: the provider's input and state schemas.
  std::unordered_map<const Expr*, std::pair<SchemaPtr, SchemaPtr>> call_schemas;
  // Every declared expression by where it is, to export the definition of
  // an overridden (imported) value.
  std::map<std::tuple<std::string, int, int>, const Expr*> by_range;

  void Index(const Expr& e);
};

// {"<key>": Expr, …} for the top-level values of `values` (a kObject).
// `environment` names the evaluated environment (as ranges of synthesised
// positions do).
nlohmann::json ExportExprs(const Expr& values, const ExprTrace& trace,
                           const std::string& environment);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_EXPR_EXPORT_H_
