// Crash safety: a child process makes durable writes and reports each one
// the store acknowledged; the parent SIGKILLs it at random points, several
// rounds in a row, then proves every acknowledged write is in the file and
// the database passes PRAGMA integrity_check.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
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

constexpr int kEnvs = 4;
constexpr int kMinAcknowledged = 2000;
constexpr int kMinRounds = 5;

// ESC_CRASH_SEED if set (a decimal number), else a fresh random seed.
uint32_t CrashSeed() {
  if (const char* env = std::getenv("ESC_CRASH_SEED"); env != nullptr && *env != '\0') {
    uint32_t seed = 0;
    if (absl::SimpleAtoi(env, &seed)) return seed;
    ADD_FAILURE() << "ESC_CRASH_SEED is not a 32-bit unsigned number: " << env;
  }
  return std::random_device{}();
}

std::string Definition(int64_t seq) { return absl::StrCat("values:\n  seq: ", seq, "\n"); }

// Child: write forever, reporting "<env> <revision> <seq>" after each commit.
[[noreturn]] void WriterChild(const std::string& path, int fd, int64_t first_seq) {
  auto store = Store::Open(path, FastOptions("crash-pw"));
  if (!store.ok()) {
    WriteLine(fd, "E open\n");
    ::_exit(2);
  }
  for (int64_t seq = first_seq;; ++seq) {
    const int env = static_cast<int>(seq % kEnvs);
    auto rev =
        (*store)->UpdateDefinition(Env(absl::StrCat("env", env)), Definition(seq), By("writer"));
    if (!rev.ok()) {
      WriteLine(fd, "E write\n");
      ::_exit(3);
    }
    WriteLine(fd, absl::StrCat(env, " ", rev->number, " ", seq, "\n"));
  }
}

TEST(StoreCrashTest, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  const std::string path = dir.File("crash.db");
  {
    auto store = Store::Open(path, FastOptions("crash-pw"));
    ASSERT_OK(store);
    for (int e = 0; e < kEnvs; ++e) {
      ASSERT_OK((*store)->CreateEnvironment(Env(absl::StrCat("env", e)), "setup"));
    }
  }

  // The kill points (acknowledgement counts and delays) come from this seed;
  // ESC_CRASH_SEED=<n> replays them. The OS schedule still varies run to run.
  const uint32_t seed = CrashSeed();
  std::printf("crash test: seed %u (replay with ESC_CRASH_SEED=%u)\n", seed, seed);
  std::fflush(stdout);
  SCOPED_TRACE(absl::StrCat("ESC_CRASH_SEED=", seed));
  std::mt19937 rng(seed);
  // (env, revision) -> seq, for every acknowledged write.
  std::map<std::pair<int, int64_t>, int64_t> acked;
  int rounds = 0;
  while (static_cast<int>(acked.size()) < kMinAcknowledged || rounds < kMinRounds) {
    ASSERT_LT(rounds, 50) << "children are not making progress";
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int64_t first_seq = int64_t{rounds} * 1'000'000;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      WriterChild(path, fds[1], first_seq);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements plus a random delay, so
    // the signal lands at varying points inside a transaction or fsync.
    const int kill_after = std::uniform_int_distribution<int>(150, 700)(rng);
    LineReader reader(fds[0]);
    std::vector<std::string> lines;
    int seen_this_round = 0;
    bool killed = false;
    while (true) {
      const size_t before = lines.size();
      if (!reader.ReadSome(&lines)) break;  // EOF: child is gone
      seen_this_round += static_cast<int>(lines.size() - before);
      if (!killed && seen_this_round >= kill_after) {
        ::usleep(std::uniform_int_distribution<int>(0, 3000)(rng));
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child ended on its own (status " << status << ")";
    for (const std::string& line : lines) {
      ASSERT_NE(line[0], 'E') << "child reported an error: " << line;
      int env = 0;
      long long rev = 0, seq = 0;
      ASSERT_EQ(std::sscanf(line.c_str(), "%d %lld %lld", &env, &rev, &seq), 3) << line;
      const bool inserted = acked.emplace(std::make_pair(env, rev), seq).second;
      ASSERT_TRUE(inserted) << "revision acknowledged twice: " << line;
    }
    ++rounds;
  }

  auto store = Store::Open(path, FastOptions("crash-pw"));
  ASSERT_OK(store);
  ASSERT_OK((*store)->IntegrityCheck());
  int verified = 0;
  for (const auto& [key, seq] : acked) {
    const auto& [env, rev] = key;
    auto def = (*store)->ReadDefinition(Env(absl::StrCat("env", env)), absl::StrCat(rev));
    ASSERT_OK(def) << "acknowledged write env" << env << "@" << rev << " lost";
    ASSERT_EQ(def->yaml, Definition(seq)) << "env" << env << "@" << rev;
    ++verified;
  }
  // Revisions are dense: no holes below the latest in any environment.
  for (int e = 0; e < kEnvs; ++e) {
    auto revs = (*store)->ListRevisions(Env(absl::StrCat("env", e)), std::nullopt, 0);
    ASSERT_OK(revs);
    for (size_t i = 0; i < revs->size(); ++i) {
      ASSERT_EQ((*revs)[i].number, static_cast<int64_t>(revs->size() - i));
    }
  }
  EXPECT_GE(verified, kMinAcknowledged);
  std::printf("crash test: %d rounds, %d acknowledged writes verified\n", rounds, verified);
}

}  // namespace
}  // namespace escnative::store
