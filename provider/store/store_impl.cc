// SQLite implementation of Store. See store.h for the contract and
// docs/store-format.md for the file format.
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
#include "provider/crypto/access_token.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/random.h"
#include "provider/crypto/xchacha20poly1305_aead.h"
#include "provider/store/definition_check.h"
#include "provider/store/schema.h"
#include "provider/store/sqlite_db.h"
#include "provider/store/store.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::store {
namespace {

constexpr absl::string_view kSecretsSubkeyContext = "escsecrt";
constexpr uint64_t kSecretsSubkeyId = 1;
constexpr absl::string_view kTokensSubkeyContext = "esctoken";
constexpr uint64_t kTokensSubkeyId = 2;
constexpr absl::Duration kLastUsedGranularity = absl::Minutes(1);
constexpr absl::string_view kLatest = "latest";
constexpr absl::string_view kInvalidToken = "access token is invalid, expired or revoked";

int64_t ToUs(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
std::optional<absl::Time> FromOptUs(std::optional<int64_t> us) {
  if (!us.has_value()) return std::nullopt;
  return FromUs(*us);
}

// ---------------------------------------------------------------------------
// Validation (messages name the field; identifiers are not secret).

bool IsNameChar(char c, bool allow_dot) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
         (allow_dot && c == '.');
}

// Names in messages are user input: escaped and capped.
std::string EchoInput(absl::string_view s) {
  return util::Echo(std::string_view(s.data(), s.size()));
}

absl::Status ValidateName(absl::string_view what, absl::string_view s, bool allow_dot,
                          size_t max_len) {
  if (s.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " must not be empty"));
  if (s.size() > max_len) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is longer than ", max_len, " characters"));
  }
  for (char c : s) {
    if (!IsNameChar(c, allow_dot)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " \"", EchoInput(s), "\" may contain only letters, digits, '-', '_'",
                       allow_dot ? " and '.'" : ""));
    }
  }
  if (s == "." || s == "..") {
    return absl::InvalidArgumentError(absl::StrCat(what, " may not be \"", s, "\""));
  }
  return absl::OkStatus();
}

absl::Status ValidateRef(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(ValidateName("organization", ref.organization, false, 40));
  RETURN_IF_ERROR(ValidateName("project", ref.project, true, 100));
  RETURN_IF_ERROR(ValidateName("environment name", ref.name, true, 100));
  return absl::OkStatus();
}

absl::Status ValidateActor(absl::string_view actor) {
  if (actor.empty()) return absl::InvalidArgumentError("actor must not be empty");
  if (actor.size() > 200) return absl::InvalidArgumentError("actor is too long");
  return absl::OkStatus();
}

// Revision tag names: a version string starting with a digit is a revision
// number, so a tag may not start with one; "latest" is built in.
absl::Status ValidateRevisionTagName(absl::string_view name) {
  RETURN_IF_ERROR(ValidateName("revision tag name", name, true, 100));
  if (absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
    return absl::InvalidArgumentError("revision tag name may not start with a digit");
  }
  if (name == kLatest) {
    return absl::InvalidArgumentError(
        "the \"latest\" tag is built in and always points at the newest "
        "revision; it cannot be created, moved or deleted");
  }
  return absl::OkStatus();
}

absl::Status ValidateEnvironmentTag(absl::string_view name, absl::string_view value) {
  if (name.empty() || name.size() > 200) {
    return absl::InvalidArgumentError("environment tag name must be 1 to 200 characters");
  }
  if (value.size() > 4096) {
    return absl::InvalidArgumentError("environment tag value is longer than 4096 characters");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return absl::InvalidArgumentError("environment tag name may not contain control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateScopePattern(absl::string_view pattern) {
  std::vector<absl::string_view> parts = absl::StrSplit(pattern, '/');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope environment \"", EchoInput(pattern),
                     "\" must be \"org/project/name\" (any segment may be \"*\")"));
  }
  const char* what[] = {"scope organization", "scope project", "scope environment name"};
  for (size_t i = 0; i < 3; ++i) {
    if (parts[i] == "*") continue;
    RETURN_IF_ERROR(ValidateName(what[i], parts[i], i != 0, 100));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Scopes <-> JSON.

std::string ScopesToJson(const std::vector<TokenScope>& scopes) {
  nlohmann::json arr = nlohmann::json::array();
  for (const TokenScope& s : scopes) {
    arr.push_back({{"environment", s.environment},
                   {"permission", std::string(PermissionName(s.permission))}});
  }
  return arr.dump();
}

absl::StatusOr<std::vector<TokenScope>> ScopesFromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return absl::DataLossError("stored token scopes are not a JSON array");
  }
  std::vector<TokenScope> out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("environment") || !e["environment"].is_string() ||
        !e.contains("permission") || !e["permission"].is_string()) {
      return absl::DataLossError("stored token scope is malformed");
    }
    TokenScope s;
    s.environment = e["environment"].get<std::string>();
    absl::StatusOr<Permission> p = ParsePermission(e["permission"].get<std::string>());
    if (!p.ok()) return absl::DataLossError("stored token scope is malformed");
    s.permission = *p;
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------
// File checks done before SQLite touches an existing file.

// Big-endian 32-bit from the header.
uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

absl::Status PrecheckExistingFile(const std::string& path, int64_t size) {
  const std::string what = absl::StrCat("store file ", path);
  if (size < 100) {
    return absl::DataLossError(
        absl::StrCat(what, " is not a valid store: too short for a SQLite database (", size,
                     " bytes; truncated?)"));
  }
  unsigned char header[100];
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, ": ", std::strerror(errno)));
  }
  const ssize_t n = ::pread(fd, header, sizeof header, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof header)) {
    return absl::DataLossError(absl::StrCat("cannot read the header of ", what));
  }
  if (std::memcmp(header, "SQLite format 3\0", 16) != 0) {
    return absl::DataLossError(absl::StrCat(what, " is not a store: it is not a SQLite database"));
  }
  uint32_t page_size = (uint32_t{header[16]} << 8) | header[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
    return absl::DataLossError(absl::StrCat(what, " is corrupt: invalid page size in the header"));
  }
  // The in-header page count is trustworthy when "version-valid-for" equals
  // the change counter. Skip the size check while a WAL has content: after a
  // crash in the middle of a checkpoint the main file may legitimately be
  // short until the WAL is replayed.
  struct stat wal;
  const bool wal_has_content = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
  const uint32_t pages = Be32(header + 28);
  if (!wal_has_content && Be32(header + 92) == Be32(header + 24) && pages > 0 &&
      static_cast<uint64_t>(size) < uint64_t{pages} * page_size) {
    return absl::DataLossError(absl::StrCat(what, " is truncated: the header says ",
                                            uint64_t{pages} * page_size, " bytes but the file has ",
                                            size));
  }
  return absl::OkStatus();
}

// Creates `path` with mode 0600 if it does not exist. Sets *created.
absl::Status CreateFileIfMissing(const std::string& path, bool create, bool* created,
                                 int64_t* size) {
  *created = false;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("store path ", path, " is a directory; expected the store file"));
    }
    if (!S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("store path ", path, " is not a regular file"));
    }
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "store file ", path, " is not readable and writable by this user (", std::strerror(errno),
          "); every command writes to it, even opens (audit log)"));
    }
    // An empty file is about to become a store: it must not stay readable
    // by others (SQLite gives -wal/-shm the main file's mode).
    if (st.st_size == 0 && (st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot make store file ", path, " private: ", std::strerror(errno)));
    }
    *size = st.st_size;
    return absl::OkStatus();
  }
  if (errno != ENOENT) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot stat store file ", path, ": ", std::strerror(errno)));
  }
  if (!create) {
    return absl::NotFoundError(absl::StrCat("store file ", path, " does not exist"));
  }
  // O_EXCL: exactly one of several racing processes creates it; the mode is
  // set at creation, so the file is never readable by others, not even
  // briefly. SQLite gives -wal/-shm the main file's permissions.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) {  // lost the race: treat as existing
      if (::stat(path.c_str(), &st) != 0) {
        return absl::FailedPreconditionError(absl::StrCat("cannot stat store file ", path));
      }
      *size = st.st_size;
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create store file ", path, ": ", std::strerror(errno)));
  }
  ::close(fd);
  *created = true;
  *size = 0;
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Keyring rows.

