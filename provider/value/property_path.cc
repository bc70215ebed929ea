#include "provider/value/property_path.h"

#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"

namespace escnative {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_' || c == '$'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '$' || c == '-'; }

bool IsBareKey(absl::string_view key) {
  if (key.empty() || !IsIdentStart(key[0])) return false;
  for (char c : key) {
    if (!IsIdentChar(c)) return false;
  }
  return true;
}

// Paths are user input (CLI arguments, query parameters): echoed capped and
// escaped.
absl::Status PathError(absl::string_view text, size_t pos, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid property path \"", util::Echo(util::ToStd(text)),
                   "\": expected ", expected, " at offset ", pos));
}

}  // namespace

absl::StatusOr<PropertyPath> PropertyPath::Parse(absl::string_view text) {
  std::vector<Element> out;
  size_t i = 0;
  const size_t n = text.size();
  if (n == 0) return PathError(text, 0, "a property name");
  bool expect_key = true;  // at the start or after '.'
  while (i < n) {
    char c = text[i];
    if (c == '[') {
      ++i;
      if (i < n && text[i] == '"') {
        ++i;
        std::string key;
        bool closed = false;
        while (i < n) {
          char d = text[i++];
          if (d == '\\' && i < n && text[i] == '"') {  // the only escape (esc.md §5.3)
            key.push_back(text[i++]);
          } else if (d == '"') {
            closed = true;
            break;
          } else {
            key.push_back(d);
          }
        }
        if (!closed) return PathError(text, i, "a closing '\"'");
        if (i >= n || text[i] != ']') return PathError(text, i, "']'");
        ++i;
        out.emplace_back(std::move(key));
      } else {
        size_t start = i;
        while (i < n && absl::ascii_isdigit(text[i])) ++i;
        if (i == start) return PathError(text, i, "an array index or a quoted key");
        if (i - start > 9) return PathError(text, start, "an array index below 1000000000");
        if (i >= n || text[i] != ']') return PathError(text, i, "']'");
        out.emplace_back(static_cast<size_t>(std::stoul(std::string(text.substr(start, i - start)))));
        ++i;
      }
      expect_key = false;
    } else if (c == '.') {
      if (expect_key) return PathError(text, i, "a property name");
      ++i;
      expect_key = true;
      if (i >= n) return PathError(text, i, "a property name");
    } else {
      if (!expect_key) return PathError(text, i, "'.' or '['");
      size_t start = i;
      while (i < n && text[i] != '.' && text[i] != '[') ++i;
      out.emplace_back(std::string(text.substr(start, i - start)));
      expect_key = false;
    }
  }
  return PropertyPath(std::move(out));
}

PropertyPath PropertyPath::Key(absl::string_view key) const {
  PropertyPath p = *this;
  p.elements_.emplace_back(std::string(key));
  return p;
}

PropertyPath PropertyPath::Index(size_t index) const {
  PropertyPath p = *this;
  p.elements_.emplace_back(index);
  return p;
}

bool PropertyPath::HasPrefix(const PropertyPath& other) const {
  if (other.elements_.size() > elements_.size()) return false;
  for (size_t i = 0; i < other.elements_.size(); ++i) {
    if (!(elements_[i] == other.elements_[i])) return false;
  }
  return true;
}

std::string PropertyPath::ToString() const {
  std::string out;
  for (const auto& e : elements_) {
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (IsBareKey(*key)) {
        if (!out.empty()) out.push_back('.');
        out += *key;
      } else {
        out += "[\"";
        for (char c : *key) {
          if (c == '"') out.push_back('\\');
          out.push_back(c);
        }
        out += "\"]";
      }
    } else {
      absl::StrAppend(&out, "[", std::get<size_t>(e), "]");
    }
  }
  return out;
}

PathLookup Lookup(const PropertyMap& root, const PropertyPath& path) {
  PathLookup r;
  if (path.empty()) return r;
  const PropertyMap* obj = &root;
  const PropertyValue* cur = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& e = path.elements()[i];
    if (i > 0) {
      // Step through wrappers of the value reached so far.
      while (cur->IsSecret() || cur->IsOutput()) {
        if (cur->IsSecret()) r.secret = true;
        if (cur->kind() == PropertyValue::Kind::kSecret) {
          cur = &*cur->AsSecret().value;
        } else if (cur->AsOutput().value.has_value()) {
          cur = &**cur->AsOutput().value;
        } else {
          r.unknown = true;
          return r;
        }
      }
      if (cur->IsUnknown()) {
        r.unknown = true;
        return r;
      }
      obj = cur->IsObject() ? &cur->AsObject() : nullptr;
    }
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (obj == nullptr) return r;
      cur = Find(*obj, *key);
      if (cur == nullptr) return r;
    } else {
      size_t idx = std::get<size_t>(e);
      if (i == 0 || !cur->IsArray() || idx >= cur->AsArray().size()) return r;
      cur = &cur->AsArray()[idx];
    }
  }
  if (cur->IsSecret()) r.secret = true;
  r.value = cur;
  return r;
}

absl::Status SetPath(PropertyMap& root, const PropertyPath& path, PropertyValue value) {
  if (path.empty()) return absl::InvalidArgumentError("cannot set a value at an empty path");
  if (!std::holds_alternative<std::string>(path.elements()[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("property path \"", path.ToString(), "\" must start with a property name"));
  }
  PropertyValue* cur = nullptr;
  PropertyMap* obj = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& e = path.elements()[i];
    const bool last = i + 1 == path.size();
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (obj == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot set \"", path.ToString(), "\": ",
                         PropertyPath(std::vector<PropertyPath::Element>(
                                          path.elements().begin(), path.elements().begin() + i))
                             .ToString(),
                         " is a ", cur->TypeName(), ", not an object"));
      }
      cur = &(*obj)[*key];
    } else {
      size_t idx = std::get<size_t>(e);
      if (cur->IsNull()) *cur = PropertyValue(PropertyArray{});
      if (!cur->IsArray()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot set \"", path.ToString(), "\": index ", idx, " applied to a ", cur->TypeName()));
      }
      auto& arr = cur->AsArray();
      if (idx >= arr.size()) arr.resize(idx + 1);
      cur = &arr[idx];
    }
    if (last) {
      *cur = std::move(value);
      return absl::OkStatus();
    }
    if (cur->IsNull() && std::holds_alternative<std::string>(path.elements()[i + 1])) {
      *cur = PropertyValue(PropertyMap{});
    }
    obj = cur->IsObject() ? &cur->AsObject() : nullptr;
  }
  return absl::OkStatus();
}

bool ErasePath(PropertyMap& root, const PropertyPath& path) {
  if (path.empty()) return false;
  PropertyPath parent(std::vector<PropertyPath::Element>(path.elements().begin(),
                                                         path.elements().end() - 1));
  const auto& last = path.elements().back();
  if (parent.empty()) {
    const auto* key = std::get_if<std::string>(&last);
    return key != nullptr && root.erase(*key) > 0;
  }
  PathLookup found = Lookup(root, parent);
  if (found.value == nullptr || found.secret) return false;
  auto* target = const_cast<PropertyValue*>(found.value);  // root is non-const
  if (const auto* key = std::get_if<std::string>(&last)) {
    return target->IsObject() && target->AsObject().erase(*key) > 0;
  }
  size_t idx = std::get<size_t>(last);
  if (!target->IsArray() || idx >= target->AsArray().size()) return false;
  target->AsArray().erase(target->AsArray().begin() + static_cast<std::ptrdiff_t>(idx));
  return true;
}

}  // namespace escnative
