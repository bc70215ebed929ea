// Opening, creating, migrating and refusing files: permissions, schema
// versions, wrong credentials, corrupt and foreign files, rekey.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/crypto/access_token.h"
#include "provider/crypto/random.h"
#include "provider/store/store.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FastOptions;
using ::escnative::store::testing::FileExists;
using ::escnative::store::testing::Passphrase;
using ::escnative::store::testing::ReadFileBytes;
using ::escnative::store::testing::TempDir;
using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

// Runs one SQL statement on the file directly (outside the store) and returns
// the first column of the first row as text ("" if none).
std::string RawQuery(const std::string& path, const std::string& sql, int* rc_out = nullptr) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::string out;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
  }
  if (rc_out != nullptr) *rc_out = rc;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

mode_t FileMode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Creates a store with a little content and closes it cleanly.
void MakeStore(const std::string& path, const std::string& passphrase) {
  auto s = Store::Open(path, FastOptions(passphrase));
  ASSERT_OK(s);
  ASSERT_OK((*s)->CreateEnvironment(Env("dev"), "alice"));
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK((*s)->UpdateDefinition(
        Env("dev"),
        "values:\n  n: " + std::to_string(i) + "\n  pad: " + std::string(400, 'x') + "\n",
        By("alice")));
  }
}

// Expects Open to fail with `code` and leave the file (and absent sidecars)
// exactly as they were.
void ExpectOpenRefusedUnchanged(const std::string& path, StoreOptions options,
                                absl::StatusCode code, const std::string& message_part) {
  const std::string before = ReadFileBytes(path);
  const bool wal_before = FileExists(path + "-wal");
  auto s = Store::Open(path, std::move(options));
  EXPECT_THAT(s, StatusIs(code));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(message_part));
  EXPECT_TRUE(ReadFileBytes(path) == before) << "file was modified";
  if (!wal_before) {
    EXPECT_TRUE(!FileExists(path + "-wal") || ReadFileBytes(path + "-wal").empty())
        << "a WAL with content appeared";
  }
}

TEST(StoreOpenTest, NewFileIsPrivateWalAndCurrentSchema) {
  TempDir dir;
  const std::string path = dir.File("new.db");
  ::umask(022);  // the usual umask would give 0644 to a naive create
  auto s = Store::Open(path, FastOptions("pw"));
  ASSERT_OK(s);
  EXPECT_EQ(FileMode(path), 0600u);
  ASSERT_OK((*s)->CreateEnvironment(Env("dev"), "a"));
  EXPECT_EQ(FileMode(path + "-wal"), 0600u);
  EXPECT_EQ((*s)->SchemaVersion(), kLatestSchemaVersion);
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), std::to_string(kLatestSchemaVersion));
  EXPECT_EQ(RawQuery(path, "SELECT kdf FROM keyring"), "argon2id13");
  EXPECT_EQ(RawQuery(path, "SELECT value FROM meta WHERE key = 'format'"), "escnative-store");
  EXPECT_OK((*s)->IntegrityCheck());
}

TEST(StoreOpenTest, ReopenIsIdempotent) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  MakeStore(path, "pw");
  const std::string salt = RawQuery(path, "SELECT hex(salt) FROM keyring");
  for (int i = 0; i < 3; ++i) {
    auto s = Store::Open(path, FastOptions("pw"));
    ASSERT_OK(s);
    EXPECT_EQ((*s)->SchemaVersion(), kLatestSchemaVersion);
    auto def = (*s)->ReadDefinition(Env("dev"), "");
    ASSERT_OK(def);
    EXPECT_EQ(def->revision, 21);
  }
  EXPECT_EQ(RawQuery(path, "SELECT hex(salt) FROM keyring"), salt);
  EXPECT_EQ(RawQuery(path, "SELECT count(*) FROM audit_log WHERE action = 'store.create'"), "1");
}

