#include "provider/resources/definition_json.h"

#include "absl/strings/str_cat.h"

namespace escnative::resources {

const nlohmann::ordered_json* JsonAt(const nlohmann::ordered_json& root, const PropertyPath& path) {
  const nlohmann::ordered_json* cur = &root;
  for (const auto& e : path.elements()) {
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(*key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else {
      size_t i = std::get<size_t>(e);
      if (!cur->is_array() || i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    }
  }
  return cur;
}

absl::Status JsonSet(nlohmann::ordered_json& root, const PropertyPath& path,
                     nlohmann::ordered_json value) {
  // Checked on the document as it is first, so a path that fails part way
  // leaves no intermediate it created behind (callers edit in place).
  const nlohmann::ordered_json* at = &root;
  for (const auto& e : path.elements()) {
    if (at == nullptr || at->is_null()) {
      at = nullptr;  // created from here on: keys make objects, indexes fail
      if (std::holds_alternative<std::string>(e)) continue;
    }
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (!at->is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot set ", path.ToString(), ": an enclosing value is not an object"));
      }
      auto it = at->find(*key);
      at = it == at->end() ? nullptr : &*it;
    } else {
      size_t idx = std::get<size_t>(e);
      if (at == nullptr || !at->is_array() || idx > at->size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot set ", path.ToString(), ": index ", idx, " is not in an array of that size"));
      }
      at = idx < at->size() ? &(*at)[idx] : nullptr;
    }
  }
  nlohmann::ordered_json* cur = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& e = path.elements()[i];
    const bool last = i + 1 == path.size();
    if (const auto* key = std::get_if<std::string>(&e)) {
      if (cur->is_null()) *cur = nlohmann::ordered_json::object();
      if (!cur->is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot set ", path.ToString(), ": an enclosing value is not an object"));
      }
      cur = &(*cur)[*key];
    } else {
      size_t idx = std::get<size_t>(e);
      if (!cur->is_array() || idx > cur->size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot set ", path.ToString(), ": index ", idx, " is not in an array of that size"));
      }
      if (idx == cur->size()) cur->push_back(nullptr);
      cur = &(*cur)[idx];
    }
    if (last) *cur = std::move(value);
  }
  return absl::OkStatus();
}

bool JsonErase(nlohmann::ordered_json& root, const PropertyPath& path) {
  if (path.empty()) return false;
  std::vector<PropertyPath::Element> parent_elems(path.elements().begin(),
                                                  path.elements().end() - 1);
  PropertyPath parent_path(parent_elems);
  auto* parent = const_cast<nlohmann::ordered_json*>(JsonAt(root, parent_path));
  if (parent == nullptr) return false;
  const auto& last = path.elements().back();
  bool erased = false;
  if (const auto* key = std::get_if<std::string>(&last)) {
    erased = parent->is_object() && parent->erase(*key) > 0;
  } else {
    size_t idx = std::get<size_t>(last);
    if (parent->is_array() && idx < parent->size()) {
      parent->erase(idx);
      erased = true;
    }
  }
  if (erased && parent_path.size() > 1 && parent->is_object() && parent->empty()) {
    JsonErase(root, parent_path);
  }
  return erased;
}

namespace {

void CollectLeaves(const PropertyValue& v, const PropertyPath& at, std::vector<PropertyPath>* out) {
  if (v.IsObject() && !v.AsObject().empty()) {
    for (const auto& [k, e] : v.AsObject()) CollectLeaves(e, at.Key(k), out);
    return;
  }
  out->push_back(at);
}

}  // namespace

std::vector<PropertyPath> LeafPaths(const PropertyMap& values) {
  std::vector<PropertyPath> out;
  for (const auto& [k, v] : values) CollectLeaves(v, PropertyPath().Key(k), &out);
  return out;
}

bool ContainsFnSecret(const nlohmann::ordered_json& j) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "fn::secret" || ContainsFnSecret(v)) return true;
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (ContainsFnSecret(v)) return true;
    }
  }
  return false;
}

}  // namespace escnative::resources
