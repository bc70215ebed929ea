// An EnvironmentLoader over an in-memory map of definitions.
#ifndef TESTS_ESC_TESTING_MAP_LOADER_H_
#define TESTS_ESC_TESTING_MAP_LOADER_H_

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/esc/evaluator.h"

namespace escnative::esc::testing {

class MapLoader : public EnvironmentLoader {
 public:
  explicit MapLoader(std::map<std::string, std::string> envs, const Decrypter* dec = nullptr)
      : envs_(std::move(envs)), dec_(dec) {}
  absl::StatusOr<LoadedEnvironment> Load(std::string_view ref) const override {
    ++loads_[std::string(ref)];
    auto it = envs_.find(std::string(ref));
    if (it == envs_.end()) return absl::NotFoundError("not found");
    return LoadedEnvironment{it->first, it->second, dec_};
  }
  int loads(const std::string& ref) const {
    auto it = loads_.find(ref);
    return it == loads_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, std::string> envs_;
  const Decrypter* dec_;
  mutable std::map<std::string, int> loads_;
};

}  // namespace escnative::esc::testing

#endif  // TESTS_ESC_TESTING_MAP_LOADER_H_
