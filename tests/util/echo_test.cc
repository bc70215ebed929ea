#include "provider/util/echo.h"

#include <string>

#include "gtest/gtest.h"

namespace escnative::util {
namespace {

TEST(EchoTest, EscapesControlCharactersAndTerminalSequences) {
  EXPECT_EQ(Echo("plain name"), "plain name");
  EXPECT_EQ(Echo("a\nb\tc\r"), "a\\nb\\tc\\r");
  EXPECT_EQ(Echo("\x1b[31mred\x1b[0m"), "\\x1B[31mred\\x1B[0m");
  EXPECT_EQ(Echo(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(Echo("del\x7f"), "del\\x7F");
  EXPECT_EQ(Echo("c1\xc2\x9b"), "c1\\u009B");  // C1 CSI
  EXPECT_EQ(Echo("bad\xff utf8"), "bad\\xFF utf8");
  EXPECT_EQ(Echo("caf\xc3\xa9"), "caf\xc3\xa9");  // printable UTF-8 stays
}

TEST(EchoTest, CapsLongInput) {
  std::string huge(100000, 'n');
  std::string e = Echo(huge);
  EXPECT_LE(e.size(), kEchoLimit + 8);
  EXPECT_EQ(e.substr(e.size() - 3), "…");
  EXPECT_EQ(Echo(std::string(kEchoLimit, 'a')), std::string(kEchoLimit, 'a'));
  EXPECT_EQ(Echo("abcdef", 3), "abc…");
}

TEST(EchoTest, CapMessageKeepsUtf8Whole) {
  EXPECT_EQ(CapMessage("short", 10), "short");
  std::string m =
      "ab\xc3\xa9"
      "cd";  // "abécd"
  EXPECT_EQ(CapMessage(m, 3), "ab… (4 more bytes)");
  EXPECT_EQ(CapMessage(std::string(5000, 'x'), 4096).size(),
            4096 + std::string("… (904 more bytes)").size());
}

}  // namespace
}  // namespace escnative::util
