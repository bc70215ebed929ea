#include "provider/crypto/aead.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "provider/crypto/random.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/crypto/xchacha20poly1305_aead.h"
#include "tests/util/status_matchers.h"

namespace escnative::crypto {
namespace {

using ::escnative::testing::StatusIs;

std::unique_ptr<Aead> NewAead(const SecretBytes& key) {
  auto aead = XChaCha20Poly1305Aead::New(key);
  EXPECT_OK(aead);
  return *std::move(aead);
}

void ExpectDecryptionFailed(const absl::StatusOr<SecretBytes>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), kDecryptionFailed);
}

TEST(XChaCha20Poly1305AeadTest, RoundTrip) {
  auto aead = NewAead(RandomSecret(32));
  for (const std::string& pt :
       {std::string(), std::string("x"), std::string(1000, 'q'), std::string("\0binary\xff", 8)}) {
    auto ct = aead->Encrypt(pt, "ad");
    ASSERT_OK(ct);
    EXPECT_EQ(ct->size(), pt.size() + XChaCha20Poly1305Aead::kOverheadBytes);
    auto back = aead->Decrypt(*ct, "ad");
    ASSERT_OK(back);
    EXPECT_EQ(back->Reveal(), pt);
  }
}

TEST(XChaCha20Poly1305AeadTest, NonceIsFreshEachTime) {
  auto aead = NewAead(RandomSecret(32));
  auto a = aead->Encrypt("same", "");
  auto b = aead->Encrypt("same", "");
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(a->substr(0, 24), b->substr(0, 24));
  EXPECT_NE(*a, *b);
}

TEST(XChaCha20Poly1305AeadTest, CiphertextDoesNotContainPlaintext) {
  auto aead = NewAead(RandomSecret(32));
  const std::string marker = "PLAINTEXT-MARKER-0123456789";
  auto ct = aead->Encrypt(marker, "");
  ASSERT_OK(ct);
  EXPECT_EQ(ct->find(marker), std::string::npos);
}

TEST(XChaCha20Poly1305AeadTest, EveryFlippedByteFails) {
  auto aead = NewAead(RandomSecret(32));
  auto ct = aead->Encrypt("attack at dawn", "org/proj/env#secrets.k");
  ASSERT_OK(ct);
  for (size_t i = 0; i < ct->size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string tampered = *ct;
      tampered[i] = static_cast<char>(tampered[i] ^ mask);
      ExpectDecryptionFailed(aead->Decrypt(tampered, "org/proj/env#secrets.k"));
    }
  }
}

TEST(XChaCha20Poly1305AeadTest, TruncatedAndExtendedFail) {
  auto aead = NewAead(RandomSecret(32));
  auto ct = aead->Encrypt("hello", "");
  ASSERT_OK(ct);
  for (size_t n = 0; n < ct->size(); ++n) {
    ExpectDecryptionFailed(aead->Decrypt(ct->substr(0, n), ""));
  }
  ExpectDecryptionFailed(aead->Decrypt(*ct + "x", ""));
}

TEST(XChaCha20Poly1305AeadTest, WrongKeyFails) {
  auto a = NewAead(RandomSecret(32));
  auto b = NewAead(RandomSecret(32));
  auto ct = a->Encrypt("secret", "ad");
  ASSERT_OK(ct);
  ExpectDecryptionFailed(b->Decrypt(*ct, "ad"));
}

TEST(XChaCha20Poly1305AeadTest, WrongAssociatedDataFails) {
  auto aead = NewAead(RandomSecret(32));
  auto ct = aead->Encrypt("secret", "org/p/env#a");
  ASSERT_OK(ct);
  ExpectDecryptionFailed(aead->Decrypt(*ct, "org/p/env#b"));
  ExpectDecryptionFailed(aead->Decrypt(*ct, ""));
}

TEST(XChaCha20Poly1305AeadTest, RejectsBadKeySize) {
  for (size_t n : {0, 16, 31, 33, 64}) {
    EXPECT_THAT(XChaCha20Poly1305Aead::New(SecretBytes(n)),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(XChaCha20Poly1305AeadTest, KnownKeyIsDeterministicAcrossInstances) {
  SecretBytes key = SecretBytes::CopyFrom(std::string(32, '\x42'));
  auto a = NewAead(key);
  auto b = NewAead(key);
  auto ct = a->Encrypt("shared", "ad");
  ASSERT_OK(ct);
  auto pt = b->Decrypt(*ct, "ad");
  ASSERT_OK(pt);
  EXPECT_EQ(pt->Reveal(), "shared");
}

}  // namespace
}  // namespace escnative::crypto
