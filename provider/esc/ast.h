// Environment definitions as expressions (esc.md §1.2–§1.5, §1.8 shapes).
#ifndef PROVIDER_ESC_AST_H_
#define PROVIDER_ESC_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "provider/esc/diagnostic.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {

struct PropertyAccessor {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
  Range range;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct InterpolationPart {
  std::string text;
  bool has_access = false;
  std::vector<PropertyAccessor> accessors;
  Range range;  // of the whole ${…}
};

struct ObjectProperty {
  std::string key;
  Range key_range;
  ExprPtr value;
};

enum class Builtin {
  kSecret,
  kJoin,
  kSplit,
  kConcat,
  kToJSON,
  kFromJSON,
  kToBase64,
  kFromBase64,
  kToString,
  kOpen,
  kRotate,
  kFinal,
  kValidate,
};

struct Expr {
  enum class Kind {
    kNull,
    kBool,
    kNumber,
    kString,
    kInterpolate,
    kSymbol,
    kArray,
    kObject,
    kBuiltin,
  };
  Kind kind = Kind::kNull;
  Range range;
  std::string path;  // syntax path, e.g. values.a["fn::join"][0]
  // Written as a quoted or block scalar: the reference reports no positions
  // for the accessors inside it (their offsets in the source would differ).
  bool quoted = false;

  bool boolean = false;
  std::string text;  // kNumber: decimal text; kString: unescaped value

  std::vector<InterpolationPart> parts;    // kInterpolate; kSymbol has one
  std::vector<ExprPtr> items;              // kArray
  std::vector<ObjectProperty> properties;  // kObject, document order

  // kBuiltin. `arg` owns the argument; the pointers below point into it.
  Builtin builtin = Builtin::kSecret;
  std::string name;  // e.g. fn::open::test
  Range name_range;
  ExprPtr arg;
  bool arg_valid = true;       // false: argument shape invalid, result unknown
  const Expr* arg0 = nullptr;  // join/split delimiter, validate schema
  const Expr* arg1 = nullptr;  // join/split values, validate value
  std::string provider;        // open/rotate
  const Expr* inputs = nullptr;
  const Expr* state = nullptr;
  bool ciphertext = false;  // fn::secret: `secret` holds base64 envelope
  std::string secret;       // fn::secret plaintext or ciphertext
};

struct ImportDecl {
  std::string environment;  // as written, e.g. proj/env@stable
  bool merge = true;
  Range range;
  std::string path;  // imports[i]
};

struct EnvironmentDecl {
  std::string name;
  std::string description;
  std::vector<ImportDecl> imports;
  ExprPtr values;  // kObject; never null
};

struct ParseResult {
  std::shared_ptr<const EnvironmentDecl> environment;  // never null
  Diagnostics diagnostics;
  bool syntax_ok = true;  // false: YAML could not be parsed
};

// Parses an environment definition. Never throws; everything wrong with the
// input is a diagnostic.
ParseResult ParseEnvironment(std::string_view name, std::string_view yaml,
                             const SyntaxLimits& limits = {});
// The same from the syntax tree (ParseYaml(name, yaml, limits)), for callers
// that use the tree for more than evaluation.
ParseResult ParseEnvironment(std::string_view name, const SyntaxParseResult& syntax);

// Builds an expression from a syntax node (exposed for tests).
ExprPtr ParseExpr(const SyntaxNode& node, const std::string& path, Diagnostics* diags);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_AST_H_
