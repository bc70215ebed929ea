// Plain scalars the YAML 1.2 core schema way (as Go's yaml.v3 resolves
// them) and Go's float formatting: the scalar rules of yaml_syntax.h.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {

std::string FormatGoFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = !sci.empty() && sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (f == 0) {
    digits = "0";
    exp = 0;
  }
  std::string out = neg ? "-" : "";
  int nd = static_cast<int>(digits.size());
  // Go uses %e when exp < -4 || exp >= eprec, with eprec = 6 for shortest.
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (nd > 1) absl::StrAppend(&out, ".", digits.substr(1));
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int a = std::abs(exp);
    if (a < 10) out += '0';
    absl::StrAppend(&out, a);
    return out;
  }
  if (exp < 0) {
    absl::StrAppend(&out, "0.", std::string(-exp - 1, '0'), digits);
    return out;
  }
  if (nd <= exp + 1) {
    absl::StrAppend(&out, digits, std::string(exp + 1 - nd, '0'));
  } else {
    absl::StrAppend(&out, digits.substr(0, exp + 1), ".", digits.substr(exp + 1));
  }
  return out;
}

namespace {

// strconv.ParseInt/ParseUint(s, 0, 64) after yaml.v3 strips underscores.
bool ParseGoInt(std::string_view s, std::string* text) {
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  int base = 10;
  if (s.size() - i >= 2 && s[i] == '0') {
    char p = s[i + 1] | 0x20;
    if (p == 'x')
      base = 16, i += 2;
    else if (p == 'o')
      base = 8, i += 2;
    else if (p == 'b')
      base = 2, i += 2;
    else
      base = 8, i += 1;
  }
  if (i >= s.size()) return false;
  unsigned long long v = 0;
  auto res = std::from_chars(s.data() + i, s.data() + s.size(), v, base);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return false;
  if (neg) {
    if (v > 9223372036854775808ULL) return false;
    *text = v == 0 ? "0" : absl::StrCat("-", v);
  } else {
    *text = absl::StrCat(v);
  }
  return true;
}

bool IsYamlFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

SyntaxNode::Kind ResolvePlainScalar(std::string_view plain, std::string* text, bool* boolean) {
  using Kind = SyntaxNode::Kind;
  if (plain.empty() || plain == "~" || plain == "null" || plain == "Null" || plain == "NULL") {
    return Kind::kNull;
  }
  if (plain == "true" || plain == "True" || plain == "TRUE") {
    *boolean = true;
    return Kind::kBool;
  }
  if (plain == "false" || plain == "False" || plain == "FALSE") {
    *boolean = false;
    return Kind::kBool;
  }
  char c = plain[0];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    std::string stripped;
    for (char ch : plain) {
      if (ch != '_') stripped += ch;
    }
    if (ParseGoInt(stripped, text)) return Kind::kNumber;
    if (IsYamlFloat(stripped)) {
      errno = 0;
      char* end = nullptr;
      double d = std::strtod(stripped.c_str(), &end);
      if (errno != ERANGE && end == stripped.c_str() + stripped.size() && std::isfinite(d)) {
        *text = FormatGoFloat(d);
        return Kind::kNumber;
      }
    }
  }
  *text = std::string(plain);
  return Kind::kString;
}

}  // namespace escnative::esc