TEST(StoreOpenTest, MigratesFromSchemaVersionOne) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    StoreOptions o = FastOptions("pw");
    o.max_schema_version_for_test = 1;
    auto s = Store::Open(path, std::move(o));
    ASSERT_OK(s);
    EXPECT_EQ((*s)->SchemaVersion(), 1);
    ASSERT_OK((*s)->CreateEnvironment(Env("legacy"), "alice"));
    ASSERT_OK((*s)->UpdateDefinition(Env("legacy"), "values: {a: 1}\n", By("alice")));
  }
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), "1");
  int rc = 0;
  RawQuery(path, "UPDATE audit_log SET actor = 'mallory'", &rc);
  EXPECT_EQ(rc, SQLITE_OK) << "v1 has no append-only trigger yet";

  auto s = Store::Open(path, FastOptions("pw"));
  ASSERT_OK(s);
  EXPECT_EQ((*s)->SchemaVersion(), 3);
  auto def = (*s)->ReadDefinition(Env("legacy"), "");
  ASSERT_OK(def);
  EXPECT_EQ(def->revision, 2);
  EXPECT_EQ(def->yaml, "values: {a: 1}\n");
  // v3: writes record the paths they changed; older events have none.
  UpdateOptions o = By("alice");
  o.changed_paths = {"values.a", "values.b"};
  ASSERT_OK((*s)->UpdateDefinition(Env("legacy"), "values: {a: 2, b: 3}\n", o));
  AuditQuery q;
  q.action = "environment.update";
  auto events = (*s)->ListAuditEvents(q);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_TRUE((*events)[0].paths.empty());
  EXPECT_EQ((*events)[1].paths, (std::vector<std::string>{"values.a", "values.b"}));
  o.changed_paths.clear();
  for (int i = 0; i < 250; ++i) o.changed_paths.push_back(absl::StrCat("values.k", i));
  ASSERT_OK((*s)->UpdateDefinition(Env("legacy"), "values: {a: 3}\n", o));
  events = (*s)->ListAuditEvents(q);
  ASSERT_OK(events);
  ASSERT_EQ(events->back().paths.size(), kMaxAuditPaths + 1);
  EXPECT_EQ(events->back().paths.back(), "… and 50 more");
  s->reset();
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), "3");
  RawQuery(path, "UPDATE audit_log SET actor = 'mallory'", &rc);
  EXPECT_NE(rc, SQLITE_OK) << "v2 makes the audit log append-only";
  RawQuery(path, "DELETE FROM audit_log", &rc);
  EXPECT_NE(rc, SQLITE_OK);
}

TEST(StoreOpenTest, NewerSchemaIsRefusedUnchanged) {
  TempDir dir;
  const std::string path = dir.File("future.db");
  MakeStore(path, "pw");
  RawQuery(path, "PRAGMA user_version = 99");
  ExpectOpenRefusedUnchanged(path, FastOptions("pw"), absl::StatusCode::kFailedPrecondition,
                             "newer");
}

TEST(StoreOpenTest, WrongPassphraseChangesNothing) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  MakeStore(path, "right");
  ExpectOpenRefusedUnchanged(path, FastOptions("wrong"), absl::StatusCode::kUnauthenticated,
                             "wrong passphrase");
  EXPECT_FALSE(FileExists(path + "-wal"));
  EXPECT_FALSE(FileExists(path + "-shm"));
  // An older schema is not migrated with a wrong passphrase either.
  // Turn the file back into a v1 store.
  RawQuery(path, "DROP TRIGGER audit_log_no_update");
  RawQuery(path, "DROP TRIGGER audit_log_no_delete");
  RawQuery(path, "DROP INDEX audit_log_by_target");
  RawQuery(path, "ALTER TABLE audit_log DROP COLUMN paths");
  RawQuery(path, "PRAGMA user_version = 1");
  ExpectOpenRefusedUnchanged(path, FastOptions("wrong"), absl::StatusCode::kUnauthenticated,
                             "wrong passphrase");
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), "1");
  EXPECT_OK(Store::Open(path, FastOptions("right")));
}

