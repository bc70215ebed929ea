// Thin RAII wrapper over the SQLite C API: a connection, cached prepared
// statements, and SQLite result codes mapped to absl::Status.
//
// Not thread-safe: the owner serialises access (SqliteStore holds a mutex).
#ifndef PROVIDER_STORE_SQLITE_DB_H_
#define PROVIDER_STORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace escnative::store {

// Maps a SQLite result code to a status code:
//   BUSY/LOCKED -> Unavailable (retryable), CORRUPT/NOTADB -> DataLoss,
//   FULL -> ResourceExhausted, READONLY/PERM/CANTOPEN -> FailedPrecondition,
//   CONSTRAINT -> FailedPrecondition, anything else -> Internal.
// The message carries `what` and SQLite's text, which names tables and
// columns but never bound values.
absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view what);

// A prepared statement borrowed from the connection's cache. Destruction
// resets it and clears its bindings, so no bound value lingers.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, absl::string_view(text)); }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, absl::string_view(text));
  }
  Statement& Bind(int index, std::optional<int64_t> value);
  Statement& BindBlob(int index, absl::string_view bytes);

  // true: a row is available; false: done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();

  int64_t Int(int col) const;
  std::optional<int64_t> OptionalInt(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class SqliteDb {
 public:
  // Opens `path` with the given sqlite3_open_v2 flags (never creating it
  // unless SQLITE_OPEN_CREATE is in `flags`).
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, int flags);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without parameters.
  absl::Status Exec(absl::string_view sql);
  // Runs one parameterless statement through the statement cache (for the
  // transaction-control statements issued on every write).
  absl::Status Run(absl::string_view sql);
  // A cached prepared statement for `sql` (which must be a string literal or
  // otherwise outlive nothing: the cache keys on its text).
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // First column of the first row as an integer (e.g. PRAGMA user_version).
  absl::StatusOr<int64_t> QueryInt(absl::string_view sql);
  // First column of the first row as text.
  absl::StatusOr<std::string> QueryText(absl::string_view sql);

  // Waits up to `timeout` for a lock held by another connection, polling
  // with short jittered sleeps (SQLite's own handler backs off to 100 ms
  // sleeps, which starves a waiter behind a writer that commits in a loop).
  void SetBusyTimeout(absl::Duration timeout);

  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  static int BusyHandler(void* self, int attempt);

  sqlite3* db_;
  absl::Duration busy_timeout_ = absl::ZeroDuration();
  absl::Time busy_since_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace escnative::store

#endif  // PROVIDER_STORE_SQLITE_DB_H_
