#include "provider/store/migrations.h"

namespace escnative::store {
namespace {

// Times are Unix microseconds (UTC). STRICT tables make SQLite reject values
// of the wrong type instead of silently storing them.
constexpr absl::string_view kV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE keyring (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  kdf         TEXT    NOT NULL,
  opslimit    INTEGER NOT NULL,
  memlimit    INTEGER NOT NULL,
  salt        BLOB    NOT NULL,
  wrapped_key BLOB    NOT NULL,
  key_check   BLOB    NOT NULL,
  created_us  INTEGER NOT NULL,
  modified_us INTEGER NOT NULL
) STRICT;

CREATE TABLE environments (
  id                 INTEGER PRIMARY KEY,
  org                TEXT    NOT NULL,
  project            TEXT    NOT NULL,
  name               TEXT    NOT NULL,
  created_us         INTEGER NOT NULL,
  modified_us        INTEGER NOT NULL,
  deletion_protected INTEGER NOT NULL DEFAULT 0,
  latest_revision    INTEGER NOT NULL,
  UNIQUE (org, project, name)
) STRICT;

CREATE TABLE revisions (
  env_id            INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  number            INTEGER NOT NULL CHECK (number >= 1),
  definition        TEXT    NOT NULL,
  etag              TEXT    NOT NULL,
  creator           TEXT    NOT NULL,
  created_us        INTEGER NOT NULL,
  retracted_us      INTEGER,
  retracted_by      TEXT,
  retraction_reason TEXT,
  replacement       INTEGER,
  PRIMARY KEY (env_id, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE revision_tags (
  env_id      INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  created_us  INTEGER NOT NULL,
  modified_us INTEGER NOT NULL,
  editor      TEXT    NOT NULL,
  PRIMARY KEY (env_id, name),
  FOREIGN KEY (env_id, revision) REFERENCES revisions (env_id, number)
    ON DELETE CASCADE
) STRICT;
CREATE INDEX revision_tags_by_revision ON revision_tags (env_id, revision);

CREATE TABLE environment_tags (
  env_id      INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  value       TEXT    NOT NULL,
  created_us  INTEGER NOT NULL,
  modified_us INTEGER NOT NULL,
  editor      TEXT    NOT NULL,
  PRIMARY KEY (env_id, name)
) STRICT;

CREATE TABLE access_tokens (
  id           TEXT    PRIMARY KEY,
  kind         TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  scopes       TEXT    NOT NULL,
  salt         BLOB    NOT NULL,
  hash         BLOB    NOT NULL,
  created_by   TEXT    NOT NULL,
  created_us   INTEGER NOT NULL,
  expires_us   INTEGER,
  last_used_us INTEGER,
  revoked_us   INTEGER
) STRICT;

CREATE TABLE audit_log (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  target  TEXT    NOT NULL,
  path    TEXT    NOT NULL DEFAULT ''
) STRICT;
)sql";

// v2: the audit log becomes append-only at the SQL level too (the API never
// had update/delete; this also stops ad-hoc edits through other connections
// that do not drop the triggers), plus an index for target queries.
constexpr absl::string_view kV2 = R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE INDEX audit_log_by_target ON audit_log (target, seq);
)sql";

// v3: the definition paths a write changed (newline-separated, never values),
// so `escctl audit report` can say when each secret last changed.
constexpr absl::string_view kV3 = R"sql(
ALTER TABLE audit_log ADD COLUMN paths TEXT NOT NULL DEFAULT '';
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration>* const kMigrations =
      new std::vector<Migration>{{1, kV1}, {2, kV2}, {3, kV3}};
  return *kMigrations;
}

}  // namespace escnative::store
