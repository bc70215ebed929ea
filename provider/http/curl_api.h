// libcurl's entry points, loaded with dlopen on first use (client.h says
// why). Internal to provider/http.
#ifndef PROVIDER_HTTP_CURL_API_H_
#define PROVIDER_HTTP_CURL_API_H_

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "absl/status/statusor.h"

namespace escnative::http::internal {

struct CurlApi {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads libcurl.so.4 and runs curl_global_init once; the same table after.
absl::StatusOr<const CurlApi*> LoadCurl();

}  // namespace escnative::http::internal

#endif  // PROVIDER_HTTP_CURL_API_H_