absl::StatusOr<std::optional<crypto::WrappedDataKey>> LoadKeyring(SqliteDb& db) {
  ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT kdf, opslimit, memlimit, salt, "
                                            "wrapped_key, key_check FROM keyring WHERE id = 1"));
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<crypto::WrappedDataKey>();
  crypto::WrappedDataKey w;
  w.kdf = st.Text(0);
  w.params.opslimit = static_cast<uint64_t>(st.Int(1));
  w.params.memlimit = static_cast<uint64_t>(st.Int(2));
  w.salt = st.Blob(3);
  w.wrapped_key = st.Blob(4);
  w.key_check = st.Blob(5);
  return std::optional<crypto::WrappedDataKey>(std::move(w));
}

bool SameKeyring(const crypto::WrappedDataKey& a, const crypto::WrappedDataKey& b) {
  return a.kdf == b.kdf && a.params.opslimit == b.params.opslimit &&
         a.params.memlimit == b.params.memlimit && a.salt == b.salt &&
         a.wrapped_key == b.wrapped_key && a.key_check == b.key_check;
}

absl::Status SaveKeyring(SqliteDb& db, const crypto::WrappedDataKey& w, int64_t now_us) {
  ASSIGN_OR_RETURN(Statement st,
                   db.Prepare("INSERT INTO keyring (id, kdf, opslimit, memlimit, salt, "
                              "wrapped_key, key_check, created_us, modified_us) "
                              "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
                              "ON CONFLICT (id) DO UPDATE SET kdf = ?1, opslimit = ?2, "
                              "memlimit = ?3, salt = ?4, wrapped_key = ?5, key_check = ?6, "
                              "modified_us = ?7"));
  st.Bind(1, w.kdf)
      .Bind(2, static_cast<int64_t>(w.params.opslimit))
      .Bind(3, static_cast<int64_t>(w.params.memlimit))
      .BindBlob(4, w.salt)
      .BindBlob(5, w.wrapped_key)
      .BindBlob(6, w.key_check)
      .Bind(7, now_us);
  return st.Run();
}

absl::Status InsertAudit(SqliteDb& db, int64_t now_us, absl::string_view actor,
                         absl::string_view action, absl::string_view target, absl::string_view path,
                         absl::string_view paths = "") {
  // Without paths the v1 column list: also right for a store not yet
  // migrated (an audited failed unlock).
  ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare(paths.empty() ? "INSERT INTO audit_log (time_us, actor, action, "
                                 "target, path) VALUES (?1, ?2, ?3, ?4, ?5)"
                               : "INSERT INTO audit_log (time_us, actor, action, "
                                 "target, path, paths) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st.Bind(1, now_us).Bind(2, actor).Bind(3, action).Bind(4, target).Bind(5, path);
  if (!paths.empty()) st.Bind(6, paths);
  return st.Run();
}

// Changed paths as stored: newline-separated, at most kMaxAuditPaths.
std::string JoinPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> kept(paths.begin(),
                                paths.begin() + std::min(paths.size(), kMaxAuditPaths));
  if (paths.size() > kMaxAuditPaths) {
    kept.push_back(absl::StrCat("… and ", paths.size() - kMaxAuditPaths, " more"));
  }
  return absl::StrJoin(kept, "\n");
}

// ---------------------------------------------------------------------------
// Transactions with retry on SQLITE_BUSY.

bool IsBusy(const absl::Status& s) { return s.code() == absl::StatusCode::kUnavailable; }

void Backoff(int attempt) {
  // Randomised so that two processes that collided do not collide again.
  const uint32_t cap_ms = 2u << std::min(attempt, 6);
  absl::SleepFor(absl::Milliseconds(1 + crypto::RandomUniform(cap_ms)));
}

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

