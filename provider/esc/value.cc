#include "provider/esc/value.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"
#include "provider/util/utf8.h"
#include "provider/value/property_path.h"

namespace escnative::esc {
namespace {

constexpr size_t kSizeCap = std::numeric_limits<size_t>::max() / 4;

size_t AddSize(size_t a, size_t b) { return a + b > kSizeCap ? kSizeCap : a + b; }

std::shared_ptr<Value> New(Value::Kind kind, const Range& def) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  v->def = def;
  return v;
}

}  // namespace

ValuePtr MakeNull(const Range& def) { return New(Value::Kind::kNull, def); }
ValuePtr MakeBool(bool b, const Range& def) {
  auto v = New(Value::Kind::kBool, def);
  v->boolean = b;
  return v;
}
ValuePtr MakeNumber(std::string text, const Range& def) {
  auto v = New(Value::Kind::kNumber, def);
  v->size = AddSize(1, text.size());
  v->text = std::move(text);
  return v;
}
ValuePtr MakeString(std::string s, const Range& def) {
  auto v = New(Value::Kind::kString, def);
  v->size = AddSize(1, s.size());
  v->text = std::move(s);
  return v;
}
ValuePtr MakeUnknown(const Range& def, std::shared_ptr<const Schema> schema) {
  auto v = New(Value::Kind::kNull, def);
  v->unknown = true;
  v->any_unknown = true;
  v->schema = std::move(schema);
  return v;
}
ValuePtr MakeArray(std::vector<ValuePtr> items, const Range& def) {
  auto v = New(Value::Kind::kArray, def);
  v->size = AddSize(1, SizeOf(items));
  for (const ValuePtr& i : items) {
    v->depth = std::max(v->depth, i->depth + 1);
    v->any_secret = v->any_secret || i->secret || i->any_secret;
    v->any_unknown = v->any_unknown || i->unknown || i->any_unknown;
  }
  v->array = std::move(items);
  return v;
}
ValuePtr MakeObject(std::map<std::string, ValuePtr> props, const Range& def) {
  auto v = New(Value::Kind::kObject, def);
  v->size = AddSize(1, SizeOf(props));
  for (const auto& [k, i] : props) {
    v->depth = std::max(v->depth, i->depth + 1);
    v->any_secret = v->any_secret || i->secret || i->any_secret;
    v->any_unknown = v->any_unknown || i->unknown || i->any_unknown;
  }
  v->object = std::move(props);
  return v;
}

size_t SizeOf(const std::vector<ValuePtr>& items) {
  size_t n = 0;
  for (const ValuePtr& i : items) n = AddSize(n, i->size);
  return n;
}
size_t SizeOf(const std::map<std::string, ValuePtr>& props) {
  size_t n = 0;
  for (const auto& [k, v] : props) n = AddSize(n, v->size);
  return n;
}

bool ContainsSecret(const Value& v) { return v.secret || v.any_secret; }

bool ContainsUnknown(const Value& v) { return v.unknown || v.any_unknown; }

ValuePtr MarkSecret(const ValuePtr& v, bool deep) {
  if (v->secret && !deep) return v;
  auto copy = std::make_shared<Value>(*v);
  copy->secret = true;
  if (deep) {
    for (ValuePtr& i : copy->array) i = MarkSecret(i, true);
    for (auto& [k, i] : copy->object) i = MarkSecret(i, true);
    copy->any_secret = !copy->array.empty() || !copy->object.empty();
  }
  return copy;
}

ValuePtr MarkUnknown(const ValuePtr& v) {
  if (v->unknown) return v;
  auto copy = std::make_shared<Value>(*v);
  copy->unknown = true;
  copy->any_unknown = true;
  copy->any_secret = false;
  copy->kind = Value::Kind::kNull;
  copy->array.clear();
  copy->object.clear();
  copy->text.clear();
  return copy;
}

ValuePtr DefinedAt(const ValuePtr& v, const Range& def) {
  auto copy = std::make_shared<Value>(*v);
  copy->def = def;
  copy->base = nullptr;  // data has no history
  for (ValuePtr& i : copy->array) i = DefinedAt(i, def);
  for (auto& [k, i] : copy->object) i = DefinedAt(i, def);
  return copy;
}

namespace {

// The base chain of a value that already overrides `own` and now also
// `base`: `base` goes to the end of the chain (as the reference appends it,
// so an environment imported both directly and through another import
// appears twice in traces).
ValuePtr Rebase(const ValuePtr& own, const ValuePtr& base) {
  if (own == nullptr) return base;
  // Appending copies the chain; past a few links (long import chains) the
  // new base replaces the rest instead, keeping merges linear.
  constexpr int kMaxChain = 8;
  int links = 0;
  for (const Value* b = own.get(); b != nullptr && links <= kMaxChain; b = b->base.get()) ++links;
  if (links > kMaxChain) return base;
  return Merge(own, base);
}

}  // namespace

