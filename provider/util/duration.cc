#include "provider/util/duration.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"

namespace escnative::util {

absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view text) {
  absl::Duration d;
  bool parsed = false;
  // Go has no day unit; "30d" is accepted as a convenience. The day count is
  // range-checked before it is multiplied, so it cannot overflow.
  if (!text.empty() && text.back() == 'd') {
    int64_t days = 0;
    if (absl::SimpleAtoi(text.substr(0, text.size() - 1), &days)) {
      parsed = true;
      const int64_t max_days = kMaxDuration / absl::Hours(24);
      d = days > max_days ? absl::InfiniteDuration() : absl::Hours(24) * days;
    }
  }
  if (!parsed) parsed = absl::ParseDuration(std::string(text), &d);
  if (!parsed || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", Echo(ToStd(text)),
                     "\" is not a positive duration; expected e.g. 720h, 1h30m or 30d"));
  }
  if (d > kMaxDuration) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", Echo(ToStd(text)),
                     "\" is longer than the maximum of 10 years (3650d or 87600h)"));
  }
  return d;
}

}  // namespace escnative::util
