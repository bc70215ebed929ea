// Propagation macros for absl::Status / absl::StatusOr.
//
// Abseil 20220623 (Debian 12) has no status_macros.h; these mirror the names
// and semantics of the later ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN so a
// switch is a rename. Both expand to several statements: never use them as the
// body of an unbraced if/else.
#ifndef PROVIDER_UTIL_STATUS_MACROS_H_
#define PROVIDER_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ESC_CONCAT_INNER_(a, b) a##b
#define ESC_CONCAT_(a, b) ESC_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::absl::Status esc_status_ = (expr);              \
    if (!esc_status_.ok()) return esc_status_;        \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(ESC_CONCAT_(esc_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) return tmp.status();           \
  lhs = *std::move(tmp)

#endif  // PROVIDER_UTIL_STATUS_MACROS_H_
