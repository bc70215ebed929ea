#include "provider/store/definition_check.h"

#include <yaml-cpp/yaml.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace escnative::store {
namespace {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

absl::Status Walk(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("<key>");
      const std::string child = Join(path, key);
      if (key == "fn::secret") {
        const YAML::Node& v = kv.second;
        const bool ciphertext_form =
            v.IsMap() && v.size() == 1 && v["ciphertext"] && v["ciphertext"].IsScalar();
        if (!ciphertext_form) {
          return absl::InvalidArgumentError(
              absl::StrCat("definition holds a plaintext secret at ", child,
                           "; encrypt it (fn::secret: {ciphertext: ...}) before storing"));
        }
        continue;
      }
      if (absl::Status s = Walk(kv.second, child); !s.ok()) return s;
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (absl::Status s = Walk(node[i], absl::StrCat(path, "[", i, "]")); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNoPlaintextSecrets(absl::string_view yaml) {
  // Cheap exit: no secret syntax at all (also covers the empty definition).
  if (yaml.find("fn::secret") == absl::string_view::npos) {
    return absl::OkStatus();
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    return Walk(root, "");
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's fixed description; e.mark gives the position. The
    // offending text itself is not included.
    return absl::InvalidArgumentError(absl::StrCat("definition is not valid YAML (line ",
                                                   e.mark.line + 1, ", column ", e.mark.column + 1,
                                                   "): ", e.msg));
  } catch (...) {
    return absl::InvalidArgumentError("definition is not valid YAML");
  }
}

}  // namespace escnative::store