TEST(StoreOpenTest, RandomBytesFileIsRefusedUnchanged) {
  TempDir dir;
  const std::string path = dir.File("random.db");
  {
    std::ofstream out(path, std::ios::binary);
    out << crypto::RandomBytes(8192);
  }
  ExpectOpenRefusedUnchanged(path, FastOptions("pw"), absl::StatusCode::kDataLoss,
                             "not a SQLite database");
  EXPECT_FALSE(FileExists(path + "-wal"));
  EXPECT_FALSE(FileExists(path + "-shm"));
  // Short garbage too.
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "hello";
  }
  ExpectOpenRefusedUnchanged(path, FastOptions("pw"), absl::StatusCode::kDataLoss, "too short");
}

TEST(StoreOpenTest, TruncatedStoreIsRefusedUnchanged) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  MakeStore(path, "pw");
  ASSERT_FALSE(FileExists(path + "-wal"));  // checkpointed on close
  const std::string full = ReadFileBytes(path);
  ASSERT_GT(full.size(), 8192u);
  for (size_t keep : {full.size() / 2, size_t{4096}, size_t{99}}) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(full.data(), static_cast<std::streamsize>(keep));
    }
    ExpectOpenRefusedUnchanged(path, FastOptions("pw"), absl::StatusCode::kDataLoss,
                               keep < 100 ? "too short" : "truncated");
  }
}

TEST(StoreOpenTest, ForeignSqliteDatabaseIsRefusedUnchanged) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  RawQuery(path, "CREATE TABLE other (x)");  // creates the file
  ExpectOpenRefusedUnchanged(path, FastOptions("pw"), absl::StatusCode::kFailedPrecondition,
                             "not an ESC store");
}

