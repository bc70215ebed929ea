#include "provider/esc/json_encoding.h"

#include <cctype>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "provider/util/utf8.h"

namespace escnative::esc {
namespace {

// Returns the rune length at s[i] for valid multi-byte UTF-8 (0 if invalid).
int ValidRuneLen(std::string_view s, size_t i, char32_t* rune) {
  if (static_cast<unsigned char>(s[i]) < 0x80) return 0;  // callers handle ASCII
  return util::DecodeUtf8(s, i, rune);
}

void Indent(std::string* out, int indent, int depth) {
  if (indent <= 0) return;
  out->push_back('\n');
  out->append(static_cast<size_t>(indent * depth), ' ');
}

void Encode(const Value& v, Redaction redaction, int indent, int depth, std::string* out) {
  if (redaction == Redaction::kRedact && v.secret) {
    out->append("\"[secret]\"");
    return;
  }
  if (v.unknown) {
    out->append("\"[unknown]\"");
    return;
  }
  switch (v.kind) {
    case Value::Kind::kNull:
      out->append("null");
      return;
    case Value::Kind::kBool:
      out->append(v.boolean ? "true" : "false");
      return;
    case Value::Kind::kNumber:
      out->append(v.text);
      return;
    case Value::Kind::kString:
      out->append(GoJsonString(v.text));
      return;
    case Value::Kind::kArray: {
      if (v.array.empty()) {
        out->append("[]");
        return;
      }
      out->push_back('[');
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i > 0) out->push_back(',');
        Indent(out, indent, depth + 1);
        Encode(*v.array[i], redaction, indent, depth + 1, out);
      }
      Indent(out, indent, depth);
      out->push_back(']');
      return;
    }
    case Value::Kind::kObject: {
      if (v.object.empty()) {
        out->append("{}");
        return;
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.object) {
        if (!first) out->push_back(',');
        first = false;
        Indent(out, indent, depth + 1);
        out->append(GoJsonString(k));
        out->append(indent > 0 ? ": " : ":");
        Encode(*e, redaction, indent, depth + 1, out);
      }
      Indent(out, indent, depth);
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

nlohmann::json NumberJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_number()) return text;
  return j;
}

namespace {

// A tiny JSON reader that keeps number text and reports Go-like errors.
class JsonReader {
 public:
  JsonReader(std::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  absl::StatusOr<ValuePtr> ReadValue(int depth) {
    SkipSpace();
    if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
    if (depth > max_depth_) return absl::InvalidArgumentError("exceeded max depth");
    char c = s_[i_];
    if (c == '{') return ReadObject(depth);
    if (c == '[') return ReadArray(depth);
    if (c == '"') {
      auto s = ReadString();
      if (!s.ok()) return s.status();
      return MakeString(*std::move(s));
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
    for (auto [lit, kind] : {std::pair<const char*, int>{"true", 1}, {"false", 2}, {"null", 3}}) {
      std::string_view l(lit);
      if (s_.substr(i_, l.size()) == l) {
        i_ += l.size();
        if (kind == 3) return MakeNull();
        return MakeBool(kind == 1);
      }
      if (l.substr(0, s_.size() - i_) == s_.substr(i_)) {
        return absl::InvalidArgumentError("unexpected EOF");
      }
    }
    return Invalid("looking for beginning of value");
  }

 private:
  absl::Status Invalid(const char* context) {
    char c = s_[i_];
    std::string shown = c == '\''  ? "'\\''"
                        : c == '"' ? "'\"'"
                                   : absl::StrCat("'", std::string(1, c), "'");
    if (static_cast<unsigned char>(c) < 0x20) shown = absl::StrFormat("'\\x%02x'", c);
    return absl::InvalidArgumentError(absl::StrCat("invalid character ", shown, " ", context));
  }

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  absl::StatusOr<ValuePtr> ReadNumber() {
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
    if (s_[i_] == '0') {
      ++i_;
    } else if (s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    } else {
      return Invalid("in numeric literal");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (!isdigit(static_cast<unsigned char>(s_[i_])))
        return Invalid("after decimal point in numeric literal");
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (!isdigit(static_cast<unsigned char>(s_[i_])))
        return Invalid("in exponent of numeric literal");
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    return MakeNumber(std::string(s_.substr(start, i_ - start)));
  }

  absl::StatusOr<std::string> ReadString() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      unsigned char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) return Invalid("in string literal");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto hex = [&](char32_t* r) -> bool {
            if (i_ + 4 > s_.size()) return false;
            *r = 0;
            for (int k = 0; k < 4; ++k) {
              char h = s_[i_ + k];
              int d = isdigit(static_cast<unsigned char>(h))   ? h - '0'
                      : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10
                                                               : -1;
              if (d < 0) return false;
              *r = (*r << 4) | d;
            }
            i_ += 4;
            return true;
          };
          char32_t r;
          if (!hex(&r))
            return absl::InvalidArgumentError(
                "invalid character in \\u hexadecimal character escape");
          if (r >= 0xD800 && r < 0xDC00 && s_.substr(i_, 2) == "\\u") {
            size_t save = i_;
            i_ += 2;
            char32_t lo;
            if (hex(&lo) && lo >= 0xDC00 && lo < 0xE000) {
              r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              i_ = save;
              r = 0xFFFD;
            }
          } else if (r >= 0xD800 && r < 0xE000) {
            r = 0xFFFD;
          }
          AppendUtf8(r, &out);
          break;
        }
        default:
          --i_;
          return Invalid("in string escape code");
      }
    }
  }

