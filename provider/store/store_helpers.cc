// Definitions of store_internal.h's helpers.
#include "provider/store/store_internal.h"

namespace escnative::store::internal {

int64_t ToUs(absl::Time t) { return absl::ToUnixMicros(t); }

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }

std::optional<absl::Time> FromOptUs(std::optional<int64_t> us) {
  if (!us.has_value()) return std::nullopt;
  return FromUs(*us);
}

std::string EchoInput(absl::string_view s) { return util::Echo(util::ToStd(s)); }

absl::Status ValidateActor(absl::string_view actor) {
  if (actor.empty()) return absl::InvalidArgumentError("actor must not be empty");
  if (actor.size() > 200) return absl::InvalidArgumentError("actor is too long");
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

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

namespace {

// What one look at the file found: its 100-byte header and, taken after it
// (in that order, see PrecheckExistingFile), whether the WAL had content and
// the file's size.
struct FileLook {
  unsigned char header[100];
  bool wal_has_content = false;
  int64_t size = 0;
};

absl::Status Look(const std::string& path, const std::string& what, FileLook* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, ": ", std::strerror(errno)));
  }
  const ssize_t n = ::pread(fd, out->header, sizeof out->header, 0);
  struct stat wal;
  out->wal_has_content = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
  struct stat st;
  const bool sized = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof out->header) || !sized) {
    return absl::DataLossError(absl::StrCat("cannot read the header of ", what));
  }
  out->size = st.st_size;
  return absl::OkStatus();
}

}  // namespace

absl::Status PrecheckExistingFile(const std::string& path, int64_t size) {
  const std::string what = absl::StrCat("store file ", path);
  if (size < 100) {
    return absl::DataLossError(
        absl::StrCat(what, " is not a valid store: too short for a SQLite database (", size,
                     " bytes; truncated?)"));
  }
  // Another process may be checkpointing while we look: it writes the new
  // page count into the header, extends the file, and only then may reset
  // its WAL. So the header is read first, then the WAL and the size; a size
  // taken before the header (the caller's) could predate the extension and
  // made a healthy store look truncated. A real truncation persists, so a
  // short file is looked at again before it is reported.
  constexpr int kLooks = 3;
  for (int look = 1;; ++look) {
    FileLook f;
    RETURN_IF_ERROR(Look(path, what, &f));
    if (std::memcmp(f.header, "SQLite format 3\0", 16) != 0) {
      return absl::DataLossError(
          absl::StrCat(what, " is not a store: it is not a SQLite database"));
    }
    uint32_t page_size = (uint32_t{f.header[16]} << 8) | f.header[17];
    if (page_size == 1) page_size = 65536;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
      return absl::DataLossError(
          absl::StrCat(what, " is corrupt: invalid page size in the header"));
    }
    // The in-header page count is trustworthy when "version-valid-for"
    // equals the change counter. Skip the size check while a WAL has
    // content: after a crash in the middle of a checkpoint the main file may
    // legitimately be short until the WAL is replayed.
    const uint32_t pages = Be32(f.header + 28);
    const bool short_file = !f.wal_has_content && Be32(f.header + 92) == Be32(f.header + 24) &&
                            pages > 0 &&
                            static_cast<uint64_t>(f.size) < uint64_t{pages} * page_size;
    if (!short_file) return absl::OkStatus();
    if (look == kLooks) {
      return absl::DataLossError(absl::StrCat(what, " is truncated: the header says ",
                                              uint64_t{pages} * page_size,
                                              " bytes but the file has ", f.size));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

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
  // A dangling symbolic link: refuse rather than create a store wherever it
  // points (O_EXCL would fail on it anyway, less clearly).
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("store path ", path, " is a symbolic link to a missing file"));
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
                         absl::string_view paths) {
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

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> kept(paths.begin(),
                                paths.begin() + std::min(paths.size(), kMaxAuditPaths));
  if (paths.size() > kMaxAuditPaths) {
    kept.push_back(absl::StrCat("… and ", paths.size() - kMaxAuditPaths, " more"));
  }
  return absl::StrJoin(kept, "\n");
}

bool IsBusy(const absl::Status& s) { return s.code() == absl::StatusCode::kUnavailable; }

void Backoff(int attempt) {
  // Randomised so that two processes that collided do not collide again.
  const uint32_t cap_ms = 2u << std::min(attempt, 6);
  absl::SleepFor(absl::Milliseconds(1 + crypto::RandomUniform(cap_ms)));
}

}  // namespace escnative::store::internal