ValuePtr Merge(const ValuePtr& top, const ValuePtr& base) {
  // Even a value over itself (an environment imported twice) is layered:
  // traces show both.
  if (base == nullptr) return top;
  if (top->is_object() && base->is_object()) {
    std::map<std::string, ValuePtr> props = base->object;
    for (const auto& [k, v] : top->object) {
      auto it = props.find(k);
      props[k] = it == props.end() ? v : Merge(v, it->second);
    }
    auto merged = std::make_shared<Value>(*top);
    merged->size = AddSize(1, SizeOf(props));
    merged->any_secret = merged->any_unknown = false;
    merged->depth = 1;
    for (const auto& [k, i] : props) {
      merged->depth = std::max(merged->depth, i->depth + 1);
      merged->any_secret = merged->any_secret || i->secret || i->any_secret;
      merged->any_unknown = merged->any_unknown || i->unknown || i->any_unknown;
    }
    merged->object = std::move(props);
    merged->base = Rebase(top->base, base);
    return merged;
  }
  auto copy = std::make_shared<Value>(*top);
  copy->base = Rebase(top->base, base);
  return copy;
}

std::string ToString(const Value& v) {
  std::string out;
  ToStringBounded(v, std::string::npos, &out);
  return out;
}

bool ToStringBounded(const Value& v, size_t max, std::string* result) {
  result->clear();
  if (v.unknown) {
    *result = "[unknown]";
    return true;
  }
  switch (v.kind) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      *result = v.boolean ? "true" : "false";
      return true;
    case Value::Kind::kNumber:
    case Value::Kind::kString:
      if (v.text.size() > max) return false;
      *result = v.text;
      return true;
    case Value::Kind::kArray: {
      std::string& out = *result;
      std::string elem;
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i > 0) out += ',';
        if (!ToStringBounded(*v.array[i], max, &elem)) return false;
        out += GoQuote(elem);
        if (out.size() > max) return false;
      }
      return true;
    }
    case Value::Kind::kObject: {
      // Only the object's own keys: keys inherited unchanged from an
      // imported base are left out, as the reference implementation does.
      const Value* base = v.base != nullptr && v.base->is_object() ? v.base.get() : nullptr;
      std::string& out = *result;
      std::string elem;
      bool first = true;
      for (const auto& [k, e] : v.object) {
        if (base != nullptr) {
          auto it = base->object.find(k);
          if (it != base->object.end() && it->second == e) continue;
        }
        if (!first) out += ',';
        first = false;
        if (!ToStringBounded(*e, max, &elem)) return false;
        absl::StrAppend(&out, GoQuote(k), "=", GoQuote(elem));
        if (out.size() > max) return false;
      }
      return true;
    }
  }
  return true;
}

namespace {

// Go unicode.IsPrint, approximated for the ranges that matter in practice.
bool IsPrint(char32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r <= 0x9F) return false;
  if (r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  if (r >= 0x200B && r <= 0x200F) return false;
  if (r >= 0x202A && r <= 0x202E) return false;
  if (r >= 0x2060 && r <= 0x206F) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if ((r & 0xFFFE) == 0xFFFE || (r >= 0xFDD0 && r <= 0xFDEF)) return false;  // noncharacters
  if (r >= 0xE0000 && r <= 0xE007F) return false;  // tags (format characters)
  if (r >= 0xF0000) return false;                  // supplementary private use
  return r <= 0x10FFFF;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\a':
          out += "\\a";
          continue;
        case '\b':
          out += "\\b";
          continue;
        case '\f':
          out += "\\f";
          continue;
        case '\n':
          out += "\\n";
          continue;
        case '\r':
          out += "\\r";
          continue;
        case '\t':
          out += "\\t";
          continue;
        case '\v':
          out += "\\v";
          continue;
        case '\\':
          out += "\\\\";
          continue;
        case '"':
          out += "\\\"";
          continue;
        default:
          break;
      }
      if (c < 0x20 || c == 0x7F) {
        out += absl::StrFormat("\\x%02x", c);
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    char32_t r = 0;
    const int len = util::DecodeUtf8(s, i, &r);  // Go's rules: no overlong forms, no surrogates
    if (len == 0) {
      out += absl::StrFormat("\\x%02x", c);
      ++i;
      continue;
    }
    if (IsPrint(r)) {
      out.append(s.substr(i, len));
    } else if (r < 0x10000) {
      out += absl::StrFormat("\\u%04x", static_cast<unsigned>(r));
    } else {
      out += absl::StrFormat("\\U%08x", static_cast<unsigned>(r));
    }
    i += len;
  }
  out += '"';
  return out;
}

const char* KindName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "boolean";
    case Value::Kind::kNumber:
      return "number";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kArray:
      return "array";
    case Value::Kind::kObject:
      return "object";
  }
  return "null";
}

absl::StatusOr<ValuePtr> ValueAtPath(const ValuePtr& root, std::string_view path) {
  absl::StatusOr<PropertyPath> parsed = PropertyPath::Parse(util::ToAbsl(path));
  if (!parsed.ok()) return parsed.status();
  ValuePtr v = root;
  for (const PropertyPath::Element& e : parsed->elements()) {
    ValuePtr next;
    if (const size_t* index = std::get_if<size_t>(&e)) {
      if (v->is_array() && *index < v->array.size()) next = v->array[*index];
    } else if (v->is_object()) {
      auto it = v->object.find(std::get<std::string>(e));
      if (it != v->object.end()) next = it->second;
    }
    if (next == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no value at property path \"", util::Echo(path), "\""));
    }
    v = std::move(next);
  }
  return v;
}

}  // namespace escnative::esc