// ---------------------------------------------------------------------------

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteDb> db, std::unique_ptr<SqliteDb> read_db, const Clock* clock,
              int retries, int schema_version, std::unique_ptr<crypto::Aead> secrets_aead,
              std::unique_ptr<crypto::AccessTokenHasher> hasher)
      : db_(std::move(db)),
        read_db_(std::move(read_db)),
        clock_(clock),
        retries_(retries),
        schema_version_(schema_version),
        secrets_aead_(std::move(secrets_aead)),
        hasher_(std::move(hasher)) {}

  int SchemaVersion() const override { return schema_version_; }
  const crypto::Aead& SecretsAead() const override { return *secrets_aead_; }

  absl::Status Rekey(const crypto::Credential& old_credential,
                     const crypto::Credential& new_credential, const crypto::KdfParams& params,
                     absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(std::optional<crypto::WrappedDataKey> current, LoadKeyring(db));
      if (!current.has_value()) return absl::DataLossError("store has no keyring");
      ASSIGN_OR_RETURN(crypto::WrappedDataKey next,
                       crypto::RewrapKeyring(*current, old_credential, new_credential, params));
      RETURN_IF_ERROR(SaveKeyring(db, next, NowUs()));
      return Audit(db, actor, "store.rekey", "store", "");
    });
  }

  absl::Status IntegrityCheck() override {
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::string problems;
    {
      ASSIGN_OR_RETURN(Statement st, db.Prepare("PRAGMA integrity_check(20)"));
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        const std::string line = st.Text(0);
        if (line != "ok") absl::StrAppend(&problems, line, "; ");
      }
    }
    {
      ASSIGN_OR_RETURN(Statement st, db.Prepare("PRAGMA foreign_key_check"));
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        absl::StrAppend(&problems, "foreign key violation in ", st.Text(0), "; ");
      }
    }
    if (!problems.empty()) {
      return absl::DataLossError(absl::StrCat("integrity check failed: ", problems));
    }
    return absl::OkStatus();
  }

  // --- environments ----------------------------------------------------------

  absl::StatusOr<EnvironmentInfo> CreateEnvironment(const EnvironmentRef& ref,
                                                    absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    EnvironmentInfo info;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          absl::StatusOr<EnvRow> existing = LoadEnv(db, ref);
          if (existing.ok()) {
            return absl::AlreadyExistsError(
                absl::StrCat("environment ", ref.ToString(), " already exists"));
          }
          if (!absl::IsNotFound(existing.status())) return existing.status();
          const int64_t now = NowUs();
          {
            ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("INSERT INTO environments (org, project, name, "
                                        "created_us, modified_us, latest_revision) "
                                        "VALUES (?1, ?2, ?3, ?4, ?4, 0)"));
            st.Bind(1, ref.organization).Bind(2, ref.project).Bind(3, ref.name).Bind(4, now);
            RETURN_IF_ERROR(st.Run());
          }
          ASSIGN_OR_RETURN(EnvRow env, LoadEnvRowOnly(db, ref));
          // Revision 1 is the empty definition, as in ESC.
          ASSIGN_OR_RETURN(RevisionInfo rev, AppendRevision(db, env, "", actor));
          RETURN_IF_ERROR(Audit(db, actor, "environment.create", ref.ToString(), ""));
          info.ref = ref;
          info.created = info.modified = FromUs(now);
          info.latest_revision = rev.number;
          info.etag = rev.etag;
          return absl::OkStatus();
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return info;
  }

  absl::StatusOr<EnvironmentInfo> GetEnvironment(const EnvironmentRef& ref) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    return ToInfo(ref, env);
  }

  absl::StatusOr<std::vector<EnvironmentInfo>> ListEnvironments(
      absl::string_view organization, absl::string_view project) override {
    RETURN_IF_ERROR(ValidateName("organization", organization, false, 40));
    if (!project.empty()) RETURN_IF_ERROR(ValidateName("project", project, true, 100));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::vector<EnvironmentInfo> out;
    if (absl::Status txn_status = RunReadTxn(
            db, retries_,
            [&]() -> absl::Status {
              out.clear();
              ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("SELECT e.project, e.name, e.created_us, e.modified_us, "
                                          "e.deletion_protected, e.latest_revision, r.etag "
                                          "FROM environments e JOIN revisions r "
                                          "ON r.env_id = e.id AND r.number = e.latest_revision "
                                          "WHERE e.org = ?1 AND (?2 = '' OR e.project = ?2) "
                                          "ORDER BY e.project, e.name"));
              st.Bind(1, organization).Bind(2, project);
              while (true) {
                ASSIGN_OR_RETURN(bool row, st.Step());
                if (!row) break;
                EnvironmentInfo info;
                info.ref = {std::string(organization), st.Text(0), st.Text(1)};
                info.created = FromUs(st.Int(2));
                info.modified = FromUs(st.Int(3));
                info.deletion_protected = st.Int(4) != 0;
                info.latest_revision = st.Int(5);
                info.etag = st.Text(6);
                out.push_back(std::move(info));
              }
              return absl::OkStatus();
            });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::Status DeleteEnvironment(const EnvironmentRef& ref, absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
      if (env.deletion_protected) {
        return absl::FailedPreconditionError(
            absl::StrCat("environment ", ref.ToString(),
                         " is deletion protected; turn deletion protection off first"));
      }
      ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM environments WHERE id = ?1"));
      st.Bind(1, env.id);
      RETURN_IF_ERROR(st.Run());
      return Audit(db, actor, "environment.delete", ref.ToString(), "");
    });
  }

  absl::Status SetDeletionProtected(const EnvironmentRef& ref, bool is_protected,
                                    absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
      ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE environments SET deletion_protected "
                                                "= ?2, modified_us = ?3 WHERE id = ?1"));
      st.Bind(1, env.id).Bind(2, int64_t{is_protected ? 1 : 0}).Bind(3, NowUs());
      RETURN_IF_ERROR(st.Run());
      return Audit(db, actor, "environment.settings", ref.ToString(),
                   is_protected ? "deletionProtected=true" : "deletionProtected=false");
    });
  }

  // --- revisions -------------------------------------------------------------

  absl::StatusOr<RevisionInfo> UpdateDefinition(const EnvironmentRef& ref, absl::string_view yaml,
                                                const UpdateOptions& options) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(options.actor));
    RETURN_IF_ERROR(CheckNoPlaintextSecrets(yaml));
    RevisionInfo out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          RETURN_IF_ERROR(CheckEtag(ref, env, options));
          ASSIGN_OR_RETURN(out, AppendRevision(db, env, yaml, options.actor));
          return Audit(db, options.actor, "environment.update", ref.ToString(), options.audit_path,
                       JoinPaths(options.changed_paths));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<Definition> ReadDefinition(const EnvironmentRef& ref,
                                            absl::string_view version) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    Definition out;
    if (absl::Status txn_status =
            RunReadTxn(db, retries_,
                       [&]() -> absl::Status {
                         ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                         ASSIGN_OR_RETURN(int64_t number, ResolveVersion(db, ref, env, version));
                         ASSIGN_OR_RETURN(out, LoadDefinition(db, ref, env, number));
                         return absl::OkStatus();
                       });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<RevisionInfo> GetRevision(const EnvironmentRef& ref, int64_t number) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    RevisionInfo out;
    if (absl::Status txn_status = RunReadTxn(db, retries_,
                                             [&]() -> absl::Status {
                                               ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                                               ASSIGN_OR_RETURN(out,
                                                                LoadRevision(db, ref, env, number));
                                               return absl::OkStatus();
                                             });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<std::vector<RevisionInfo>> ListRevisions(const EnvironmentRef& ref,
                                                          std::optional<int64_t> before,
                                                          int count) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::vector<RevisionInfo> out;
    if (absl::Status txn_status = RunReadTxn(
            db, retries_,
            [&]() -> absl::Status {
              out.clear();
              ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
              int64_t next = before.has_value() ? std::min(*before - 1, env.latest) : env.latest;
              for (; next >= 1 && (count <= 0 || static_cast<int>(out.size()) < count); --next) {
                ASSIGN_OR_RETURN(RevisionInfo rev, LoadRevision(db, ref, env, next));
                out.push_back(std::move(rev));
              }
              return absl::OkStatus();
            });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<RevisionInfo> Rollback(const EnvironmentRef& ref, absl::string_view version,
                                        const UpdateOptions& options) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(options.actor));
    RevisionInfo out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          RETURN_IF_ERROR(CheckEtag(ref, env, options));
          ASSIGN_OR_RETURN(int64_t number, ResolveVersion(db, ref, env, version));
          ASSIGN_OR_RETURN(Definition def, LoadDefinition(db, ref, env, number));
          ASSIGN_OR_RETURN(out, AppendRevision(db, env, def.yaml, options.actor));
          return Audit(db, options.actor, "environment.rollback", ref.ToString(),
                       absl::StrCat("revision:", number), JoinPaths(options.changed_paths));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::Status RetractRevision(const EnvironmentRef& ref, int64_t number,
                               std::optional<int64_t> replacement, absl::string_view reason,
                               absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
      ASSIGN_OR_RETURN(RevisionInfo rev, LoadRevision(db, ref, env, number));
      if (number == env.latest) {
        return absl::FailedPreconditionError("cannot retract the latest revision");
      }
      if (rev.retraction.has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("revision ", number, " of ", ref.ToString(), " is already retracted"));
      }
      int64_t target = 0;
      if (replacement.has_value()) {
        if (*replacement == number) {
          return absl::InvalidArgumentError("a revision cannot be its own replacement");
        }
        absl::StatusOr<RevisionInfo> r = LoadRevision(db, ref, env, *replacement);
        if (!r.ok() || r->retraction.has_value()) {
          return absl::InvalidArgumentError(absl::StrCat("replacement revision ", *replacement,
                                                         " does not exist or is retracted"));
        }
        target = *replacement;
      } else {
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("SELECT max(number) FROM revisions WHERE env_id = ?1 "
                                    "AND number < ?2 AND retracted_us IS NULL"));
        st.Bind(1, env.id).Bind(2, number);
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row || st.IsNull(0)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "revision ", number, " has no earlier non-retracted revision; name a replacement"));
        }
        target = st.Int(0);
      }
      const int64_t now = NowUs();
      {
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("UPDATE revisions SET retracted_us = ?3, retracted_by "
                                    "= ?4, retraction_reason = ?5, replacement = ?6 "
                                    "WHERE env_id = ?1 AND number = ?2"));
        st.Bind(1, env.id).Bind(2, number).Bind(3, now).Bind(4, actor).Bind(5, reason).Bind(6,
                                                                                            target);
        RETURN_IF_ERROR(st.Run());
      }
      {
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("UPDATE revision_tags SET revision = ?3, modified_us = "
                                    "?4, editor = ?5 WHERE env_id = ?1 AND revision = ?2"));
        st.Bind(1, env.id).Bind(2, number).Bind(3, target).Bind(4, now).Bind(5, actor);
        RETURN_IF_ERROR(st.Run());
      }
      return Audit(db, actor, "revision.retract", ref.ToString(),
                   absl::StrCat("revision:", number));
    });
  }

  // --- revision tags ---------------------------------------------------------

  absl::StatusOr<RevisionTag> CreateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                std::optional<int64_t> revision,
                                                absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    if (name == kLatest) {
      return absl::AlreadyExistsError("the revision tag \"latest\" is built in");
    }
    RETURN_IF_ERROR(ValidateRevisionTagName(name));
    RevisionTag out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          if (LoadRevisionTag(db, env, name).ok()) {
            return absl::AlreadyExistsError(
                absl::StrCat("revision tag ", name, " already exists on ", ref.ToString()));
          }
          const int64_t number = revision.value_or(env.latest);
          RETURN_IF_ERROR(CheckTaggable(db, ref, env, number));
          const int64_t now = NowUs();
          ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("INSERT INTO revision_tags (env_id, name, revision, "
                                      "created_us, modified_us, editor) "
                                      "VALUES (?1, ?2, ?3, ?4, ?4, ?5)"));
          st.Bind(1, env.id).Bind(2, name).Bind(3, number).Bind(4, now).Bind(5, actor);
          RETURN_IF_ERROR(st.Run());
          out = {std::string(name), number, FromUs(now), FromUs(now), std::string(actor)};
          return Audit(db, actor, "revision_tag.create", ref.ToString(),
                       absl::StrCat("tag:", name));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<RevisionTag> UpdateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                int64_t revision,
                                                absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    RETURN_IF_ERROR(ValidateRevisionTagName(name));
    RevisionTag out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          ASSIGN_OR_RETURN(out, LoadRevisionTag(db, env, name));
          RETURN_IF_ERROR(CheckTaggable(db, ref, env, revision));
          const int64_t now = NowUs();
          ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("UPDATE revision_tags SET revision = ?3, modified_us = "
                                      "?4, editor = ?5 WHERE env_id = ?1 AND name = ?2"));
          st.Bind(1, env.id).Bind(2, name).Bind(3, revision).Bind(4, now).Bind(5, actor);
          RETURN_IF_ERROR(st.Run());
          out.revision = revision;
          out.modified = FromUs(now);
          out.editor = std::string(actor);
          return Audit(db, actor, "revision_tag.update", ref.ToString(),
                       absl::StrCat("tag:", name));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::Status DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                 absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    RETURN_IF_ERROR(ValidateRevisionTagName(name));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
      RETURN_IF_ERROR(LoadRevisionTag(db, env, name).status());
      ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM revision_tags WHERE env_id = ?1 "
                                                "AND name = ?2"));
      st.Bind(1, env.id).Bind(2, name);
      RETURN_IF_ERROR(st.Run());
      return Audit(db, actor, "revision_tag.delete", ref.ToString(), absl::StrCat("tag:", name));
    });
  }

  absl::StatusOr<RevisionTag> GetRevisionTag(const EnvironmentRef& ref,
                                             absl::string_view name) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    RevisionTag out;
    if (absl::Status txn_status = RunReadTxn(db, retries_,
                                             [&]() -> absl::Status {
                                               ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                                               if (name == kLatest) {
                                                 out = LatestTag(env);
                                                 return absl::OkStatus();
                                               }
                                               ASSIGN_OR_RETURN(out,
                                                                LoadRevisionTag(db, env, name));
                                               return absl::OkStatus();
                                             });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<std::vector<RevisionTag>> ListRevisionTags(const EnvironmentRef& ref) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::vector<RevisionTag> out;
    if (absl::Status txn_status = RunReadTxn(
            db, retries_,
            [&]() -> absl::Status {
              out.clear();
              ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
              ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("SELECT name, revision, created_us, modified_us, editor "
                                          "FROM revision_tags WHERE env_id = ?1 ORDER BY name"));
              st.Bind(1, env.id);
              bool latest_added = false;
              while (true) {
                ASSIGN_OR_RETURN(bool row, st.Step());
                if (!row) break;
                RevisionTag t{st.Text(0), st.Int(1), FromUs(st.Int(2)), FromUs(st.Int(3)),
                              st.Text(4)};
                if (!latest_added && t.name > kLatest) {
                  out.push_back(LatestTag(env));
                  latest_added = true;
                }
                out.push_back(std::move(t));
              }
              if (!latest_added) out.push_back(LatestTag(env));
              return absl::OkStatus();
            });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  // --- environment tags ------------------------------------------------------

  absl::StatusOr<EnvironmentTag> CreateEnvironmentTag(const EnvironmentRef& ref,
                                                      absl::string_view name,
                                                      absl::string_view value,
                                                      absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    RETURN_IF_ERROR(ValidateEnvironmentTag(name, value));
    EnvironmentTag out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          if (LoadEnvTag(db, env, name).ok()) {
            return absl::AlreadyExistsError(
                absl::StrCat("environment tag ", name, " already exists on ", ref.ToString()));
          }
          const int64_t now = NowUs();
          ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("INSERT INTO environment_tags (env_id, name, value, "
                                      "created_us, modified_us, editor) "
                                      "VALUES (?1, ?2, ?3, ?4, ?4, ?5)"));
          st.Bind(1, env.id).Bind(2, name).Bind(3, value).Bind(4, now).Bind(5, actor);
          RETURN_IF_ERROR(st.Run());
          out = {std::string(name), std::string(value), FromUs(now), FromUs(now),
                 std::string(actor)};
          return Audit(db, actor, "environment_tag.create", ref.ToString(),
                       absl::StrCat("tag:", name));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<EnvironmentTag> UpdateEnvironmentTag(const EnvironmentRef& ref,
                                                      absl::string_view current_name,
                                                      absl::string_view new_name,
                                                      absl::string_view new_value,
                                                      absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    RETURN_IF_ERROR(ValidateEnvironmentTag(new_name, new_value));
    EnvironmentTag out;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
          ASSIGN_OR_RETURN(out, LoadEnvTag(db, env, current_name));
          if (new_name != current_name && LoadEnvTag(db, env, new_name).ok()) {
            return absl::AlreadyExistsError(
                absl::StrCat("environment tag ", new_name, " already exists on ", ref.ToString()));
          }
          const int64_t now = NowUs();
          ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("UPDATE environment_tags SET name = ?3, value = ?4, "
                                      "modified_us = ?5, editor = ?6 "
                                      "WHERE env_id = ?1 AND name = ?2"));
          st.Bind(1, env.id)
              .Bind(2, current_name)
              .Bind(3, new_name)
              .Bind(4, new_value)
              .Bind(5, now)
              .Bind(6, actor);
          RETURN_IF_ERROR(st.Run());
          out.name = std::string(new_name);
          out.value = std::string(new_value);
          out.modified = FromUs(now);
          out.editor = std::string(actor);
          return Audit(db, actor, "environment_tag.update", ref.ToString(),
                       absl::StrCat("tag:", current_name));
        });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::Status DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                    absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
      RETURN_IF_ERROR(LoadEnvTag(db, env, name).status());
      ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM environment_tags WHERE env_id = "
                                                "?1 AND name = ?2"));
      st.Bind(1, env.id).Bind(2, name);
      RETURN_IF_ERROR(st.Run());
      return Audit(db, actor, "environment_tag.delete", ref.ToString(), absl::StrCat("tag:", name));
    });
  }

  absl::StatusOr<EnvironmentTag> GetEnvironmentTag(const EnvironmentRef& ref,
                                                   absl::string_view name) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    EnvironmentTag out;
    if (absl::Status txn_status = RunReadTxn(db, retries_,
                                             [&]() -> absl::Status {
                                               ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                                               ASSIGN_OR_RETURN(out, LoadEnvTag(db, env, name));
                                               return absl::OkStatus();
                                             });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::StatusOr<std::vector<EnvironmentTag>> ListEnvironmentTags(
      const EnvironmentRef& ref) override {
    RETURN_IF_ERROR(ValidateRef(ref));
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::vector<EnvironmentTag> out;
    if (absl::Status txn_status = RunReadTxn(
            db, retries_,
            [&]() -> absl::Status {
              out.clear();
              ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
              ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("SELECT name, value, created_us, modified_us, editor "
                                          "FROM environment_tags WHERE env_id = ?1 ORDER BY name"));
              st.Bind(1, env.id);
              while (true) {
                ASSIGN_OR_RETURN(bool row, st.Step());
                if (!row) break;
                out.push_back(
                    {st.Text(0), st.Text(1), FromUs(st.Int(2)), FromUs(st.Int(3)), st.Text(4)});
              }
              return absl::OkStatus();
            });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  // --- access tokens ---------------------------------------------------------

  absl::StatusOr<CreatedAccessToken> CreateAccessToken(const AccessTokenSpec& spec,
                                                       absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateActor(actor));
    if (spec.kind != "personal" && spec.kind != "team" && spec.kind != "organization" &&
        spec.kind != "environment") {
      return absl::InvalidArgumentError(
          absl::StrCat("token kind \"", spec.kind,
                       "\" is not one of personal, team, organization, environment"));
    }
    if (spec.name.size() > 100) {
      return absl::InvalidArgumentError("token name is longer than 100 characters");
    }
    if (spec.description.size() > 1000) {
      return absl::InvalidArgumentError("token description is longer than 1000 characters");
    }
    if (spec.kind == "environment" && spec.scopes.empty()) {
      return absl::InvalidArgumentError("an environment token needs at least one scope");
    }
    for (const TokenScope& s : spec.scopes) {
      RETURN_IF_ERROR(ValidateScopePattern(s.environment));
      RETURN_IF_ERROR(ParsePermission(PermissionName(s.permission)).status());
    }
    const absl::Time now = clock_->Now();
    if (spec.expires_at.has_value() && *spec.expires_at <= now) {
      return absl::InvalidArgumentError("token expiry must be in the future");
    }
    crypto::GeneratedAccessToken generated = crypto::GenerateAccessToken();
    const std::string salt = crypto::AccessTokenHasher::NewSalt();
    const std::string hash = hasher_->Hash(generated.value.Reveal(), salt);

    CreatedAccessToken out;
    out.token.id = generated.id;
    out.token.kind = spec.kind;
    out.token.name = spec.name;
    out.token.description = spec.description;
    out.token.scopes = spec.scopes;
    out.token.created_by = std::string(actor);
    out.token.created = FromUs(ToUs(now));
    out.token.expires_at = spec.expires_at;
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("INSERT INTO access_tokens (id, kind, name, description, "
                                      "scopes, salt, hash, created_by, created_us, expires_us) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
          std::optional<int64_t> expires;
          if (spec.expires_at.has_value()) expires = ToUs(*spec.expires_at);
          st.Bind(1, generated.id)
              .Bind(2, spec.kind)
              .Bind(3, spec.name)
              .Bind(4, spec.description)
              .Bind(5, ScopesToJson(spec.scopes))
              .BindBlob(6, salt)
              .BindBlob(7, hash)
              .Bind(8, actor)
              .Bind(9, ToUs(now))
              .Bind(10, expires);
          RETURN_IF_ERROR(st.Run());
          return Audit(db, actor, "token.create", absl::StrCat("token:", generated.id), "");
        });
        !txn_status.ok()) {
      return txn_status;
    }
    out.value = std::move(generated.value);
    return out;
  }

  absl::StatusOr<AccessToken> GetAccessToken(absl::string_view id) override {
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
    return std::move(row.token);
  }

  absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive) override {
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    const int64_t now = NowUs();
    std::vector<AccessToken> out;
    if (absl::Status txn_status = RunReadTxn(
            db, retries_,
            [&]() -> absl::Status {
              out.clear();
              ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("SELECT id FROM access_tokens WHERE ?1 OR "
                                          "(revoked_us IS NULL AND (expires_us IS NULL OR "
                                          "expires_us > ?2)) ORDER BY created_us, id"));
              st.Bind(1, int64_t{include_inactive ? 1 : 0}).Bind(2, now);
              std::vector<std::string> ids;
              while (true) {
                ASSIGN_OR_RETURN(bool row, st.Step());
                if (!row) break;
                ids.push_back(st.Text(0));
              }
              for (const std::string& id : ids) {
                ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
                out.push_back(std::move(row.token));
              }
              return absl::OkStatus();
            });
        !txn_status.ok()) {
      return txn_status;
    }
    return out;
  }

  absl::Status RevokeAccessToken(absl::string_view id, absl::string_view actor) override {
    RETURN_IF_ERROR(ValidateActor(actor));
    return Commit([&](SqliteDb& db) -> absl::Status {
      ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
      if (row.token.revoked_at.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE access_tokens SET revoked_us = ?2 "
                                                "WHERE id = ?1"));
      st.Bind(1, id).Bind(2, NowUs());
      RETURN_IF_ERROR(st.Run());
      return Audit(db, actor, "token.revoke", absl::StrCat("token:", id), "");
    });
  }

  absl::StatusOr<AccessToken> VerifyAccessToken(absl::string_view value) override {
    absl::StatusOr<std::string> id = crypto::AccessTokenIdFromValue(value);
    if (!id.ok()) return absl::UnauthenticatedError(kInvalidToken);
    absl::StatusOr<TokenRow> row;
    {
      absl::MutexLock lock(&read_mu_);
      row = LoadToken(*read_db_, *id);
    }
    if (!row.ok()) {
      if (absl::IsNotFound(row.status())) {
        return absl::UnauthenticatedError(kInvalidToken);
      }
      return row.status();
    }
    const absl::Time now = clock_->Now();
    if (!hasher_->Verify(value, row->salt, row->hash) || row->token.revoked_at.has_value() ||
        (row->token.expires_at.has_value() && *row->token.expires_at <= now)) {
      return absl::UnauthenticatedError(kInvalidToken);
    }
    // Record use, but not on every request: a durable write per verification
    // would make reads as expensive as writes.
    if (!row->token.last_used.has_value() || now - *row->token.last_used >= kLastUsedGranularity) {
      const int64_t now_us = ToUs(now);
      if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
            ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE access_tokens SET last_used_us = "
                                                      "?2 WHERE id = ?1"));
            st.Bind(1, *id).Bind(2, now_us);
            return st.Run();
          });
          !txn_status.ok()) {
        return txn_status;
      }
      row->token.last_used = FromUs(now_us);
    }
    return std::move(row->token);
  }

  // --- audit -----------------------------------------------------------------

  absl::Status AppendAuditEvent(absl::string_view actor, absl::string_view action,
                                absl::string_view target, absl::string_view path) override {
    RETURN_IF_ERROR(ValidateActor(actor));
    if (action.empty()) return absl::InvalidArgumentError("audit action must not be empty");
    return Commit([&](SqliteDb& db) { return Audit(db, actor, action, target, path); });
  }

  absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) override {
    if (query.limit <= 0) return absl::InvalidArgumentError("audit limit must be positive");
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    std::vector<AuditEvent> out;
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT seq, time_us, actor, action, target, path, paths "
                                "FROM audit_log WHERE seq > ?1 "
                                "AND (?2 = '' OR actor = ?2) AND (?3 = '' OR action = ?3) "
                                "AND (?4 = '' OR substr(target, 1, length(?4)) = ?4) "
                                "AND time_us >= ?5 ORDER BY seq LIMIT ?6"));
    st.Bind(1, query.after_sequence)
        .Bind(2, query.actor)
        .Bind(3, query.action)
        .Bind(4, query.target_prefix)
        .Bind(5, query.since.has_value() ? ToUs(*query.since) : std::numeric_limits<int64_t>::min())
        .Bind(6, int64_t{query.limit});
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      AuditEvent e{st.Int(0),  FromUs(st.Int(1)), st.Text(2), st.Text(3),
                   st.Text(4), st.Text(5),        {}};
      std::string paths = st.Text(6);
      if (!paths.empty()) e.paths = absl::StrSplit(paths, '\n');
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  struct EnvRow {
    int64_t id = 0;
    int64_t latest = 0;
    bool deletion_protected = false;
    int64_t created_us = 0;
    int64_t modified_us = 0;
    std::string etag;  // of the latest revision
  };

  struct TokenRow {
    AccessToken token;
    std::string salt;
    std::string hash;
  };

  int64_t NowUs() const { return ToUs(clock_->Now()); }

  // One write waiting to be committed. Lives on the caller's stack.
  struct PendingWrite {
    const std::function<absl::Status(SqliteDb&)>* body;
    absl::Status result;
    bool done = false;
  };

  // Group commit: runs `body` in a durable write transaction and returns its
  // status once the transaction is on disk. Concurrent callers in this
  // process share transactions: the first waiter becomes the leader, takes
  // every queued write, runs each inside its own SAVEPOINT (so one write's
  // failure, e.g. a stale etag, rolls back only that write) and commits them
  // all with a single fsync. Each write still sees the effects of the writes
  // queued before it, exactly as if they had committed one after another.
  // Must be called without mu_ held; the leader takes it.
  absl::Status Commit(const std::function<absl::Status(SqliteDb&)>& body)
      ABSL_LOCKS_EXCLUDED(mu_, queue_mu_) {
    PendingWrite self{&body, absl::OkStatus(), false};
    queue_mu_.Lock();
    queue_.push_back(&self);
    auto can_proceed = [this, &self]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
      return self.done || (!leader_active_ && !queue_.empty() && queue_.front() == &self);
    };
    queue_mu_.Await(absl::Condition(&can_proceed));
    if (self.done) {
      queue_mu_.Unlock();
      return self.result;
    }
    leader_active_ = true;
    std::vector<PendingWrite*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    queue_mu_.Unlock();

    RunBatch(batch);

    queue_mu_.Lock();
    for (PendingWrite* w : batch) w->done = true;
    leader_active_ = false;
    queue_mu_.Unlock();
    return self.result;
  }

  void RunBatch(const std::vector<PendingWrite*>& batch) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    SqliteDb& db = *db_;
    absl::Status txn = RunWriteTxn(db, retries_, [&]() -> absl::Status {
      for (PendingWrite* w : batch) {
        RETURN_IF_ERROR(db.Run("SAVEPOINT write"));
        w->result = (*w->body)(db);
        if (sqlite3_get_autocommit(db.raw()) != 0) {
          // SQLite rolled the whole transaction back itself (I/O error, disk
          // full): nothing of the batch survives; fail it as a whole.
          return w->result.ok() ? absl::InternalError("write transaction was rolled back")
                                : w->result;
        }
        if (!w->result.ok()) RETURN_IF_ERROR(db.Run("ROLLBACK TO write"));
        RETURN_IF_ERROR(db.Run("RELEASE write"));
      }
      return absl::OkStatus();
    });
    if (!txn.ok()) {
      // Nothing was committed: every write in the batch reports the failure.
      for (PendingWrite* w : batch) {
        if (w->result.ok()) w->result = txn;
      }
    }
  }

  absl::Status Audit(SqliteDb& db, absl::string_view actor, absl::string_view action,
                     absl::string_view target, absl::string_view path,
                     absl::string_view paths = "") {
    return InsertAudit(db, NowUs(), actor, action, target, path, paths);
  }

  EnvironmentInfo ToInfo(const EnvironmentRef& ref, const EnvRow& env) const {
    EnvironmentInfo info;
    info.ref = ref;
    info.created = FromUs(env.created_us);
    info.modified = FromUs(env.modified_us);
    info.deletion_protected = env.deletion_protected;
    info.latest_revision = env.latest;
    info.etag = env.etag;
    return info;
  }

  RevisionTag LatestTag(const EnvRow& env) const {
    return {std::string(kLatest), env.latest, FromUs(env.created_us), FromUs(env.modified_us), ""};
  }

  absl::StatusOr<EnvRow> LoadEnvRowOnly(SqliteDb& db, const EnvironmentRef& ref) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT id, latest_revision, deletion_protected, created_us, "
                                "modified_us FROM environments "
                                "WHERE org = ?1 AND project = ?2 AND name = ?3"));
    st.Bind(1, ref.organization).Bind(2, ref.project).Bind(3, ref.name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("environment ", ref.ToString(), " not found"));
    }
    EnvRow env;
    env.id = st.Int(0);
    env.latest = st.Int(1);
    env.deletion_protected = st.Int(2) != 0;
    env.created_us = st.Int(3);
    env.modified_us = st.Int(4);
    return env;
  }

  absl::StatusOr<EnvRow> LoadEnv(SqliteDb& db, const EnvironmentRef& ref) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT e.id, e.latest_revision, e.deletion_protected, "
                                "e.created_us, e.modified_us, r.etag FROM environments e "
                                "JOIN revisions r ON r.env_id = e.id AND "
                                "r.number = e.latest_revision "
                                "WHERE e.org = ?1 AND e.project = ?2 AND e.name = ?3"));
    st.Bind(1, ref.organization).Bind(2, ref.project).Bind(3, ref.name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("environment ", ref.ToString(), " not found"));
    }
    EnvRow env;
    env.id = st.Int(0);
    env.latest = st.Int(1);
    env.deletion_protected = st.Int(2) != 0;
    env.created_us = st.Int(3);
    env.modified_us = st.Int(4);
    env.etag = st.Text(5);
    return env;
  }

  absl::Status CheckEtag(const EnvironmentRef& ref, const EnvRow& env,
                         const UpdateOptions& options) const {
    if (options.etag.has_value() && *options.etag != env.etag) {
      return absl::AbortedError(absl::StrCat("etag mismatch: environment ", ref.ToString(),
                                             " has changed since it was read (now at revision ",
                                             env.latest, "); re-read it and retry"));
    }
    return absl::OkStatus();
  }

  // Inserts revision latest+1 and makes it the latest.
  absl::StatusOr<RevisionInfo> AppendRevision(SqliteDb& db, EnvRow& env, absl::string_view yaml,
                                              absl::string_view creator) {
    RevisionInfo rev;
    rev.number = env.latest + 1;
    rev.etag = crypto::RandomHex(16);
    rev.creator = std::string(creator);
    const int64_t now = NowUs();
    rev.created = FromUs(now);
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("INSERT INTO revisions (env_id, number, definition, etag, "
                                  "creator, created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
      st.Bind(1, env.id)
          .Bind(2, rev.number)
          .Bind(3, yaml)
          .Bind(4, rev.etag)
          .Bind(5, creator)
          .Bind(6, now);
      RETURN_IF_ERROR(st.Run());
    }
    {
      ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE environments SET latest_revision = ?2, "
                                                "modified_us = ?3 WHERE id = ?1"));
      st.Bind(1, env.id).Bind(2, rev.number).Bind(3, now);
      RETURN_IF_ERROR(st.Run());
    }
    env.latest = rev.number;
    env.etag = rev.etag;
    env.modified_us = now;
    rev.tags.push_back(std::string(kLatest));
    return rev;
  }

  absl::StatusOr<int64_t> ResolveVersion(SqliteDb& db, const EnvironmentRef& ref, const EnvRow& env,
                                         absl::string_view version) {
    if (version.empty() || version == kLatest) return env.latest;
    if (absl::ascii_isdigit(static_cast<unsigned char>(version[0]))) {
      int64_t number = 0;
      if (!absl::SimpleAtoi(version, &number) || number < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("version \"", version, "\" is not a revision number or tag name"));
      }
      return number;
    }
    absl::StatusOr<RevisionTag> tag = LoadRevisionTag(db, env, version);
    if (!tag.ok()) {
      if (absl::IsNotFound(tag.status())) {
        return absl::NotFoundError(
            absl::StrCat("revision tag ", version, " not found on ", ref.ToString()));
      }
      return tag.status();
    }
    return tag->revision;
  }

  absl::StatusOr<Definition> LoadDefinition(SqliteDb& db, const EnvironmentRef& ref,
                                            const EnvRow& env, int64_t number) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT definition, etag, retracted_us FROM revisions "
                                "WHERE env_id = ?1 AND number = ?2"));
    st.Bind(1, env.id).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " not found"));
    }
    if (!st.IsNull(2)) {
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " is retracted"));
    }
    return Definition{st.Text(0), number, st.Text(1)};
  }

  absl::StatusOr<RevisionInfo> LoadRevision(SqliteDb& db, const EnvironmentRef& ref,
                                            const EnvRow& env, int64_t number) {
    RevisionInfo rev;
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT etag, creator, created_us, retracted_us, "
                                  "retracted_by, retraction_reason, replacement "
                                  "FROM revisions WHERE env_id = ?1 AND number = ?2"));
      st.Bind(1, env.id).Bind(2, number);
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) {
        return absl::NotFoundError(
            absl::StrCat("revision ", number, " of ", ref.ToString(), " not found"));
      }
      rev.number = number;
      rev.etag = st.Text(0);
      rev.creator = st.Text(1);
      rev.created = FromUs(st.Int(2));
      if (!st.IsNull(3)) {
        rev.retraction = Retraction{st.Int(6), FromUs(st.Int(3)), st.Text(4), st.Text(5)};
      }
    }
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT name FROM revision_tags WHERE env_id = "
                                              "?1 AND revision = ?2 ORDER BY name"));
    st.Bind(1, env.id).Bind(2, number);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      rev.tags.push_back(st.Text(0));
    }
    if (number == env.latest) rev.tags.push_back(std::string(kLatest));
    return rev;
  }

  // A tag may point at any existing, non-retracted revision.
  absl::Status CheckTaggable(SqliteDb& db, const EnvironmentRef& ref, const EnvRow& env,
                             int64_t number) {
    absl::StatusOr<RevisionInfo> rev = LoadRevision(db, ref, env, number);
    if (!rev.ok()) return rev.status();
    if (rev->retraction.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " is retracted"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RevisionTag> LoadRevisionTag(SqliteDb& db, const EnvRow& env,
                                              absl::string_view name) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT revision, created_us, modified_us, editor FROM "
                                "revision_tags WHERE env_id = ?1 AND name = ?2"));
    st.Bind(1, env.id).Bind(2, name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("revision tag ", name, " not found"));
    }
    return RevisionTag{std::string(name), st.Int(0), FromUs(st.Int(1)), FromUs(st.Int(2)),
                       st.Text(3)};
  }

  absl::StatusOr<EnvironmentTag> LoadEnvTag(SqliteDb& db, const EnvRow& env,
                                            absl::string_view name) {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT value, created_us, modified_us, editor FROM "
                                              "environment_tags WHERE env_id = ?1 AND name = ?2"));
    st.Bind(1, env.id).Bind(2, name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("environment tag ", name, " not found"));
    }
    return EnvironmentTag{std::string(name), st.Text(0), FromUs(st.Int(1)), FromUs(st.Int(2)),
                          st.Text(3)};
  }

  absl::StatusOr<TokenRow> LoadToken(SqliteDb& db, absl::string_view id) {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT kind, name, description, scopes, salt, hash, "
                                              "created_by, created_us, expires_us, last_used_us, "
                                              "revoked_us FROM access_tokens WHERE id = ?1"));
    st.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("access token ", id, " not found"));
    }
    TokenRow out;
    out.token.id = std::string(id);
    out.token.kind = st.Text(0);
    out.token.name = st.Text(1);
    out.token.description = st.Text(2);
    ASSIGN_OR_RETURN(out.token.scopes, ScopesFromJson(st.Text(3)));
    out.salt = st.Blob(4);
    out.hash = st.Blob(5);
    out.token.created_by = st.Text(6);
    out.token.created = FromUs(st.Int(7));
    out.token.expires_at = FromOptUs(st.OptionalInt(8));
    out.token.last_used = FromOptUs(st.OptionalInt(9));
    out.token.revoked_at = FromOptUs(st.OptionalInt(10));
    return out;
  }

  // One connection serialised by mu_: SQLite connections are not safe for
  // concurrent use, and the write lock is per file anyway.
  static constexpr size_t kMaxBatch = 64;

  // Two connections: writes (batched by Commit) go through db_, everything
  // else through read_db_. In WAL mode a reader never waits for a writer, so
  // reads are not stuck behind a batch's fsync. Each connection is used by
  // one thread at a time, under its own mutex.
  absl::Mutex mu_;
  const std::unique_ptr<SqliteDb> db_ ABSL_PT_GUARDED_BY(mu_);
  absl::Mutex read_mu_;
  const std::unique_ptr<SqliteDb> read_db_ ABSL_PT_GUARDED_BY(read_mu_);
  // Group-commit queue; see Commit(). Lock order: queue_mu_ is never held
  // while taking mu_.
  absl::Mutex queue_mu_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leader_active_ ABSL_GUARDED_BY(queue_mu_) = false;
  const Clock* const clock_;
  const int retries_;
  const int schema_version_;
  const std::unique_ptr<crypto::Aead> secrets_aead_;
  const std::unique_ptr<crypto::AccessTokenHasher> hasher_;
};

