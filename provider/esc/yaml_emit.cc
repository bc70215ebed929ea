#include "provider/esc/yaml_emit.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "provider/util/utf8.h"

namespace escnative::esc {
namespace {

using Kind = SyntaxNode::Kind;

bool PlainSafe(const std::string& s) {
  if (s.empty()) return false;
  // Only these can resolve to something other than a string (null, bools and
  // numbers); the rest (most keys, every ciphertext) skip the resolver.
  const char c0 = s[0];
  if (s.size() <= 5 || (c0 >= '0' && c0 <= '9') || c0 == '+' || c0 == '-' || c0 == '.') {
    std::string text;
    bool b;
    if (ResolvePlainScalar(s, &text, &b) != Kind::kString) return false;
  }
  static const char* kYaml11[] = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                  "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  for (const char* w : kYaml11) {
    if (s.size() <= 3 && s == w) return false;
  }
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s[0]) != std::string_view::npos) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) return false;
  // One pass: control characters, ": " and " #", and UTF-8 validity (text
  // that is not valid UTF-8 takes the quoted form).
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      if ((c == ':' && i + 1 < n && s[i + 1] == ' ') || (c == ' ' && i + 1 < n && s[i + 1] == '#')) {
        return false;
      }
      continue;
    }
    const int len = util::Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += static_cast<size_t>(len) - 1;
  }
  return true;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\x%02x", c);
        } else if (c >= 0x80) {
          int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
          bool ok = len > 0 && i + len <= s.size();
          for (int k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
          if (ok) {
            out.append(s, i, len);
            i += len - 1;
          } else {
            out += absl::StrFormat("\\x%02x", c);
          }
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string Scalar(const SyntaxNode& n) {
  switch (n.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return n.boolean ? "true" : "false";
    case Kind::kNumber:
      return n.text;
    case Kind::kString:
      return PlainSafe(n.text) ? n.text : Quote(n.text);
    case Kind::kArray:
      return "[]";
    case Kind::kObject:
      return "{}";
  }
  return "null";
}

bool IsBlock(const SyntaxNode& n) {
  return (n.kind == Kind::kArray && !n.items.empty()) ||
         (n.kind == Kind::kObject && !n.entries.empty());
}

void Emit(const SyntaxNode& n, int indent, int level, std::string* out);

// Writes the value after "key:" or "- ".
void EmitChild(const SyntaxNode& v, int indent, int level, std::string* out, bool in_seq) {
  if (!IsBlock(v)) {
    absl::StrAppend(out, " ", Scalar(v), "\n");
    return;
  }
  if (in_seq) {
    // "- " followed by the first line of the nested block on the same line.
    std::string nested;
    Emit(v, indent, level + 1, &nested);
    size_t skip = static_cast<size_t>(indent * (level + 1));
    absl::StrAppend(out, std::string(indent > 2 ? indent - 1 : 1, ' '), nested.substr(skip));
    return;
  }
  out->push_back('\n');
  Emit(v, indent, level + 1, out);
}

void Emit(const SyntaxNode& n, int indent, int level, std::string* out) {
  std::string pad(static_cast<size_t>(indent * level), ' ');
  if (n.kind == Kind::kObject && !n.entries.empty()) {
    for (const SyntaxEntry& e : n.entries) {
      absl::StrAppend(out, pad, PlainSafe(e.key) ? e.key : Quote(e.key), ":");
      EmitChild(e.value, indent, level, out, false);
    }
    return;
  }
  if (n.kind == Kind::kArray && !n.items.empty()) {
    for (const SyntaxNode& item : n.items) {
      absl::StrAppend(out, pad, "-");
      EmitChild(item, indent, level, out, true);
    }
    return;
  }
  absl::StrAppend(out, pad, Scalar(n), "\n");
}

SyntaxNode FromValue(const Value& v, Redaction redaction) {
  SyntaxNode n;
  if ((redaction == Redaction::kRedact && v.secret) || v.unknown) {
    n.kind = Kind::kString;
    n.text = v.unknown && !(redaction == Redaction::kRedact && v.secret) ? "[unknown]" : "[secret]";
    return n;
  }
  switch (v.kind) {
    case Value::Kind::kNull:
      n.kind = Kind::kNull;
      break;
    case Value::Kind::kBool:
      n.kind = Kind::kBool;
      n.boolean = v.boolean;
      break;
    case Value::Kind::kNumber:
      n.kind = Kind::kNumber;
      n.text = v.text;
      break;
    case Value::Kind::kString:
      n.kind = Kind::kString;
      n.text = v.text;
      break;
    case Value::Kind::kArray:
      n.kind = Kind::kArray;
      for (const ValuePtr& i : v.array) n.items.push_back(FromValue(*i, redaction));
      break;
    case Value::Kind::kObject:
      n.kind = Kind::kObject;
      for (const auto& [k, e] : v.object)
        n.entries.push_back(SyntaxEntry{k, Range{}, FromValue(*e, redaction)});
      break;
  }
  return n;
}

}  // namespace

std::string EmitYaml(const SyntaxNode& node, int indent) {
  std::string out;
  Emit(node, indent < 1 ? 2 : indent, 0, &out);
  return out;
}

std::string ValueToYaml(const Value& v, Redaction redaction, int indent) {
  return EmitYaml(FromValue(v, redaction), indent);
}

SyntaxNode SyntaxFromJson(const nlohmann::json& j) {
  SyntaxNode n;
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      n.kind = Kind::kBool;
      n.boolean = j.get<bool>();
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      n.kind = Kind::kNumber;
      n.text = j.dump();
      break;
    case nlohmann::json::value_t::string:
      n.kind = Kind::kString;
      n.text = j.get<std::string>();
      break;
    case nlohmann::json::value_t::array:
      n.kind = Kind::kArray;
      for (const auto& e : j) n.items.push_back(SyntaxFromJson(e));
      break;
    case nlohmann::json::value_t::object:
      n.kind = Kind::kObject;
      for (auto it = j.begin(); it != j.end(); ++it)
        n.entries.push_back(SyntaxEntry{it.key(), Range{}, SyntaxFromJson(it.value())});
      break;
    default:
      n.kind = Kind::kNull;
      break;
  }
  return n;
}

}  // namespace escnative::esc
