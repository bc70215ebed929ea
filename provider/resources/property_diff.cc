#include "provider/resources/property_diff.h"

#include <algorithm>
#include <set>

#include "provider/value/property_path.h"

namespace escnative::resources {
namespace {

using Kind = PropertyDiff::Kind;

struct Differ {
  const std::vector<PropertyPath>& ignored;
  bool replace = false;  // the current top-level property replaces on change
  std::map<std::string, PropertyDiff>* out;

  bool Ignored(const PropertyPath& path) const {
    for (const auto& p : ignored) {
      if (path.HasPrefix(p)) return true;
    }
    return false;
  }

  void Emit(const PropertyPath& path, Kind kind) {
    if (Ignored(path)) return;
    if (replace) {
      kind = kind == Kind::kAdd      ? Kind::kAddReplace
             : kind == Kind::kDelete ? Kind::kDeleteReplace
                                     : Kind::kUpdateReplace;
    }
    (*out)[path.ToString()] = PropertyDiff{kind, /*input_diff=*/true};
  }

  void Compare(const PropertyPath& path, const PropertyValue& o, const PropertyValue& n) {
    if (n.IsComputed() || (n.IsSecret() && n.Unsecret().IsComputed())) {
      Emit(path, Kind::kUpdate);
      return;
    }
    if (o.IsSecret() || n.IsSecret()) {
      if (o.RemoveSecrets() != n.RemoveSecrets()) Emit(path, Kind::kUpdate);
      return;
    }
    if (o.IsObject() && n.IsObject()) {
      const auto& om = o.AsObject();
      const auto& nm = n.AsObject();
      for (const auto& [k, ov] : om) {
        const PropertyValue* nv = Find(nm, k);
        if (nv == nullptr || nv->IsNull()) {
          if (!ov.IsNull()) Emit(path.Key(k), Kind::kDelete);
        } else {
          Compare(path.Key(k), ov, *nv);
        }
      }
      for (const auto& [k, nv] : nm) {
        const PropertyValue* ov = Find(om, k);
        if ((ov == nullptr || ov->IsNull()) && !nv.IsNull()) Emit(path.Key(k), Kind::kAdd);
      }
      return;
    }
    if (o.IsArray() && n.IsArray()) {
      const auto& oa = o.AsArray();
      const auto& na = n.AsArray();
      size_t common = std::min(oa.size(), na.size());
      for (size_t i = 0; i < common; ++i) Compare(path.Index(i), oa[i], na[i]);
      for (size_t i = common; i < oa.size(); ++i) Emit(path.Index(i), Kind::kDelete);
      for (size_t i = common; i < na.size(); ++i) Emit(path.Index(i), Kind::kAdd);
      return;
    }
    if (o != n) Emit(path, Kind::kUpdate);
  }
};

}  // namespace

DiffResult DiffInputs(const ObjectSpec& spec, const PropertyMap& olds, const PropertyMap& news,
                      const std::vector<std::string>& ignore_changes) {
  std::vector<PropertyPath> ignored;
  for (const auto& text : ignore_changes) {
    auto p = PropertyPath::Parse(text);
    if (p.ok()) ignored.push_back(*std::move(p));
  }
  DiffResult result;
  Differ differ{ignored, false, &result.detailed_diff};
  // Walk the union of top-level keys so each gets its own replace flag.
  std::set<std::string> keys;
  for (const auto& [k, v] : olds) keys.insert(k);
  for (const auto& [k, v] : news) keys.insert(k);
  for (const auto& key : keys) {
    auto spec_it = spec.properties.find(key);
    differ.replace = spec_it != spec.properties.end() && spec_it->second.replace_on_changes;
    const PropertyValue* o = Find(olds, key);
    const PropertyValue* n = Find(news, key);
    const PropertyPath path = PropertyPath().Key(key);
    size_t before = result.detailed_diff.size();
    if (o == nullptr || o->IsNull()) {
      if (n != nullptr && !n->IsNull()) differ.Emit(path, Kind::kAdd);
    } else if (n == nullptr || n->IsNull()) {
      differ.Emit(path, Kind::kDelete);
    } else {
      differ.Compare(path, *o, *n);
    }
    if (result.detailed_diff.size() != before) {
      result.diffs.push_back(key);
      if (differ.replace) result.replaces.push_back(key);
    }
  }
  result.changes =
      result.detailed_diff.empty() ? DiffResult::Changes::kNone : DiffResult::Changes::kSome;
  return result;
}

}  // namespace escnative::resources
