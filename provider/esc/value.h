// Evaluated ESC values: immutable trees shared by reference.
#ifndef PROVIDER_ESC_VALUE_H_
#define PROVIDER_ESC_VALUE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/esc/diagnostic.h"

namespace escnative::esc {

class Schema;
struct Value;
// Values are never mutated once shared; a reference (`${x}`) shares the
// referenced tree instead of copying it, so memory stays linear even when
// the same value is referenced many times.
using ValuePtr = std::shared_ptr<const Value>;

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // kNumber: decimal text; kString: the string
  std::vector<ValuePtr> array;
  std::map<std::string, ValuePtr> object;  // byte-ordered keys

  bool secret = false;
  bool unknown = false;  // no value; `schema` may describe the eventual one
  // Cached "this value or anything inside it is secret/unknown", kept by the
  // Make*/Mark*/Merge helpers so that queries are O(1) on shared trees.
  bool any_secret = false;
  bool any_unknown = false;
  bool final = false;  // fn::final: importers cannot override it
  Range def;           // where the value was defined
  ValuePtr base;       // the imported value this one overrides
  std::shared_ptr<const Schema> schema;
  // Nodes plus text bytes once expanded (saturating); guards against values
  // whose JSON would be exponentially large through shared references.
  size_t size = 1;
  // Nesting depth (1 for scalars); references can stack nesting beyond what
  // one YAML document allows, and renderers recurse.
  int depth = 1;

  bool is_object() const { return kind == Kind::kObject && !unknown; }
  bool is_array() const { return kind == Kind::kArray && !unknown; }
};

ValuePtr MakeNull(const Range& def = {});
ValuePtr MakeBool(bool b, const Range& def = {});
ValuePtr MakeNumber(std::string text, const Range& def = {});
ValuePtr MakeString(std::string s, const Range& def = {});
ValuePtr MakeUnknown(const Range& def = {}, std::shared_ptr<const Schema> schema = nullptr);
ValuePtr MakeArray(std::vector<ValuePtr> items, const Range& def = {});
ValuePtr MakeObject(std::map<std::string, ValuePtr> props, const Range& def = {});

// Sums child sizes (saturating).
size_t SizeOf(const std::vector<ValuePtr>& items);
size_t SizeOf(const std::map<std::string, ValuePtr>& props);

// True if v or anything inside it is secret / unknown. Relies on the cached
// flags, so build composite values with the helpers above.
bool ContainsSecret(const Value& v);
bool ContainsUnknown(const Value& v);

// A copy of v marked secret; `deep` marks every nested element too.
ValuePtr MarkSecret(const ValuePtr& v, bool deep);
ValuePtr MarkUnknown(const ValuePtr& v);

// A copy of v whose nodes are all defined at `def`, with no overridden
// values (values that come from data rather than the definition: provider
// outputs, decoded JSON, context).
ValuePtr DefinedAt(const ValuePtr& v, const Range& def);

// Layers `top` over `base` (esc.md §1.9): objects merge key-wise, anything
// else replaces; the result records `base` for traces.
ValuePtr Merge(const ValuePtr& top, const ValuePtr& base);

// Stringification used by interpolation and fn::toString (esc.md §1.10).
// Secrets are shown in plaintext: callers mark the result secret.
// Quoting compounds with nesting, so the text can be exponentially longer
// than the value: ToStringBounded gives up (returns false) past `max` bytes.
bool ToStringBounded(const Value& v, size_t max, std::string* out);
// Unbounded; for values known to be small (e.g. scalars).
std::string ToString(const Value& v);

// Go strconv.Quote.
std::string GoQuote(std::string_view s);

const char* KindName(const Value& v);  // null, boolean, number, string, array, object

// The value at a Pulumi property path (`a.b[0]`, esc.md §5.3) under `root`:
// InvalidArgument for a malformed path, NotFound when nothing is there.
absl::StatusOr<ValuePtr> ValueAtPath(const ValuePtr& root, std::string_view path);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_VALUE_H_
