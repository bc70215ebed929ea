// Environment-variable lookup, injected so tests need not touch the process
// environment (the provider's configuration, escctl).
#ifndef PROVIDER_UTIL_ENV_LOOKUP_H_
#define PROVIDER_UTIL_ENV_LOOKUP_H_

#include <functional>
#include <optional>
#include <string>

namespace escnative::util {

// The value of `name`, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_ENV_LOOKUP_H_
