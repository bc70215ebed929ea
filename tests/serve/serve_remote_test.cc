// escctl --url: the commands run against `escctl serve` through the cloud
// backend (our client against our server). The token never shows in any
// output; local-only commands say so.
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/serve/serve_fixture.h"

namespace escnative::serve_test {
namespace {

class RemoteTest : public ServeTest {
 protected:
  void SetUp() override {
    ServeTest::SetUp();
    token_file_ = dir_.File("token");
    std::ofstream(token_file_) << admin_ << "\n";
  }
  // escctl --url ... --token-file ...; every output kept for the scan.
  Exit Remote(std::vector<std::string> args, const std::string& token_file = "") {
    std::vector<std::string> argv = {"--url", "http://127.0.0.1:" + std::to_string(port_),
                                     "--token-file", token_file.empty() ? token_file_ : token_file};
    argv.insert(argv.end(), args.begin(), args.end());
    Exit e = Escctl(argv);
    outputs_ += e.out + e.err;
    return e;
  }
  void TearDown() override {
    EXPECT_FALSE(absl::StrContains(outputs_, admin_)) << "the token in escctl's output";
    EXPECT_FALSE(absl::StrContains(ServerStderr(), admin_)) << "the token in the server's log";
    ServeTest::TearDown();
  }
  std::string token_file_;
  std::string outputs_;
};

TEST_F(RemoteTest, CommandsRunAgainstTheServer) {
  Exit e = Remote({"env", "init", "app"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(absl::StrContains(e.out, "myorg/default/app")) << e.out;  // the server's org
  ASSERT_EQ(Remote({"env", "set", "app", "greeting", "hello"}).code, 0);
  e = Remote({"env", "set", "app", "--secret", "pw", kSecret});
  ASSERT_EQ(e.code, 0) << e.err;

  e = Remote({"env", "get", "app"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(absl::StrContains(e.out, "hello"));
  EXPECT_FALSE(ContainsSecret(e.out)) << e.out;
  e = Remote({"env", "open", "app"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(absl::StrContains(e.out, kSecret));  // open is where the value shows
  outputs_.clear();  // (the planted secret is allowed there; the token never is)

  e = Remote({"env", "version", "ls", "app"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(absl::StrContains(e.out, "revision 3"));
  ASSERT_EQ(Remote({"env", "tag", "set", "app", "team", "esc"}).code, 0);
  e = Remote({"env", "tag", "ls", "app"});
  EXPECT_TRUE(absl::StrContains(e.out, "team")) << e.out;
  e = Remote({"env", "ls"});
  EXPECT_TRUE(absl::StrContains(e.out, "myorg/default/app")) << e.out;

  // Stored on the server's store: visible over plain HTTP.
  Resp r = Call("GET", Env("default/app"), admin_);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(absl::StrContains(r.body, "greeting"));
}

TEST_F(RemoteTest, ErrorsAreClearAndExitCodesKept) {
  Exit e = Remote({"env", "get", "nope"});
  EXPECT_EQ(e.code, 3) << e.err;
  EXPECT_TRUE(absl::StrContains(e.err, "myorg/default/nope")) << e.err;

  std::string bad = dir_.File("bad-token");
  std::ofstream(bad) << "esc_not-a-real-token\n";
  e = Remote({"env", "ls"}, bad);
  EXPECT_EQ(e.code, 5) << e.err;
  EXPECT_FALSE(absl::StrContains(e.err, "esc_not-a-real-token")) << e.err;

  e = Remote({"rekey"});
  EXPECT_NE(e.code, 0);
  EXPECT_TRUE(absl::StrContains(e.err, "local store only")) << e.err;

  // No token at all.
  e = Escctl({"--url", "http://127.0.0.1:" + std::to_string(port_), "env", "ls"});
  EXPECT_EQ(e.code, 5) << e.err;
  EXPECT_TRUE(absl::StrContains(e.err, "needs an access token")) << e.err;
}

// Issue: key-level writes must not fail because another key changed. Four
// remote clients set distinct keys of one environment at once: every one
// lands (a stale etag is re-read and re-applied, as on a local store).
TEST_F(RemoteTest, ConcurrentKeyLevelSetsFromRemoteClientsAllLand) {
  ASSERT_EQ(Remote({"env", "init", "app"}).code, 0);
  std::string escctl =
      absl::StrCat(ESCCTL_PATH, " --url http://127.0.0.1:", port_, " --token-file ", token_file_);
  std::string script = absl::StrCat(
      "cd '", dir_.path(), "' && for w in 1 2 3 4; do (for i in $(seq 25); do ", escctl,
      " env set app k$w.n$i v$w-$i >/dev/null 2>>err.$w || echo \"$w $i $?\" >> fail.$w; "
      "done) & done; wait");
  ASSERT_EQ(std::system(("/bin/bash -c \"" +
                         absl::StrReplaceAll(script, {{"\"", "\\\""}, {"$", "\\$"}}) + "\"")
                            .c_str()),
            0);
  for (int w = 1; w <= 4; ++w) {
    EXPECT_EQ(store::testing::ReadFileBytes(dir_.File(absl::StrCat("fail.", w))), "")
        << store::testing::ReadFileBytes(dir_.File(absl::StrCat("err.", w)));
  }
  Exit e = Remote({"env", "get", "app", "--value", "json"});
  ASSERT_EQ(e.code, 0) << e.err;
  for (int w = 1; w <= 4; ++w) {
    for (int i = 1; i <= 25; ++i) {
      EXPECT_TRUE(absl::StrContains(e.out, absl::StrCat("\"n", i, "\": \"v", w, "-", i, "\"")))
          << w << " " << i;
    }
  }
}

}  // namespace
}  // namespace escnative::serve_test