TEST(StoreOpenTest, CorruptPageIsDetected) {
  TempDir dir;
  const std::string path = dir.File("c.db");
  MakeStore(path, "pw");
  std::string bytes = ReadFileBytes(path);
  const size_t page = 4096;
  ASSERT_GE(bytes.size(), 4 * page);
  // Scribble over every page after the first two (schema and keyring live
  // early; the revision pages are later).
  for (size_t off = 2 * page; off + page <= bytes.size(); off += page) {
    for (size_t i = 0; i < 64; ++i) bytes[off + i] = static_cast<char>(0xA5);
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto s = Store::Open(path, FastOptions("pw"));
  if (s.ok()) {
    absl::Status integrity = (*s)->IntegrityCheck();
    EXPECT_THAT(integrity, StatusIs(absl::StatusCode::kDataLoss));
  } else {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST(StoreOpenTest, EmptyFileIsInitialised) {
  TempDir dir;
  const std::string path = dir.File("empty.db");
  { std::ofstream out(path); }
  ::chmod(path.c_str(), 0600);
  auto s = Store::Open(path, FastOptions("pw"));
  ASSERT_OK(s);
  EXPECT_OK((*s)->CreateEnvironment(Env("dev"), "a"));
}

TEST(StoreOpenTest, MissingFileWithoutCreateIsNotFound) {
  TempDir dir;
  StoreOptions o = FastOptions("pw");
  o.create_if_missing = false;
  EXPECT_THAT(Store::Open(dir.File("none.db"), std::move(o)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(FileExists(dir.File("none.db")));
  EXPECT_THAT(Store::Open(dir.File("no/such/dir.db"), FastOptions("pw")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StoreOpenTest, CredentialIsRequired) {
  TempDir dir;
  StoreOptions o;
  EXPECT_THAT(Store::Open(dir.File("x.db"), std::move(o)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Store::Open(dir.File("x.db"), FastOptions("")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(FileExists(dir.File("x.db")));
}

TEST(StoreOpenTest, RekeyRewrapsWithoutReencrypting) {
  TempDir dir;
  const std::string path = dir.File("r.db");
  std::string ciphertext;
  {
    auto s = Store::Open(path, FastOptions("old"));
    ASSERT_OK(s);
    ASSERT_OK((*s)->CreateEnvironment(Env("dev"), "a"));
    auto ct = (*s)->SecretsAead().Encrypt("value", "acme/default/dev#k");
    ASSERT_OK(ct);
    ciphertext = *ct;
    EXPECT_THAT((*s)->Rekey(Passphrase("not-old"), Passphrase("new"),
                            crypto::KdfParams::FastForTesting(), "admin"),
                StatusIs(absl::StatusCode::kUnauthenticated));
    ASSERT_OK((*s)->Rekey(Passphrase("old"), Passphrase("new"), crypto::KdfParams::FastForTesting(),
                          "admin"));
    // The open store keeps working after a rekey.
    ASSERT_OK((*s)->UpdateDefinition(Env("dev"), "values: {}\n", By("a")));
  }
  ExpectOpenRefusedUnchanged(path, FastOptions("old"), absl::StatusCode::kUnauthenticated,
                             "wrong passphrase");
  auto s = Store::Open(path, FastOptions("new"));
  ASSERT_OK(s);
  auto pt = (*s)->SecretsAead().Decrypt(ciphertext, "acme/default/dev#k");
  ASSERT_OK(pt);
  EXPECT_EQ(pt->Reveal(), "value");
  auto def = (*s)->ReadDefinition(Env("dev"), "");
  ASSERT_OK(def);
  EXPECT_EQ(def->revision, 2);
}

TEST(StoreOpenTest, TokensSurviveReopenAndRekey) {
  TempDir dir;
  const std::string path = dir.File("tok.db");
  std::string value;
  std::string id;
  {
    auto s = Store::Open(path, FastOptions("before"));
    ASSERT_OK(s);
    AccessTokenSpec spec;
    spec.scopes = {{"acme/default/*", Permission::kOpen}};
    auto tok = (*s)->CreateAccessToken(spec, "alice");
    ASSERT_OK(tok);
    value = std::string(tok->value.Reveal());
    id = tok->token.id;
    ASSERT_OK((*s)->Rekey(Passphrase("before"), Passphrase("after"),
                          crypto::KdfParams::FastForTesting(), "admin"));
  }
  auto s = Store::Open(path, FastOptions("after"));
  ASSERT_OK(s);
  auto verified = (*s)->VerifyAccessToken(value);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->id, id);
  EXPECT_TRUE(TokenAllows(*verified, Env("anything"), Permission::kOpen));
  // The stored row has no trace of the value.
  s->reset();
  EXPECT_EQ(ReadFileBytes(path).find(value.substr(crypto::kAccessTokenPrefix.size() +
                                                  crypto::kAccessTokenIdHexChars + 1)),
            std::string::npos);
}

TEST(StoreOpenTest, RawKeyCredential) {
  TempDir dir;
  const std::string path = dir.File("k.db");
  crypto::SecretBytes key = crypto::RandomSecret(32);
  StoreOptions o;
  o.credential = crypto::Credential::RawKey(key.Clone());
  ASSERT_OK(Store::Open(path, std::move(o)));
  o = StoreOptions();
  o.credential = crypto::Credential::RawKey(crypto::RandomSecret(32));
  ExpectOpenRefusedUnchanged(path, std::move(o), absl::StatusCode::kUnauthenticated,
                             "wrong store key");
  o = StoreOptions();
  o.credential = crypto::Credential::RawKey(std::move(key));
  EXPECT_OK(Store::Open(path, std::move(o)));
}

}  // namespace
}  // namespace escnative::store

namespace escnative::store {
namespace {

TEST(StoreOpenTest, PathsWithUriSpecialCharacters) {
  testing::TempDir dir;
  const std::string sub = dir.File("odd %3F?#dir");
  ASSERT_TRUE(std::filesystem::create_directory(sub));
  const std::string path = sub + "/store ?#%.db";
  {
    auto s = Store::Open(path, testing::FastOptions("pw"));
    ASSERT_OK(s);
    ASSERT_OK((*s)->CreateEnvironment(testing::Env("dev"), "a"));
  }
  auto wrong = Store::Open(path, testing::FastOptions("nope"));
  EXPECT_THAT(wrong, ::escnative::testing::StatusIs(absl::StatusCode::kUnauthenticated));
  auto s = Store::Open(path, testing::FastOptions("pw"));
  ASSERT_OK(s);
  EXPECT_OK((*s)->GetEnvironment(testing::Env("dev")));
}

}  // namespace
}  // namespace escnative::store
