#include "provider/cli/masker.h"

#include <string>

#include "gtest/gtest.h"

namespace escnative::cli {
namespace {

std::string MaskInChunks(Masker& m, const std::string& text, size_t chunk) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += chunk) out += m.Feed(text.substr(i, chunk));
  return out + m.Finish();
}

TEST(MaskerTest, ReplacesSecretsWhateverTheChunking) {
  const std::string text = "token=sk-live-ABCDEF and again sk-live-ABCDEF; other: hunter22.";
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    Masker m({"sk-live-ABCDEF", "hunter22"});
    EXPECT_EQ(MaskInChunks(m, text, chunk), "token=[secret] and again [secret]; other: [secret].")
        << "chunk " << chunk;
  }
}

TEST(MaskerTest, LongestSecretWinsAndShortOnesAreLeft) {
  Masker m({"abcd", "abcdefgh", "xy"});
  EXPECT_EQ(MaskInChunks(m, "abcdefgh abcd xy", 3), "[secret] [secret] xy");
}

TEST(MaskerTest, HoldsBackOnlyAPossiblePrefix) {
  Masker m({"secretvalue"});
  EXPECT_EQ(m.Feed("hello secr"), "");  // all within the last 10 bytes held back
  EXPECT_EQ(m.Feed("et! and more text here"), "hello secret! and more");
  EXPECT_EQ(m.Finish(), " text here");
  Masker none({});
  EXPECT_EQ(none.Feed("passes through"), "passes through");
}

}  // namespace
}  // namespace escnative::cli
