// Key-level writes from concurrent escctl processes: distinct keys never
// conflict; the same key conflicts only when another writer changed it, and
// the message names the key.
#include "absl/strings/str_split.h"
#include "tests/cli/escctl_test_util.h"

namespace escnative::cli {
namespace {

class EscctlConcurrencyTest : public EscctlTest {
 protected:
  // Runs `workers` copies of a loop of `count` `escctl env set` calls in
  // parallel; worker W's call I sets key(W, I). Each failure is one line
  // "W I EXIT" in fail.W, with escctl's stderr in err.W.
  Result RunWorkers(int workers, int count, const std::string& key_expr,
                    const std::string& command = "env set") {
    std::string script = absl::StrCat(
        "for w in $(seq ", workers, "); do (for i in $(seq ", count, "); do \"$ESCCTL\" ", command,
        " app ", key_expr,
        " \"v$w-$i\" 2>>err.$w >/dev/null || echo \"$w $i $?\" >> fail.$w; done) & done; wait");
    std::map<std::string, std::string> env = env_;
    env["ESCCTL"] = escctl_;
    env["TESTDIR"] = dir_.path();
    return Spawn({"/bin/bash", "-c", "cd \"$TESTDIR\" || exit 99; " + script}, env, dir_.path());
  }
  std::vector<std::string> Failures(int worker) {
    std::string text = ReadFileBytes(dir_.File(absl::StrCat("fail.", worker)));
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }
};

TEST_F(EscctlConcurrencyTest, DistinctKeysAllSucceed) {
  ASSERT_EQ(Run({"env", "init", "app"}).code, 0);
  Result r = RunWorkers(4, 50, "\"values_w$w.k$i\"");
  ASSERT_EQ(r.code, 0) << r.err;
  for (int w = 1; w <= 4; ++w) {
    EXPECT_TRUE(Failures(w).empty())
        << "worker " << w << ": " << ReadFileBytes(dir_.File(absl::StrCat("err.", w)));
  }
  Result get = Run({"env", "get", "app", "--value", "json"});
  ASSERT_EQ(get.code, 0) << get.err;
  for (int w = 1; w <= 4; ++w) {
    for (int i = 1; i <= 50; ++i) {
      EXPECT_THAT(get.out, HasSubstr(absl::StrCat("\"k", i, "\": \"v", w, "-", i, "\"")))
          << "worker " << w << " key " << i;
    }
  }
  // One revision per write, plus the empty first one.
  Result revs = Run({"env", "version", "ls", "app"});
  EXPECT_THAT(revs.out, ::testing::StartsWith("revision 201 "));
}

TEST_F(EscctlConcurrencyTest, SameKeyConflictsOnlyWhenAnotherWriterChangedIt) {
  ASSERT_EQ(Run({"env", "init", "app"}).code, 0);
  Result r = RunWorkers(2, 30, "shared.key");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<size_t> failed;
  for (int w = 1; w <= 2; ++w) {
    std::vector<std::string> fails = Failures(w);
    failed.push_back(fails.size());
    for (const std::string& f : fails) {
      EXPECT_TRUE(absl::EndsWith(f, " 4")) << "exit code other than 4: " << f;
    }
    std::string err = ReadFileBytes(dir_.File(absl::StrCat("err.", w)));
    if (!fails.empty()) {
      EXPECT_THAT(err, HasSubstr("conflict: shared.key in myorg/default/app was changed"));
    }
  }
  // A lost race needs a successful write of the other worker in between.
  EXPECT_LE(failed[0], 30 - failed[1]);
  EXPECT_LE(failed[1], 30 - failed[0]);
  Result get = Run({"env", "get", "app", "shared.key", "--value", "string"});
  EXPECT_EQ(get.code, 0);
  EXPECT_THAT(get.out, ::testing::StartsWith("v"));
}

TEST_F(EscctlConcurrencyTest, DistinctEnvironmentTagsAllStay) {
  ASSERT_EQ(Run({"env", "init", "app"}).code, 0);
  Result r = RunWorkers(4, 10, "\"t$w-$i\"", "env tag set");
  ASSERT_EQ(r.code, 0) << r.err;
  for (int w = 1; w <= 4; ++w) EXPECT_TRUE(Failures(w).empty()) << "worker " << w;
  Result ls = Run({"env", "tag", "ls", "app"});
  for (int w = 1; w <= 4; ++w) {
    for (int i = 1; i <= 10; ++i) {
      EXPECT_THAT(ls.out, HasSubstr(absl::StrCat("t", w, "-", i, "\tv", w, "-", i, "\n")));
    }
  }
  EXPECT_EQ(Run({"env", "tag", "rm", "app", "t1-1"}).code, 0);
  EXPECT_EQ(Run({"env", "tag", "rm", "app", "t1-1"}).code, 3);
}

}  // namespace
}  // namespace escnative::cli
