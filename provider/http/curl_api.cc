#include "provider/http/curl_api.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

namespace escnative::http::internal {
namespace {

template <typename F>
bool Resolve(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

absl::StatusOr<CurlApi> Load() {
  void* lib = nullptr;
  std::string why;
  for (const char* name : {"libcurl.so.4", "libcurl.so"}) {
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib != nullptr) break;
    const char* err = dlerror();
    if (why.empty() && err != nullptr) why = err;
  }
  if (lib == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the cloud backend needs libcurl (libcurl.so.4; Debian package libcurl4): ", why));
  }
  CurlApi api{};
  using GlobalInit = decltype(&::curl_global_init);
  GlobalInit global_init = nullptr;
  bool ok = Resolve(lib, "curl_global_init", &global_init) &&
            Resolve(lib, "curl_easy_init", &api.easy_init) &&
            Resolve(lib, "curl_easy_cleanup", &api.easy_cleanup) &&
            Resolve(lib, "curl_easy_reset", &api.easy_reset) &&
            Resolve(lib, "curl_easy_setopt", &api.easy_setopt) &&
            Resolve(lib, "curl_easy_perform", &api.easy_perform) &&
            Resolve(lib, "curl_easy_getinfo", &api.easy_getinfo) &&
            Resolve(lib, "curl_easy_strerror", &api.easy_strerror) &&
            Resolve(lib, "curl_slist_append", &api.slist_append) &&
            Resolve(lib, "curl_slist_free_all", &api.slist_free_all);
  if (!ok) return absl::FailedPreconditionError("libcurl lacks an expected function");
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return absl::InternalError("curl_global_init failed");
  }
  return api;  // `lib` stays loaded for the life of the process
}

}  // namespace

absl::StatusOr<const CurlApi*> LoadCurl() {
  static std::once_flag once;
  static absl::StatusOr<CurlApi>* loaded = nullptr;
  std::call_once(once, [] { loaded = new absl::StatusOr<CurlApi>(Load()); });
  if (!loaded->ok()) return loaded->status();
  return &**loaded;
}

}  // namespace escnative::http::internal
