// The secret workflows of escctl: values from stdin and files (never argv),
// export, run, check, import, edit and diff.
#include "absl/strings/str_split.h"
#include "tests/cli/escctl_test_util.h"

namespace escnative::cli {
namespace {

constexpr char kStdinSecret[] = "sk-stdin-SECRET-71c4e0a9b2";
constexpr char kFileSecret[] = "sk-file-SECRET-4d2f8b6c1e";

class EscctlWorkflowTest : public EscctlTest {
 protected:
  std::string Open(const std::string& env, const std::string& path) {
    Result r = Run({"env", "open", env, path, "--format", "string"});
    outputs_.pop_back();  // prints plaintext by design
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
};

TEST_F(EscctlWorkflowTest, SecretsFromStdinAndFilesNeverFromArgv) {
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  std::string in = WriteFile("in", absl::StrCat(kStdinSecret, "\n"));
  Result r = Run({"env", "set", "dev", "secrets.a", "--secret"}, {}, in);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  EXPECT_EQ(Open("dev", "secrets.a"), absl::StrCat(kStdinSecret, "\n"));  // newline dropped
  r = Run({"env", "set", "dev", "secrets.b", "-", "--secret"}, {}, in);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Open("dev", "secrets.b"), absl::StrCat(kStdinSecret, "\n"));

  // A file is taken exactly, trailing newline included.
  std::string file = WriteFile("v", absl::StrCat(kFileSecret, "\n"));
  r = Run({"env", "set", "dev", "secrets.c", "--secret", "--value-file", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Open("dev", "secrets.c"), absl::StrCat(kFileSecret, "\n\n"));
  // Stdin values are strings even when they look like JSON.
  std::string num = WriteFile("num", "12345\n");
  ASSERT_EQ(Run({"env", "set", "dev", "pin"}, {}, num).code, 0);
  EXPECT_EQ(Run({"env", "get", "dev", "pin", "--value", "json"}).out, "\"12345\"\n");

  // A secret as an argument still works, with a warning.
  r = Run({"env", "set", "dev", "secrets.d", "argv-secret-value", "--secret"});
  ASSERT_EQ(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("warning: a secret given as an argument is visible"));
  outputs_.pop_back();  // holds that value by design

  // Binary input, both sources, a directory: refused, nothing written.
  std::string before = Run({"env", "get", "dev", "--definition"}).out;
  std::string bin = WriteFile("bin", std::string("ab\xff\xfe\0cd", 7));
  r = Run({"env", "set", "dev", "secrets.e", "--secret"}, {}, bin);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("the value from stdin is not text"));
  r = Run({"env", "set", "dev", "secrets.e", "x", "--value-file", file});
  EXPECT_EQ(r.code, 2);
  r = Run({"env", "set", "dev", "secrets.e", "--value-file", dir_.path()});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a readable regular file"));
  EXPECT_EQ(Run({"env", "get", "dev", "--definition"}).out, before);
  ExpectNoPlaintext({kStdinSecret, kFileSecret});
}

}  // namespace
}  // namespace escnative::cli