// ---------------------------------------------------------------------------
// Open.

// "file:" URI for `path` with ?immutable=1, percent-encoding the characters
// that are special in SQLite URIs.
std::string ImmutableUri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#' || static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&uri, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      uri.push_back(c);
    }
  }
  absl::StrAppend(&uri, "?immutable=1");
  return uri;
}

// Phase 1: a read-only look at an existing file. Verifies it is one of our
// stores with a supported schema and that the credential is right, without
// writing a byte to it.
absl::StatusOr<std::optional<crypto::UnlockedKeyring>> InspectExisting(
    const std::string& path, const StoreOptions& options) {
  // A plain read-only connection to a WAL database still creates the -wal and
  // -shm files. When there is no WAL (the store was closed cleanly) the main
  // file is the whole state, so read it as immutable: no lock files, no
  // sidecars, not a byte written. With a WAL present, read normally so its
  // committed transactions are seen.
  struct stat wal;
  const bool has_wal = ::stat((path + "-wal").c_str(), &wal) == 0;
  std::unique_ptr<SqliteDb> db;
  if (has_wal) {
    ASSIGN_OR_RETURN(db, SqliteDb::Open(path, SQLITE_OPEN_READONLY));
  } else {
    ASSIGN_OR_RETURN(db,
                     SqliteDb::Open(ImmutableUri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI));
  }
  db->SetBusyTimeout(options.busy_timeout);
  std::optional<crypto::UnlockedKeyring> out;
  if (absl::Status txn_status = RunReadTxn(
          *db, options.busy_retries,
          [&]() -> absl::Status {
            ASSIGN_OR_RETURN(int64_t version, db->QueryInt("PRAGMA user_version"));
            if (version > kLatestSchemaVersion) {
              return absl::FailedPreconditionError(
                  absl::StrCat("store ", path, " has schema version ", version,
                               ", newer than this build supports (", kLatestSchemaVersion,
                               "); upgrade the provider"));
            }
            if (version == 0) {
              ASSIGN_OR_RETURN(int64_t tables, db->QueryInt("SELECT count(*) FROM sqlite_schema"));
              if (tables > 0) {
                return absl::FailedPreconditionError(
                    absl::StrCat("file ", path, " is a SQLite database but not an ESC store"));
              }
              return absl::OkStatus();  // empty database: initialised in phase 2
            }
            ASSIGN_OR_RETURN(std::optional<crypto::WrappedDataKey> wrapped, LoadKeyring(*db));
            if (!wrapped.has_value()) {
              return absl::DataLossError(absl::StrCat("store ", path, " has no keyring"));
            }
            ASSIGN_OR_RETURN(crypto::SecretBytes key,
                             crypto::UnlockKeyring(*wrapped, *options.credential));
            out = crypto::UnlockedKeyring{std::move(*wrapped), std::move(key)};
            return absl::OkStatus();
          });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status ConfigureConnection(SqliteDb& db, const StoreOptions& options) {
  db.SetBusyTimeout(options.busy_timeout);
  // Switching to WAL needs a moment of exclusive access; racing openers retry.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> mode = db.QueryText("PRAGMA journal_mode = WAL");
    if (mode.ok()) {
      if (absl::AsciiStrToLower(*mode) != "wal") {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot put the store in WAL mode (journal mode is ", *mode, ")"));
      }
      break;
    }
    if (!IsBusy(mode.status()) || attempt >= options.busy_retries) {
      return mode.status();
    }
    Backoff(attempt);
  }
  // FULL: fsync the WAL on every commit, so an acknowledged write survives
  // power loss, not just a process crash.
  RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = FULL"));
  RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON"));
  return absl::OkStatus();
}

}  // namespace

