// Storage faults under the store: a full disk and EIO on fsync (through the
// FaultVfs shim), a read-only store file, and the store path replaced by a
// directory or a symbolic link. Each must fail with a clear error, leave
// nothing half-written, and leave a store that opens intact afterwards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/store/store.h"
#include "tests/store/fault_vfs.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FastOptions;
using ::escnative::store::testing::FaultVfs;
using ::escnative::store::testing::FileExists;
using ::escnative::store::testing::ReadFileBytes;
using ::escnative::store::testing::TempDir;
using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPw[] = "fault-pw";

// A definition big enough that one write spans many pages.
std::string BigDefinition(int n) {
  std::string yaml = "values:\n";
  for (int i = 0; i < 400; ++i) absl::StrAppend(&yaml, "  key", i, ": value-", n, "-", i, "\n");
  return yaml;
}

// Opens `path` and checks the store holds exactly `latest` as env "app"'s
// latest definition, revision `revision`, and passes the integrity check.
void ExpectIntact(const std::string& path, int64_t revision, const std::string& latest) {
  auto store = Store::Open(path, FastOptions(kPw));
  ASSERT_OK(store);
  ASSERT_OK((*store)->IntegrityCheck());
  auto def = (*store)->ReadDefinition(Env("app"), "latest");
  ASSERT_OK(def);
  EXPECT_EQ(def->revision, revision);
  EXPECT_EQ(def->yaml, latest);
  auto revs = (*store)->ListRevisions(Env("app"), std::nullopt, 0);
  ASSERT_OK(revs);
  EXPECT_EQ(static_cast<int64_t>(revs->size()), revision);
}

class StoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vfs_ = &FaultVfs::Install();
    path_ = dir_.File("store.db");
    auto store = Store::Open(path_, FastOptions(kPw));
    ASSERT_OK(store);
    ASSERT_OK((*store)->CreateEnvironment(Env("app"), "setup"));
    auto rev = (*store)->UpdateDefinition(Env("app"), BigDefinition(1), By("setup"));
    ASSERT_OK(rev);
    good_revision_ = rev->number;
  }
  void TearDown() override { vfs_->Disarm(); }

  FaultVfs* vfs_ = nullptr;
  TempDir dir_;
  std::string path_;
  int64_t good_revision_ = 0;
};

