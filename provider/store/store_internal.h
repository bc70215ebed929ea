// The SQLite store's private helpers, shared by its source files: constants,
// name validation, file prechecks, keyring and audit rows, transactions with
// retry. Not part of the store's interface: include store.h instead.
#ifndef PROVIDER_STORE_STORE_INTERNAL_H_
#define PROVIDER_STORE_STORE_INTERNAL_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "provider/api/names.h"
#include "provider/crypto/access_token.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/random.h"
#include "provider/crypto/xchacha20poly1305_aead.h"
#include "provider/store/definition_check.h"
#include "provider/store/migrations.h"
#include "provider/store/sqlite_db.h"
#include "provider/store/store.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/util/string_view.h"

namespace escnative::store::internal {

inline constexpr absl::string_view kSecretsSubkeyContext = "escsecrt";
inline constexpr uint64_t kSecretsSubkeyId = 1;
inline constexpr absl::string_view kTokensSubkeyContext = "esctoken";
inline constexpr uint64_t kTokensSubkeyId = 2;
inline constexpr absl::Duration kLastUsedGranularity = absl::Minutes(1);
inline constexpr absl::string_view kLatest = "latest";
inline constexpr absl::string_view kInvalidToken = "access token is invalid, expired or revoked";
int64_t ToUs(absl::Time t);
absl::Time FromUs(int64_t us);
std::optional<absl::Time> FromOptUs(std::optional<int64_t> us);

// ---------------------------------------------------------------------------
// Validation (messages name the field; identifiers are not secret).

// Names in messages are user input: escaped and capped.
std::string EchoInput(absl::string_view s);
absl::Status ValidateActor(absl::string_view actor);
absl::Status ValidateEnvironmentTag(absl::string_view name, absl::string_view value);
// Names, references, revision tags and scopes follow the API's rules.
using api::ValidateEnvironmentRef;
using api::ValidateRevisionTagName;
using api::ValidateScopePattern;

// ---------------------------------------------------------------------------
// Scopes <-> JSON.

std::string ScopesToJson(const std::vector<TokenScope>& scopes);
absl::StatusOr<std::vector<TokenScope>> ScopesFromJson(const std::string& text);

// ---------------------------------------------------------------------------
// File checks done before SQLite touches an existing file.

// Big-endian 32-bit from the header.
uint32_t Be32(const unsigned char* p);
absl::Status PrecheckExistingFile(const std::string& path, int64_t size);

// Creates `path` with mode 0600 if it does not exist. Sets *created.
absl::Status CreateFileIfMissing(const std::string& path, bool create, bool* created,
                                 int64_t* size);

// ---------------------------------------------------------------------------
// Keyring rows.

absl::StatusOr<std::optional<crypto::WrappedDataKey>> LoadKeyring(SqliteDb& db);
bool SameKeyring(const crypto::WrappedDataKey& a, const crypto::WrappedDataKey& b);
absl::Status SaveKeyring(SqliteDb& db, const crypto::WrappedDataKey& w, int64_t now_us);
absl::Status InsertAudit(SqliteDb& db, int64_t now_us, absl::string_view actor,
                         absl::string_view action, absl::string_view target, absl::string_view path,
                         absl::string_view paths = "");

// Changed paths as stored: newline-separated, at most kMaxAuditPaths.
std::string JoinPaths(const std::vector<std::string>& paths);

// ---------------------------------------------------------------------------
// Transactions with retry on SQLITE_BUSY.

bool IsBusy(const absl::Status& s);
void Backoff(int attempt);

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on any error and
// retrying the whole transaction when SQLite reports busy.
template <typename Fn>
absl::Status RunWriteTxn(SqliteDb& db, int retries, Fn&& body) {
  for (int attempt = 0;; ++attempt) {
    absl::Status s = db.Run("BEGIN IMMEDIATE");
    if (s.ok()) {
      s = body();
      if (s.ok()) s = db.Run("COMMIT");
      if (s.ok()) return s;
      // ROLLBACK may fail only if SQLite already rolled back; ignore.
      db.Run("ROLLBACK").IgnoreError();
    }
    if (!IsBusy(s) || attempt >= retries) return s;
    Backoff(attempt);
  }
}

template <typename Fn>
absl::Status RunReadTxn(SqliteDb& db, int retries, Fn&& body) {
  for (int attempt = 0;; ++attempt) {
    absl::Status s = db.Run("BEGIN");
    if (s.ok()) {
      s = body();
      absl::Status end = db.Run(s.ok() ? "COMMIT" : "ROLLBACK");
      if (s.ok()) s = end;
      if (s.ok()) return s;
    }
    if (!IsBusy(s) || attempt >= retries) return s;
    Backoff(attempt);
  }
}

}  // namespace escnative::store::internal

#endif  // PROVIDER_STORE_STORE_INTERNAL_H_