  static void AppendUtf8(char32_t r, std::string* out) {
    if (r < 0x80) {
      out->push_back(static_cast<char>(r));
    } else if (r < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (r >> 6)));
      out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
    } else if (r < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (r >> 12)));
      out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (r >> 18)));
      out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
    }
  }

  absl::StatusOr<ValuePtr> ReadArray(int depth) {
    ++i_;
    std::vector<ValuePtr> items;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return MakeArray(std::move(items));
    }
    while (true) {
      auto v = ReadValue(depth + 1);
      if (!v.ok()) return v.status();
      items.push_back(*std::move(v));
      SkipSpace();
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return MakeArray(std::move(items));
      }
      return Invalid("after array element");
    }
  }

  absl::StatusOr<ValuePtr> ReadObject(int depth) {
    ++i_;
    std::map<std::string, ValuePtr> props;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return MakeObject(std::move(props));
    }
    while (true) {
      SkipSpace();
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (s_[i_] != '"') return Invalid("looking for beginning of object key string");
      auto key = ReadString();
      if (!key.ok()) return key.status();
      SkipSpace();
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (s_[i_] != ':') return Invalid("after object key");
      ++i_;
      auto v = ReadValue(depth + 1);
      if (!v.ok()) return v.status();
      props[*std::move(key)] = *std::move(v);
      SkipSpace();
      if (i_ >= s_.size()) return absl::InvalidArgumentError("unexpected EOF");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return MakeObject(std::move(props));
      }
      return Invalid("after object key:value pair");
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int max_depth_;
};

}  // namespace

std::string GoJsonString(std::string_view s, bool escape_html) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"':
          out += "\\\"";
          continue;
        case '\\':
          out += "\\\\";
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
        default:
          break;
      }
      if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&'))) {
        out += absl::StrFormat("\\u%04x", c);
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    char32_t r = 0;
    int len = ValidRuneLen(s, i, &r);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (r == 0x2028 || r == 0x2029) {
      out += absl::StrFormat("\\u%04x", static_cast<unsigned>(r));
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
  return out;
}

std::string ToJsonText(const Value& v, Redaction redaction, int indent) {
  std::string out;
  Encode(v, redaction, indent, 0, &out);
  return out;
}

nlohmann::json ToJson(const Value& v, Redaction redaction) {
  if (redaction == Redaction::kRedact && v.secret) return "[secret]";
  if (v.unknown) return "[unknown]";
  switch (v.kind) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kBool:
      return v.boolean;
    case Value::Kind::kNumber:
      return NumberJson(v.text);
    case Value::Kind::kString:
      return v.text;
    case Value::Kind::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const ValuePtr& i : v.array) a.push_back(ToJson(*i, redaction));
      return a;
    }
    case Value::Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, e] : v.object) o[k] = ToJson(*e, redaction);
      return o;
    }
  }
  return nullptr;
}

nlohmann::json RangeToJson(const Range& r) {
  auto pos = [](const Pos& p) {
    return nlohmann::json{{"line", p.line}, {"column", p.column}, {"byte", p.byte}};
  };
  nlohmann::json j = nlohmann::json::object();
  if (!r.environment.empty()) j["environment"] = r.environment;
  j["begin"] = pos(r.begin);
  j["end"] = pos(r.end);
  return j;
}

nlohmann::json ToDetailedJson(const Value& v, const std::string& environment) {
  nlohmann::json j = nlohmann::json::object();
  if (!v.unknown) {
    switch (v.kind) {
      case Value::Kind::kNull:
        break;
      case Value::Kind::kBool:
        j["value"] = v.boolean;
        break;
      case Value::Kind::kNumber:
        j["value"] = NumberJson(v.text);
        break;
      case Value::Kind::kString:
        j["value"] = v.text;
        break;
      case Value::Kind::kArray: {
        nlohmann::json a = nlohmann::json::array();
        for (const ValuePtr& i : v.array) a.push_back(ToDetailedJson(*i, environment));
        j["value"] = std::move(a);
        break;
      }
      case Value::Kind::kObject: {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& [k, e] : v.object) o[k] = ToDetailedJson(*e, environment);
        j["value"] = std::move(o);
        break;
      }
    }
  }
  // An unknown interpolation still shows its placeholder text.
  if (v.unknown && v.kind == Value::Kind::kString) j["value"] = v.text;
  if (v.secret) j["secret"] = true;
  if (v.unknown) j["unknown"] = true;
  nlohmann::json trace = nlohmann::json::object();
  Range def = v.def;
  if (def.empty() && !environment.empty()) def.environment = environment;
  trace["def"] = RangeToJson(def);
  if (v.base != nullptr) {
    trace["base"] = ToDetailedJson(*v.base, environment.empty() ? environment : "<import>");
  }
  j["trace"] = std::move(trace);
  return j;
}

ValuePtr FromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      return MakeBool(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return MakeNumber(j.dump());
    case nlohmann::json::value_t::string:
      return MakeString(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<ValuePtr> items;
      for (const auto& e : j) items.push_back(FromJson(e));
      return MakeArray(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      std::map<std::string, ValuePtr> props;
      for (auto it = j.begin(); it != j.end(); ++it) props[it.key()] = FromJson(it.value());
      return MakeObject(std::move(props));
    }
    default:
      return MakeNull();
  }
}

absl::StatusOr<ValuePtr> DecodeJson(std::string_view text, int max_depth) {
  JsonReader reader(text, max_depth);
  return reader.ReadValue(0);
}

}  // namespace escnative::esc