TEST_F(StoreFaultTest, DiskFullAtEveryPointOfAWriteLeavesTheLastGoodState) {
  // The budget runs out at a different point of the transaction each round:
  // in the first WAL frame, mid-way, at the commit frame.
  int failures = 0;
  for (int64_t budget : {0, 1, 24, 4096, 4200, 8192, 12000, 16384, 20000, 24576, 32768}) {
    SCOPED_TRACE(absl::StrCat("write budget ", budget, " bytes"));
    {
      auto store = Store::Open(path_, FastOptions(kPw));
      ASSERT_OK(store);
      vfs_->FailWritesAfter(budget);
      auto rev = (*store)->UpdateDefinition(Env("app"), BigDefinition(100 + budget), By("w"));
      vfs_->Disarm();
      if (!rev.ok()) {
        ++failures;
        EXPECT_THAT(rev.status(), StatusIs(absl::StatusCode::kResourceExhausted));
        EXPECT_THAT(rev.status().message(), HasSubstr("disk is full"));
        // The same handle still works once space is back.
        auto def = (*store)->ReadDefinition(Env("app"), "latest");
        ASSERT_OK(def);
        EXPECT_EQ(def->revision, good_revision_);
        EXPECT_EQ(def->yaml, BigDefinition(1));
        ASSERT_OK((*store)->IntegrityCheck());
      } else {
        // The budget covered the whole transaction: it is the new good state.
        // Put the old one back so every round starts from the same state.
        ASSERT_OK((*store)->UpdateDefinition(Env("app"), BigDefinition(1), By("w")));
        good_revision_ += 2;
      }
    }
    ExpectIntact(path_, good_revision_, BigDefinition(1));
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GE(failures, 5) << "the write budgets were too large to exercise a full disk";
  EXPECT_GT(vfs_->write_faults(), 0);
}

TEST_F(StoreFaultTest, DiskFullThenSpaceBackTheSameHandleWritesAgain) {
  auto store = Store::Open(path_, FastOptions(kPw));
  ASSERT_OK(store);
  vfs_->FailWritesAfter(0);
  EXPECT_THAT((*store)->UpdateDefinition(Env("app"), BigDefinition(2), By("w")).status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT((*store)->CreateEnvironment(Env("other"), "w").status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
  vfs_->Disarm();
  auto rev = (*store)->UpdateDefinition(Env("app"), BigDefinition(3), By("w"));
  ASSERT_OK(rev);
  EXPECT_EQ(rev->number, good_revision_ + 1);
  EXPECT_THAT((*store)->GetEnvironment(Env("other")).status(),
              StatusIs(absl::StatusCode::kNotFound));
  store->reset();
  ExpectIntact(path_, good_revision_ + 1, BigDefinition(3));
}

TEST_F(StoreFaultTest, DiskFullWhileCreatingAStoreLeavesAFileThatInitialisesLater) {
  const std::string fresh = dir_.File("fresh.db");
  vfs_->FailWritesAfter(0);
  auto store = Store::Open(fresh, FastOptions(kPw));
  vfs_->Disarm();
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(store.status().message(), HasSubstr("disk is full"));
  // Whatever is left is an empty file that the next open initialises.
  auto again = Store::Open(fresh, FastOptions(kPw));
  ASSERT_OK(again);
  ASSERT_OK((*again)->IntegrityCheck());
  EXPECT_EQ((*again)->SchemaVersion(), kLatestSchemaVersion);
}

TEST_F(StoreFaultTest, FsyncFailureFailsTheWriteAndLeavesNoPartialRevision) {
  {
    auto store = Store::Open(path_, FastOptions(kPw));
    ASSERT_OK(store);
    vfs_->FailSyncs();
    auto rev = (*store)->UpdateDefinition(Env("app"), BigDefinition(2), By("w"));
    vfs_->Disarm();
    ASSERT_FALSE(rev.ok()) << "a write whose fsync failed was acknowledged";
    EXPECT_THAT(rev.status().message(), HasSubstr("disk I/O error"));
    EXPECT_GT(vfs_->sync_faults(), 0);
    // Not acknowledged, so not visible: the commit never reached the WAL index.
    auto def = (*store)->ReadDefinition(Env("app"), "latest");
    ASSERT_OK(def);
    EXPECT_EQ(def->revision, good_revision_);
    EXPECT_EQ(def->yaml, BigDefinition(1));
    // And the handle recovers once the disk does.
    auto next = (*store)->UpdateDefinition(Env("app"), BigDefinition(3), By("w"));
    ASSERT_OK(next);
    EXPECT_EQ(next->number, good_revision_ + 1);
  }
  ExpectIntact(path_, good_revision_ + 1, BigDefinition(3));
}

TEST_F(StoreFaultTest, FsyncFailureWhileOpeningFailsTheOpen) {
  const std::string fresh = dir_.File("fresh.db");
  vfs_->FailSyncs();
  auto store = Store::Open(fresh, FastOptions(kPw));
  vfs_->Disarm();
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("disk I/O error"));
  // The half-created store was never committed: the next open initialises it.
  auto again = Store::Open(fresh, FastOptions(kPw));
  ASSERT_OK(again);
  ASSERT_OK((*again)->IntegrityCheck());
  EXPECT_EQ((*again)->SchemaVersion(), kLatestSchemaVersion);
  // Other stores are untouched.
  ExpectIntact(path_, good_revision_, BigDefinition(1));
}

// Runs `fn` as an unprivileged user when this process is root (root ignores
// file modes), else in-process. Returns the open's status code and message.
std::pair<absl::StatusCode, std::string> OpenAsUnprivileged(const std::string& dir,
                                                            const std::string& path) {
  if (::geteuid() != 0) {
    auto store = Store::Open(path, FastOptions(kPw));
    return {store.status().code(), std::string(store.status().message())};
  }
  constexpr uid_t kNobody = 65534;
  EXPECT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
  EXPECT_EQ(::chown(path.c_str(), kNobody, kNobody), 0);
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(10);
    auto store = Store::Open(path, FastOptions(kPw));
    const std::string out =
        absl::StrCat(static_cast<int>(store.status().code()), " ", store.status().message());
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(::chown(dir.c_str(), 0, 0), 0);
  EXPECT_EQ(::chown(path.c_str(), 0, 0), 0);
  const size_t space = out.find(' ');
  if (space == std::string::npos) return {absl::StatusCode::kUnknown, out};
  return {static_cast<absl::StatusCode>(std::stoi(out.substr(0, space))), out.substr(space + 1)};
}

TEST_F(StoreFaultTest, ReadOnlyStoreFileIsRefusedAndLeftUntouched) {
  const std::string before = ReadFileBytes(path_);
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  const auto [code, message] = OpenAsUnprivileged(dir_.path(), path_);
  EXPECT_EQ(code, absl::StatusCode::kInvalidArgument) << message;
  EXPECT_THAT(message, HasSubstr("is not readable and writable by this user"));
  EXPECT_EQ(ReadFileBytes(path_), before);
  EXPECT_FALSE(FileExists(path_ + "-wal"));
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  ExpectIntact(path_, good_revision_, BigDefinition(1));
}

TEST_F(StoreFaultTest, StorePathReplacedByADirectoryIsRefused) {
  const std::string aside = dir_.File("aside.db");
  ASSERT_EQ(::rename(path_.c_str(), aside.c_str()), 0);
  ASSERT_EQ(::mkdir(path_.c_str(), 0700), 0);
  auto store = Store::Open(path_, FastOptions(kPw));
  EXPECT_THAT(store.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store.status().message(), HasSubstr("is a directory"));
  EXPECT_TRUE(std::filesystem::is_empty(path_)) << "something was written into the directory";
  ASSERT_EQ(::rmdir(path_.c_str()), 0);
  ASSERT_EQ(::rename(aside.c_str(), path_.c_str()), 0);
  ExpectIntact(path_, good_revision_, BigDefinition(1));
}

// Symbolic links are followed (docs/store-format.md): SQLite resolves the
// link, so the -wal and -shm files sit next to the real file and every path
// to the store shares one lock.
TEST_F(StoreFaultTest, SymlinkToTheStoreIsFollowed) {
  const std::string link = dir_.File("link.db");
  ASSERT_EQ(::symlink(path_.c_str(), link.c_str()), 0);
  {
    auto store = Store::Open(link, FastOptions(kPw));
    ASSERT_OK(store);
    ASSERT_OK((*store)->UpdateDefinition(Env("app"), BigDefinition(2), By("w")));
    EXPECT_TRUE(FileExists(path_ + "-wal"));
    EXPECT_FALSE(FileExists(link + "-wal"));
  }
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  ExpectIntact(path_, good_revision_ + 1, BigDefinition(2));
}

TEST_F(StoreFaultTest, DanglingSymlinkIsRefusedAndNothingIsCreated) {
  const std::string link = dir_.File("link.db");
  const std::string target = dir_.File("missing.db");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto store = Store::Open(link, FastOptions(kPw));
  EXPECT_THAT(store.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store.status().message(), HasSubstr("symbolic link to a missing file"));
  EXPECT_FALSE(FileExists(target));
}

TEST_F(StoreFaultTest, SymlinkToANonStoreIsRefusedAndTheTargetUntouched) {
  const std::string link = dir_.File("link.db");
  const std::string target = dir_.File("notes.txt");
  std::FILE* f = std::fopen(target.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(std::string(200, 'x').c_str(), f);
  std::fclose(f);
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto store = Store::Open(link, FastOptions(kPw));
  EXPECT_THAT(store.status(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(store.status().message(), HasSubstr("not a SQLite database"));
  EXPECT_EQ(ReadFileBytes(target), std::string(200, 'x'));
  // A link to a directory is a directory.
  ASSERT_EQ(::unlink(link.c_str()), 0);
  ASSERT_EQ(::symlink(dir_.path().c_str(), link.c_str()), 0);
  EXPECT_THAT(Store::Open(link, FastOptions(kPw)).status().message(), HasSubstr("is a directory"));
}

}  // namespace
}  // namespace escnative::store
