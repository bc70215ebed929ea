// The one parser for user-given durations (AccessToken `expiresIn` and
// `rotateBefore`, escctl `--expires-in`), so every entry point accepts the
// same text and the same range.
#ifndef PROVIDER_UTIL_DURATION_H_
#define PROVIDER_UTIL_DURATION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace escnative::util {

// Ten years of 365 days (3650d, 87600h): longer than any token should live,
// and far from the overflow of absl::Time arithmetic and of the store's
// microseconds.
inline constexpr absl::Duration kMaxDuration = absl::Hours(24 * 3650);

// A positive duration in Go syntax ("720h", "1h30m", "90s") or whole days
// ("30d"), at most kMaxDuration. Errors say what is expected and echo the
// text through util::Echo.
absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view text);

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_DURATION_H_
