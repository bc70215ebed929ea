#include "provider/esc/crypter.h"

#include <gmock/gmock.h>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "provider/esc/secret_envelope.h"
#include "tests/esc/testing/test_providers.h"
#include "tests/util/status_matchers.h"

namespace escnative::esc {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CrypterTest, KnownEnvelope) {
  testing::Rot128Crypter rot;
  absl::StatusOr<std::string> ct = EncryptSecret("hunter2", rot);
  ASSERT_OK(ct);
  EXPECT_EQ(*ct, "ZXNjeAAAAAHo9e705fKyKo30VQ==");
  absl::StatusOr<std::string> pt = DecryptSecret(*ct, &rot);
  ASSERT_OK(pt);
  EXPECT_EQ(*pt, "hunter2");
}

TEST(CrypterTest, EnvelopeErrors) {
  std::string good = WrapEnvelope("inner-bytes");
  EXPECT_EQ(UnwrapEnvelope("escx\0\0\0\1abc").status().message(), "EOF");
  // At least 16 bytes, as ESC: an inner ciphertext under 4 bytes is refused.
  EXPECT_EQ(UnwrapEnvelope(WrapEnvelope("abc")).status().message(), "EOF");
  EXPECT_EQ(*UnwrapEnvelope(WrapEnvelope("abcd")), "abcd");
  std::string bad_header = good;
  bad_header[0] = 'X';
  EXPECT_EQ(UnwrapEnvelope(bad_header).status().message(), "invalid header");
  std::string bad_crc = good;
  bad_crc[10] ^= 1;
  EXPECT_EQ(UnwrapEnvelope(bad_crc).status().message(), "invalid checksum");
  std::string v2 = "escx";
  v2 += std::string("\0\0\0\2", 4);
  v2 += "inner-bytes";
  uint32_t crc = Crc32(v2);
  for (int s = 24; s >= 0; s -= 8) v2.push_back(static_cast<char>((crc >> s) & 0xFF));
  EXPECT_EQ(UnwrapEnvelope(v2).status().message(), "unsupported version");
  EXPECT_EQ(*UnwrapEnvelope(good), "inner-bytes");
}

TEST(CrypterTest, DecryptErrorsArePrefixed) {
  testing::Rot128Crypter rot;
  EXPECT_EQ(DecryptSecret("aHVudGVyMjM=", &rot).status().message(), "invalid ciphertext: EOF");
  EXPECT_EQ(DecryptSecret("a$", &rot).status().message(),
            "invalid ciphertext: illegal base64 data at input byte 1");
  EXPECT_THAT(DecryptSecret(Base64Encode(WrapEnvelope("xxxxxxxx")), nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(CrypterTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_EQ(*Base64Decode("Zg=="), "f");
  EXPECT_FALSE(Base64Decode("Zg").ok());
  EXPECT_FALSE(Base64Decode("Zg=").ok());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok());
  // Go skips CR and LF, and its error offsets count them.
  EXPECT_EQ(*Base64Decode("Zm9v\r\nZm8="), "foofo");
  EXPECT_EQ(Base64Decode("Zm9v*m8=").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(Base64Decode("Zm9v\r\n*m8=").status().message(), "illegal base64 data at input byte 6");
  EXPECT_EQ(Base64Decode("Zm9vZ").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(Base64Decode("Zm9v\nZ").status().message(), "illegal base64 data at input byte 5");
}

TEST(CrypterTest, Crc32KnownAnswer) { EXPECT_EQ(Crc32("123456789"), 0xCBF43926u); }

TEST(SecretEnvelopeTest, RoundTripAndFailures) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the standard check value
  const std::string inner("\x00\x01binary\xff", 9);
  const std::string b64 = EncodeSecretEnvelope(inner);
  auto back = DecodeSecretEnvelope(b64);
  ASSERT_OK(back);
  EXPECT_EQ(*back, inner);
  EXPECT_EQ(EncodeSecretEnvelope(std::string(8, '\0')), "ZXNjeAAAAAEAAAAAAAAAAL+yukk=");

  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(b64, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {  // any flipped byte is caught
    std::string t = raw;
    t[i] ^= 0x20;
    EXPECT_THAT(DecodeSecretEnvelope(absl::Base64Escape(t)),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(DecodeSecretEnvelope("!!!"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeSecretEnvelope(absl::Base64Escape("escx")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto version2 = DecodeSecretEnvelope(absl::Base64Escape([] {
    std::string r(
        "escx\0\0\0\x02"
        "abcdefgh",
        16);
    const uint32_t crc = Crc32(r);
    for (int s = 24; s >= 0; s -= 8) r.push_back(static_cast<char>(crc >> s));
    return r;
  }()));
  EXPECT_THAT(version2, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(version2.status().message()), HasSubstr("unsupported version"));
}

}  // namespace
}  // namespace escnative::esc
