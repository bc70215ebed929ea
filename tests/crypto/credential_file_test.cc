#include "provider/crypto/credential_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::crypto {
namespace {

using ::testing::HasSubstr;

class CredentialFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/esc-cred-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string Error(const std::string& path) {
    absl::StatusOr<SecretBytes> r = ReadCredentialFile(path, "passphrase");
    EXPECT_FALSE(r.ok()) << path;
    return r.ok() ? "" : std::string(r.status().message());
  }
  std::string dir_;
};

TEST_F(CredentialFileTest, FirstLineOfARegularFile) {
  for (const char* text : {"pass word\n", "pass word", "pass word\r\nsecond line\n"}) {
    absl::StatusOr<SecretBytes> r = ReadCredentialFile(Write("p", text), "passphrase");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->Reveal(), "pass word");
  }
}

TEST_F(CredentialFileTest, RefusesWhatIsNotASmallRegularFile) {
  EXPECT_THAT(Error(dir_), HasSubstr("is a directory; expected a regular file"));
  EXPECT_THAT(Error("/dev/zero"), HasSubstr("is not a regular file"));
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(Error(fifo), HasSubstr("is not a regular file"));  // and does not hang
  EXPECT_THAT(Error(Write("big", std::string(kMaxCredentialFileBytes + 1, 'a'))),
              HasSubstr("at most 65536"));
  EXPECT_THAT(Error(Write("empty", "")), HasSubstr("is empty"));
  EXPECT_THAT(Error(Write("blank", "\nsecond")), HasSubstr("is empty"));
  EXPECT_THAT(Error(dir_ + "/missing"), HasSubstr("cannot read passphrase file"));
  // The path is echoed safely; the contents never are.
  std::string msg = Error(Write("big\x1b[2J", std::string(70000, 's')));
  EXPECT_THAT(msg, HasSubstr("big\\x1B[2J"));
  EXPECT_EQ(msg.find("sss"), std::string::npos);
}

TEST_F(CredentialFileTest, ExactlyTheLimitIsAccepted) {
  absl::StatusOr<SecretBytes> r =
      ReadCredentialFile(Write("max", std::string(kMaxCredentialFileBytes, 'a')), "token");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), kMaxCredentialFileBytes);
}

}  // namespace
}  // namespace escnative::crypto
