#include "provider/cli/dotenv.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;

TEST(DotenvTest, CommonSyntax) {
  absl::StatusOr<DotenvEntries> e = ParseDotenv(
      "# comment\n"
      "\n"
      "export A=plain value  # trailing comment\n"
      "B = spaced\r\n"
      "C='single $HOME \\n kept'\n"
      "D=\"double \\\"q\\\" \\n \\t \\\\ \\$HOME\"  # c\n"
      "E='multi\nline'\n"
      "F=\"multi\nline too\"\n"
      "G=\n"
      "H=url#fragment\n"
      "I.J-K=dots\n",
      "t.env");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(*e, ::testing::ElementsAre(
                      Pair("A", "plain value"), Pair("B", "spaced"),
                      Pair("C", "single $HOME \\n kept"), Pair("D", "double \"q\" \n \t \\ $HOME"),
                      Pair("E", "multi\nline"), Pair("F", "multi\nline too"), Pair("G", ""),
                      Pair("H", "url#fragment"), Pair("I.J-K", "dots")));
}

TEST(DotenvTest, ErrorsNameTheLineNeverTheValue) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c :
       {Case{"A=1\nB='never closed secretvalue\n", "t.env:2: the quoted value is never closed"},
        Case{"A=1\nA=2\n", "t.env:2: A is given more than once"},
        Case{"1A=x\n", "t.env:1: expected KEY=VALUE"},
        Case{"A x\n", "t.env:1: expected '=' after A"},
        Case{"A='v' trailing\n", "t.env:1: unexpected text after the closing quote"},
        Case{"A=\xff\n", "t.env: not a text file"}}) {
    absl::StatusOr<DotenvEntries> e = ParseDotenv(c.text, "t.env");
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(std::string(e.status().message()).find("secretvalue"), std::string::npos);
  }
}

}  // namespace
}  // namespace escnative::cli
