#include "provider/esc/property_access.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace escnative::esc {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

class AccessParser {
 public:
  AccessParser(std::string_view s, std::vector<AccessError>* errors)
      : s_(s), n_(static_cast<int>(s.size())), errors_(errors) {}

  // Parses accessors starting at j (just after "${"); returns the offset
  // after the closing brace, or the end of the string.
  int Parse(int j, std::vector<RawAccessor>* out) {
    if (j >= n_ || (s_[j] != '[' && s_[j] != '.')) j = Name(j, j, out, true);
    bool first = out->empty();
    while (true) {
      if (j >= n_) {
        Error("missing closing brace '}' in interpolation", n_, n_);
        return n_;
      }
      char c = s_[j];
      if (c == '}') return j + 1;
      if (IsSpace(c)) {
        Error("missing closing brace '}' in interpolation", j, j);
        size_t close = s_.find('}', j);
        return close == std::string_view::npos ? n_ : static_cast<int>(close) + 1;
      }
      if (c == '[') {
        j = Subscript(j, first, out);
      } else if (c == '.') {
        j = Name(j, j + 1, out, false);
      } else {
        j = Name(j, j, out, true);
      }
      first = false;
    }
  }

 private:
  void Error(const char* summary, int begin, int end) {
    errors_->push_back(AccessError{summary, begin, end});
  }

  // A property name starting at `start` (after an optional dot at `from`).
  int Name(int from, int start, std::vector<RawAccessor>* out, bool bare) {
    int j = start;
    while (j < n_ && s_[j] != '.' && s_[j] != '[' && s_[j] != '}' && !IsSpace(s_[j])) ++j;
    RawAccessor a;
    a.key = std::string(s_.substr(start, j - start));
    a.begin = from;
    a.end = a.key.empty() ? std::min(from + 1, n_) : j;
    // An empty name is an error but still an accessor (as in the reference).
    if (a.key.empty() && !bare) Error("property name must not be empty", a.begin, a.end);
    out->push_back(std::move(a));
    return j;
  }

  int Subscript(int open, bool first, std::vector<RawAccessor>* out) {
    int k = open + 1;
    RawAccessor a;
    a.begin = open;
    std::vector<AccessError> inner;
    int m;
    if (k < n_ && s_[k] == '"') {
      std::string key;
      int q = k + 1;
      bool closed = false;
      while (q < n_) {
        if (s_[q] == '\\' && q + 1 < n_ && s_[q + 1] == '"') {
          key += '"';
          q += 2;
          continue;
        }
        if (s_[q] == '"') {
          closed = true;
          break;
        }
        key += s_[q++];
      }
      if (closed) {
        m = q + 1;
        if (key.empty()) inner.push_back({"key subscript must not be empty", k, m});
      } else {
        m = n_;
        inner.push_back({"key subscript is missing closing quote '\"'", k, n_});
      }
      a.key = std::move(key);
    } else {
      m = k;
      while (m < n_ && s_[m] != ']' && s_[m] != '}') ++m;
      std::string digits(s_.substr(k, m - k));
      a.is_index = true;
      errno = 0;
      char* end = nullptr;
      long long v = digits.empty() ? 0 : std::strtoll(digits.c_str(), &end, 10);
      bool valid = !digits.empty() && errno == 0 && end == digits.c_str() + digits.size() &&
                   !IsSpace(digits[0]);
      if (!valid) {
        // Not a number: the reference keeps the text as a key.
        inner.push_back({"numeric subscript must be a positive base-10 integer", k, m});
        a.is_index = false;
        a.key = digits;
        v = 0;
      }
      a.index = v;
      if (first) {
        inner.push_back(
            {"the first accessor must be a property name or key subscript, "
             "not a numeric subscript",
             open, m});
      }
    }
    int next;
    if (m < n_ && s_[m] == ']') {
      a.end = m + 1;
      next = m + 1;
    } else {
      Error("subscript is missing closing bracket ']'", open, m);
      a.end = m;
      next = m;
    }
    errors_->insert(errors_->end(), inner.begin(), inner.end());
    out->push_back(std::move(a));
    return next;
  }

  std::string_view s_;
  int n_;
  std::vector<AccessError>* errors_;
};

}  // namespace

std::vector<RawPart> ParseInterpolation(std::string_view s, std::vector<AccessError>* errors) {
  std::vector<RawPart> parts;
  std::string text;
  int n = static_cast<int>(s.size());
  int i = 0;
  while (i < n) {
    if (s[i] == '$' && i + 1 < n && s[i + 1] == '$') {
      text += '$';
      i += 2;
      continue;
    }
    if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
      RawPart part;
      part.text = std::move(text);
      text.clear();
      part.has_access = true;
      part.begin = i;
      AccessParser parser(s, errors);
      part.end = parser.Parse(i + 2, &part.accessors);
      i = part.end;
      parts.push_back(std::move(part));
      continue;
    }
    // Up to the next '$' in one append.
    size_t next = s.find('$', static_cast<size_t>(i) + 1);
    int end = next == std::string_view::npos ? n : static_cast<int>(next);
    text.append(s.substr(i, end - i));
    i = end;
  }
  if (!text.empty() || parts.empty()) {
    RawPart tail;
    tail.text = std::move(text);
    tail.begin = tail.end = n;
    parts.push_back(std::move(tail));
  }
  return parts;
}

}  // namespace escnative::esc
