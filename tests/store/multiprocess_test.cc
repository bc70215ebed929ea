// Two processes doing etag-guarded read-modify-write on the same environment
// in the same file: no update may be lost.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/store/store.h"
#include "tests/store/process_test_util.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FastOptions;
using ::escnative::store::testing::LineReader;
using ::escnative::store::testing::TempDir;
using ::escnative::store::testing::WriteLine;

constexpr int kIncrements = 400;

struct Counters {
  long long a = 0, b = 0, shared = 0;
};

bool Parse(const std::string& yaml, Counters* c) {
  if (yaml.empty()) return true;
  return std::sscanf(yaml.c_str(), "a: %lld\nb: %lld\nshared: %lld", &c->a, &c->b, &c->shared) == 3;
}

std::string Render(const Counters& c) {
  return absl::StrCat("a: ", c.a, "\nb: ", c.b, "\nshared: ", c.shared, "\n");
}

// Child `which` (0 or 1) increments its own key and the shared key.
[[noreturn]] void IncrementerChild(const std::string& path, int which, int start_fd,
                                   int report_fd) {
  auto store = Store::Open(path, FastOptions("mp-pw"));
  if (!store.ok()) ::_exit(2);
  char go;
  if (::read(start_fd, &go, 1) != 1) ::_exit(3);  // start together
  long long conflicts = 0;
  std::minstd_rand rng(static_cast<unsigned>(::getpid()));
  for (int i = 0; i < kIncrements; ++i) {
    while (true) {
      auto def = (*store)->ReadDefinition(Env("shared"), "");
      Counters c;
      if (!def.ok() || !Parse(def->yaml, &c)) ::_exit(4);
      // A client thinks between read and write; this widens the window in
      // which the other process can slip a write in.
      ::usleep(static_cast<useconds_t>(rng() % 300));
      (which == 0 ? c.a : c.b) += 1;
      c.shared += 1;
      auto w = (*store)->UpdateDefinition(Env("shared"), Render(c),
                                          By(absl::StrCat("proc", which), def->etag));
      if (w.ok()) break;
      if (w.status().code() != absl::StatusCode::kAborted) ::_exit(5);
      ++conflicts;
    }
  }
  WriteLine(report_fd, absl::StrCat(conflicts, "\n"));
  ::_exit(0);
}

TEST(StoreMultiProcessTest, TwoProcessesLoseNoUpdates) {
  TempDir dir;
  const std::string path = dir.File("mp.db");
  {
    auto store = Store::Open(path, FastOptions("mp-pw"));
    ASSERT_OK(store);
    ASSERT_OK((*store)->CreateEnvironment(Env("shared"), "setup"));
  }
  int start[2], report[2];
  ASSERT_EQ(::pipe(start), 0);
  ASSERT_EQ(::pipe(report), 0);
  std::vector<pid_t> pids;
  for (int which = 0; which < 2; ++which) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      ::close(report[0]);
      IncrementerChild(path, which, start[0], report[1]);
    }
    pids.push_back(pid);
  }
  ::close(start[0]);
  ::close(report[1]);
  ASSERT_EQ(::write(start[1], "gg", 2), 2);
  ::close(start[1]);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "child crashed";
    ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed";
  }
  LineReader reader(report[0]);
  std::vector<std::string> lines;
  while (reader.ReadSome(&lines)) {
  }
  ::close(report[0]);
  ASSERT_EQ(lines.size(), 2u);
  const long long conflicts = std::stoll(lines[0]) + std::stoll(lines[1]);

  auto store = Store::Open(path, FastOptions("mp-pw"));
  ASSERT_OK(store);
  auto def = (*store)->ReadDefinition(Env("shared"), "");
  ASSERT_OK(def);
  Counters c;
  ASSERT_TRUE(Parse(def->yaml, &c));
  EXPECT_EQ(c.a, kIncrements);
  EXPECT_EQ(c.b, kIncrements);
  EXPECT_EQ(c.shared, 2 * kIncrements);
  EXPECT_EQ(def->revision, 1 + 2 * kIncrements);
  ASSERT_OK((*store)->IntegrityCheck());
  // How interleaved were the writers? Count changes of writer in the log.
  AuditQuery q;
  q.action = "environment.update";
  q.limit = 10 * kIncrements;
  auto events = (*store)->ListAuditEvents(q);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u * kIncrements);
  int switches = 0;
  for (size_t i = 1; i < events->size(); ++i) {
    switches += (*events)[i].actor != (*events)[i - 1].actor;
  }
  std::printf(
      "two processes: %d increments each, %lld etag conflicts retried, "
      "%d writer switches\n",
      kIncrements, conflicts, switches);
}

TEST(StoreMultiProcessTest, ConcurrentFirstOpenCreatesOneStore) {
  TempDir dir;
  const std::string path = dir.File("race.db");
  constexpr int kProcs = 4;
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      char go;
      if (::read(start[0], &go, 1) != 1) ::_exit(3);
      auto store = Store::Open(path, FastOptions("race-pw"));
      if (!store.ok()) ::_exit(4);
      if (!(*store)->CreateEnvironment(Env(absl::StrCat("p", p)), "racer").ok()) ::_exit(5);
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(start[0]);
  const std::string go(kProcs, 'g');
  ASSERT_EQ(::write(start[1], go.data(), go.size()), static_cast<ssize_t>(go.size()));
  ::close(start[1]);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "an opener failed";
  }
  auto store = Store::Open(path, FastOptions("race-pw"));
  ASSERT_OK(store);
  auto envs = (*store)->ListEnvironments("acme", "");
  ASSERT_OK(envs);
  EXPECT_EQ(envs->size(), static_cast<size_t>(kProcs));
  AuditQuery q;
  q.action = "store.create";
  auto created = (*store)->ListAuditEvents(q);
  ASSERT_OK(created);
  EXPECT_EQ(created->size(), 1u) << "exactly one process initialised the store";
}

TEST(StoreMultiProcessTest, LockHeldTooLongIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("busy.db");
  StoreOptions o = FastOptions("busy-pw");
  o.busy_timeout = absl::Milliseconds(50);
  o.busy_retries = 1;
  auto store = Store::Open(path, std::move(o));
  ASSERT_OK(store);
  // Another process takes the write lock and sits on it.
  int locked[2], release[2];
  ASSERT_EQ(::pipe(locked), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ::_exit(2);
    }
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) ::_exit(3);
    WriteLine(locked[1], "locked\n");
    char c;
    if (::read(release[0], &c, 1) != 1) ::_exit(4);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ::_exit(0);
  }
  LineReader reader(locked[0]);
  std::vector<std::string> lines;
  ASSERT_TRUE(reader.ReadSome(&lines));
  auto blocked = (*store)->CreateEnvironment(Env("dev"), "a");
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable) << blocked.status();
  // Reads are not blocked by a writer in WAL mode.
  EXPECT_OK((*store)->ListEnvironments("acme", ""));
  ASSERT_EQ(::write(release[1], "r", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_OK((*store)->CreateEnvironment(Env("dev"), "a"));
}

}  // namespace
}  // namespace escnative::store