std::string EnvironmentRef::ToString() const {
  return absl::StrCat(organization, "/", project, "/", name);
}

absl::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kOpen:
      return "open";
    case Permission::kWrite:
      return "write";
    case Permission::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<Permission> ParsePermission(absl::string_view name) {
  if (name == "read") return Permission::kRead;
  if (name == "open") return Permission::kOpen;
  if (name == "write") return Permission::kWrite;
  if (name == "admin") return Permission::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("permission \"", EchoInput(name), "\" is not one of read, open, write, admin"));
}

bool TokenAllows(const AccessToken& token, const EnvironmentRef& env, Permission needed) {
  for (const TokenScope& scope : token.scopes) {
    if (static_cast<int>(scope.permission) < static_cast<int>(needed)) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(scope.environment, '/');
    if (parts.size() != 3) continue;
    const absl::string_view want[] = {env.organization, env.project, env.name};
    bool match = true;
    for (int i = 0; i < 3; ++i) match &= parts[i] == "*" || parts[i] == want[i];
    if (match) return true;
  }
  return false;
}

// Best effort: the open fails with the credential error whatever happens here.
void RecordFailedUnlock(const std::string& path, const StoreOptions& options) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path, SQLITE_OPEN_READWRITE);
  if (!db.ok() || !ConfigureConnection(**db, options).ok()) return;
  (void)RunWriteTxn(**db, options.busy_retries, [&]() -> absl::Status {
    return InsertAudit(**db, ToUs(options.clock->Now()), options.actor, "store.unlock.denied",
                       "store", "");
  });
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  if (!options.credential.has_value()) {
    return absl::InvalidArgumentError("a passphrase or key is required to open the store");
  }
  if (options.credential->secret().empty()) {
    return absl::InvalidArgumentError("passphrase must not be empty");
  }
  if (options.clock == nullptr) options.clock = Clock::Real();
  const int target_version = options.max_schema_version_for_test > 0
                                 ? options.max_schema_version_for_test
                                 : kLatestSchemaVersion;

  bool created = false;
  int64_t size = 0;
  RETURN_IF_ERROR(CreateFileIfMissing(path, options.create_if_missing, &created, &size));
  std::optional<crypto::UnlockedKeyring> unlocked;
  if (!created && size > 0) {
    RETURN_IF_ERROR(PrecheckExistingFile(path, size));
    absl::StatusOr<std::optional<crypto::UnlockedKeyring>> inspected =
        InspectExisting(path, options);
    if (!inspected.ok()) {
      if (absl::IsUnauthenticated(inspected.status()) && options.audit_failed_unlock) {
        RecordFailedUnlock(path, options);
      }
      return inspected.status();
    }
    unlocked = *std::move(inspected);
  }

  // Phase 2: the read-write connection. Everything from here on either runs
  // in one transaction or is a connection setting.
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, SQLITE_OPEN_READWRITE));
  RETURN_IF_ERROR(ConfigureConnection(*db, options));
  crypto::SecretBytes data_key;
  int schema_version = 0;
  if (absl::Status txn_status = RunWriteTxn(
          *db, options.busy_retries,
          [&]() -> absl::Status {
            ASSIGN_OR_RETURN(int64_t version, db->QueryInt("PRAGMA user_version"));
            if (version > kLatestSchemaVersion) {
              return absl::FailedPreconditionError(
                  absl::StrCat("store ", path, " has schema version ", version,
                               ", newer than this build supports (", kLatestSchemaVersion, ")"));
            }
            std::optional<crypto::WrappedDataKey> wrapped;
            if (version >= 1) {
              ASSIGN_OR_RETURN(wrapped, LoadKeyring(*db));
              if (!wrapped.has_value()) {
                return absl::DataLossError(absl::StrCat("store ", path, " has no keyring"));
              }
              // Another process may have rekeyed (or created the store) since phase
              // 1; only reuse the phase-1 key if the record is unchanged.
              if (unlocked.has_value() && SameKeyring(unlocked->wrapped, *wrapped)) {
                data_key = unlocked->data_key.Clone();
              } else {
                ASSIGN_OR_RETURN(data_key, crypto::UnlockKeyring(*wrapped, *options.credential));
              }
            }
            for (const Migration& m : Migrations()) {
              if (m.version <= version || m.version > target_version) continue;
              RETURN_IF_ERROR(db->Exec(m.sql));
              RETURN_IF_ERROR(db->Exec(absl::StrCat("PRAGMA user_version = ", m.version)));
              schema_version = m.version;
            }
            if (schema_version == 0) schema_version = static_cast<int>(version);
            if (!wrapped.has_value()) {
              const int64_t now = ToUs(options.clock->Now());
              ASSIGN_OR_RETURN(crypto::UnlockedKeyring fresh,
                               crypto::CreateKeyring(*options.credential, options.kdf_params));
              RETURN_IF_ERROR(SaveKeyring(*db, fresh.wrapped, now));
              ASSIGN_OR_RETURN(Statement st, db->Prepare("INSERT INTO meta (key, value) VALUES "
                                                         "('format', 'escnative-store'), "
                                                         "('created_us', ?1)"));
              st.Bind(1, absl::StrCat(now));
              RETURN_IF_ERROR(st.Run());
              RETURN_IF_ERROR(InsertAudit(*db, now, "system", "store.create", "store", ""));
              data_key = std::move(fresh.data_key);
            }
            return absl::OkStatus();
          });
      !txn_status.ok()) {
    return txn_status;
  }

  ASSIGN_OR_RETURN(crypto::SecretBytes secrets_key,
                   crypto::DeriveSubkey(data_key, kSecretsSubkeyId, kSecretsSubkeyContext));
  ASSIGN_OR_RETURN(crypto::SecretBytes tokens_key,
                   crypto::DeriveSubkey(data_key, kTokensSubkeyId, kTokensSubkeyContext));
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::Aead> aead,
                   crypto::XChaCha20Poly1305Aead::New(secrets_key));
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::AccessTokenHasher> hasher,
                   crypto::AccessTokenHasher::New(tokens_key));
  // The read connection is opened after the file is fully initialised. It is
  // read-only: nothing on the read path can write.
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> read_db, SqliteDb::Open(path, SQLITE_OPEN_READONLY));
  read_db->SetBusyTimeout(options.busy_timeout);
  return std::unique_ptr<Store>(new SqliteStore(std::move(db), std::move(read_db), options.clock,
                                                options.busy_retries, schema_version,
                                                std::move(aead), std::move(hasher)));
}

}  // namespace escnative::store
