#include "provider/crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "provider/crypto/random.h"

namespace escnative::crypto {
namespace {

// Filled by the release hook: was every byte zero when the buffer was freed?
std::vector<bool>* g_released_all_zero = nullptr;

void RecordRelease(const uint8_t* data, size_t size) {
  bool all_zero = true;
  for (size_t i = 0; i < size; ++i) all_zero &= data[i] == 0;
  if (g_released_all_zero != nullptr) g_released_all_zero->push_back(all_zero);
}

class SecretBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_released_all_zero = &released_;
    SecretBytes::SetReleaseHookForTest(&RecordRelease);
  }
  void TearDown() override {
    SecretBytes::SetReleaseHookForTest(nullptr);
    g_released_all_zero = nullptr;
  }
  std::vector<bool> released_;
};

TEST_F(SecretBytesTest, WipedOnDestruction) {
  {
    SecretBytes s = SecretBytes::CopyFrom("hunter2-hunter2-hunter2");
    ASSERT_EQ(s.size(), 23u);
  }
  ASSERT_EQ(released_.size(), 1u);
  EXPECT_TRUE(released_[0]);
}

TEST_F(SecretBytesTest, WipedOnClearAndMoveAssign) {
  SecretBytes a = SecretBytes::CopyFrom("first-secret");
  SecretBytes b = SecretBytes::CopyFrom("second-secret");
  a = std::move(b);  // a's old buffer is released
  ASSERT_EQ(released_.size(), 1u);
  EXPECT_TRUE(released_[0]);
  EXPECT_EQ(a.Reveal(), "second-secret");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): defined state
  a.Clear();
  ASSERT_EQ(released_.size(), 2u);
  EXPECT_TRUE(released_[1]);
  EXPECT_TRUE(a.empty());
}

TEST_F(SecretBytesTest, RandomSecretIsWipedToo) {
  { SecretBytes k = RandomSecret(32); }
  ASSERT_EQ(released_.size(), 1u);
  EXPECT_TRUE(released_[0]);
}

TEST(SecretBytesEqualityTest, ConstantTimeEquality) {
  EXPECT_EQ(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abc"));
  EXPECT_NE(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abd"));
  EXPECT_NE(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abcd"));
  EXPECT_EQ(SecretBytes(), SecretBytes(0));
  EXPECT_TRUE(ConstantTimeEquals("xyz", "xyz"));
  EXPECT_FALSE(ConstantTimeEquals("xyz", "xyZ"));
  EXPECT_FALSE(ConstantTimeEquals("xyz", "xy"));
}

TEST(SecretBytesEqualityTest, CloneIsIndependentCopy) {
  SecretBytes a = SecretBytes::CopyFrom("value");
  SecretBytes b = a.Clone();
  EXPECT_EQ(a, b);
  b.MutableData()[0] = 'V';
  EXPECT_NE(a, b);
  EXPECT_EQ(a.Reveal(), "value");
}

TEST(SecretBytesEqualityTest, GtestPrinterRedacts) {
  SecretBytes s = SecretBytes::CopyFrom("do-not-print-me");
  const std::string printed = ::testing::PrintToString(s);
  EXPECT_EQ(printed.find("do-not-print-me"), std::string::npos);
  EXPECT_NE(printed.find("redacted"), std::string::npos);
}

TEST(SecretBytesEqualityTest, SecureWipeZeroes) {
  char buf[16];
  std::memset(buf, 'A', sizeof buf);
  SecureWipe(buf, sizeof buf);
  for (char c : buf) EXPECT_EQ(c, 0);
}

TEST(RandomTest, HexAndUniqueness) {
  const std::string a = RandomHex(16);
  const std::string b = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  for (int i = 0; i < 100; ++i) EXPECT_LT(RandomUniform(7), 7u);
}

}  // namespace
}  // namespace escnative::crypto
