// Store::Open over one SQLite file (prechecks, a read-only look at an
// existing file, migrations, the keyring) and the store's free functions.
// SqliteStore itself is in sqlite_store.h and sqlite_store_*.cc. See store.h
// for the contract and docs/store-format.md for the file format.
#include "provider/store/sqlite_store.h"

namespace escnative::store {
namespace internal {

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

}  // namespace internal

// The implementation's own pieces (store_internal.h, sqlite_store.h).
using namespace internal;  // NOLINT(build/namespaces)

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
