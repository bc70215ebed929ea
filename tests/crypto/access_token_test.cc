#include "provider/crypto/access_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "provider/crypto/random.h"
#include "tests/util/status_matchers.h"

namespace escnative::crypto {
namespace {

using ::escnative::testing::StatusIs;

TEST(AccessTokenTest, ShapeAndUniqueness) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    GeneratedAccessToken t = GenerateAccessToken();
    const absl::string_view v = t.value.Reveal();
    EXPECT_EQ(v.substr(0, 4), "esc_");
    EXPECT_EQ(t.id.size(), kAccessTokenIdHexChars);
    EXPECT_EQ(v.size(), 4 + 32 + 1 + 43u);  // 32 bytes = 43 base64url chars
    auto id = AccessTokenIdFromValue(v);
    ASSERT_OK(id);
    EXPECT_EQ(*id, t.id);
    ids.insert(t.id);
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST(AccessTokenTest, MalformedValuesRejectedWithoutEcho) {
  for (const std::string& bad : {std::string(""), std::string("esc_"), std::string("pul-abcdef"),
                                 std::string("esc_") + std::string(32, 'z') + "_secretpart",
                                 std::string("esc_") + std::string(32, 'a') + "xsecretpart"}) {
    auto id = AccessTokenIdFromValue(bad);
    EXPECT_THAT(id, StatusIs(absl::StatusCode::kInvalidArgument));
    if (!bad.empty()) {
      EXPECT_EQ(std::string(id.status().message()).find(bad), std::string::npos);
    }
  }
}

TEST(AccessTokenTest, HashVerifyAndMismatch) {
  auto hasher = AccessTokenHasher::New(RandomSecret(32));
  ASSERT_OK(hasher);
  GeneratedAccessToken t = GenerateAccessToken();
  const std::string salt = AccessTokenHasher::NewSalt();
  const std::string h = (*hasher)->Hash(t.value.Reveal(), salt);
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(h.find(std::string(t.value.Reveal())), std::string::npos);
  EXPECT_TRUE((*hasher)->Verify(t.value.Reveal(), salt, h));

  std::string wrong(t.value.Reveal());
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE((*hasher)->Verify(wrong, salt, h));
  EXPECT_FALSE((*hasher)->Verify(t.value.Reveal(), AccessTokenHasher::NewSalt(), h));
  EXPECT_FALSE((*hasher)->Verify(t.value.Reveal(), salt, h.substr(0, 31)));

  // A different key gives a different hash: the DB alone is not enough.
  auto other = AccessTokenHasher::New(RandomSecret(32));
  ASSERT_OK(other);
  EXPECT_FALSE((*other)->Verify(t.value.Reveal(), salt, h));
}

TEST(AccessTokenTest, SaltChangesHash) {
  auto hasher = AccessTokenHasher::New(RandomSecret(32));
  ASSERT_OK(hasher);
  EXPECT_NE((*hasher)->Hash("esc_same", AccessTokenHasher::NewSalt()),
            (*hasher)->Hash("esc_same", AccessTokenHasher::NewSalt()));
  EXPECT_THAT(AccessTokenHasher::New(RandomSecret(8)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace escnative::crypto
