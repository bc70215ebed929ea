#include "provider/crypto/keyring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "provider/crypto/random.h"
#include "provider/crypto/xchacha20poly1305_aead.h"
#include "tests/util/status_matchers.h"

namespace escnative::crypto {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

Credential Pass(const std::string& p) { return Credential::Passphrase(SecretBytes::CopyFrom(p)); }

TEST(KeyringTest, CreateThenUnlockGivesSameDataKey) {
  auto kr = CreateKeyring(Pass("correct horse"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  EXPECT_EQ(kr->data_key.size(), kDataKeyBytes);
  EXPECT_EQ(kr->wrapped.kdf, kKdfArgon2id);
  EXPECT_EQ(kr->wrapped.salt.size(), kKdfSaltBytes);
  auto dk = UnlockKeyring(kr->wrapped, Pass("correct horse"));
  ASSERT_OK(dk);
  EXPECT_EQ(*dk, kr->data_key);
}

TEST(KeyringTest, WrappedRecordDoesNotContainDataKey) {
  auto kr = CreateKeyring(Pass("pw"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  const std::string dk(kr->data_key.Reveal());
  for (const std::string* field :
       {&kr->wrapped.salt, &kr->wrapped.wrapped_key, &kr->wrapped.key_check}) {
    EXPECT_EQ(field->find(dk), std::string::npos);
  }
}

TEST(KeyringTest, WrongPassphraseIsDetectedByKeyCheck) {
  auto kr = CreateKeyring(Pass("right"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  auto dk = UnlockKeyring(kr->wrapped, Pass("wrong"));
  EXPECT_THAT(dk, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(dk.status().message()), HasSubstr("wrong passphrase"));
  EXPECT_THAT(std::string(dk.status().message()), Not(HasSubstr("right")));
}

TEST(KeyringTest, EmptyPassphraseRejected) {
  EXPECT_THAT(CreateKeyring(Pass(""), KdfParams::FastForTesting()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KeyringTest, TamperedParametersFailTheKeyCheck) {
  auto kr = CreateKeyring(Pass("pw"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  WrappedDataKey w = kr->wrapped;
  w.params.opslimit += 1;
  EXPECT_THAT(UnlockKeyring(w, Pass("pw")), StatusIs(absl::StatusCode::kUnauthenticated));
  w = kr->wrapped;
  w.salt[0] ^= 1;
  EXPECT_THAT(UnlockKeyring(w, Pass("pw")), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(KeyringTest, TamperedWrappedKeyIsDataLoss) {
  auto kr = CreateKeyring(Pass("pw"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  WrappedDataKey w = kr->wrapped;
  w.wrapped_key[30] ^= 1;
  EXPECT_THAT(UnlockKeyring(w, Pass("pw")), StatusIs(absl::StatusCode::kDataLoss));
  w = kr->wrapped;
  w.key_check.resize(3);
  EXPECT_THAT(UnlockKeyring(w, Pass("pw")), StatusIs(absl::StatusCode::kDataLoss));
  w = kr->wrapped;
  w.params.memlimit = uint64_t{1} << 40;  // would exhaust memory: refused
  EXPECT_THAT(UnlockKeyring(w, Pass("pw")), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(KeyringTest, RekeyKeepsDataKeyAndRejectsOldPassphrase) {
  auto kr = CreateKeyring(Pass("old"), KdfParams::FastForTesting());
  ASSERT_OK(kr);
  auto aead = XChaCha20Poly1305Aead::New(kr->data_key);
  ASSERT_OK(aead);
  auto ct = (*aead)->Encrypt("payload", "ad");
  ASSERT_OK(ct);

  EXPECT_THAT(RewrapKeyring(kr->wrapped, Pass("not-old"), Pass("new"), KdfParams::FastForTesting()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  auto rewrapped =
      RewrapKeyring(kr->wrapped, Pass("old"), Pass("new"), KdfParams::FastForTesting());
  ASSERT_OK(rewrapped);
  EXPECT_NE(rewrapped->salt, kr->wrapped.salt);
  EXPECT_THAT(UnlockKeyring(*rewrapped, Pass("old")), StatusIs(absl::StatusCode::kUnauthenticated));
  auto dk = UnlockKeyring(*rewrapped, Pass("new"));
  ASSERT_OK(dk);
  EXPECT_EQ(*dk, kr->data_key);
  // Data encrypted before the rekey still decrypts: nothing was re-encrypted.
  auto aead2 = XChaCha20Poly1305Aead::New(*dk);
  ASSERT_OK(aead2);
  auto pt = (*aead2)->Decrypt(*ct, "ad");
  ASSERT_OK(pt);
  EXPECT_EQ(pt->Reveal(), "payload");
}

TEST(KeyringTest, RawKeyCredential) {
  SecretBytes raw = RandomSecret(32);
  auto kr = CreateKeyring(Credential::RawKey(raw.Clone()), KdfParams());
  ASSERT_OK(kr);
  EXPECT_EQ(kr->wrapped.kdf, kKdfRawKey);
  auto dk = UnlockKeyring(kr->wrapped, Credential::RawKey(raw.Clone()));
  ASSERT_OK(dk);
  EXPECT_EQ(*dk, kr->data_key);
  EXPECT_THAT(UnlockKeyring(kr->wrapped, Credential::RawKey(RandomSecret(32))),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(UnlockKeyring(kr->wrapped, Pass("a passphrase")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CreateKeyring(Credential::RawKey(RandomSecret(16)), KdfParams()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The one test that pays for the production Argon2id parameters.
TEST(KeyringTest, DefaultParametersWork) {
  const KdfParams p = KdfParams::Default();
  EXPECT_GE(p.opslimit, 2u);
  EXPECT_GE(p.memlimit, uint64_t{64} << 20);
  auto kr = CreateKeyring(Pass("production passphrase"), p);
  ASSERT_OK(kr);
  EXPECT_EQ(kr->wrapped.params.opslimit, p.opslimit);
  EXPECT_THAT(UnlockKeyring(kr->wrapped, Pass("production passphrase")),
              ::escnative::testing::IsOk());
}

TEST(KeyringTest, SubkeysArePerPurpose) {
  SecretBytes key = RandomSecret(32);
  auto a = DeriveSubkey(key, 1, "escsecrt");
  auto b = DeriveSubkey(key, 2, "escsecrt");
  auto c = DeriveSubkey(key, 1, "esctoken");
  auto a2 = DeriveSubkey(key, 1, "escsecrt");
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  ASSERT_OK(a2);
  EXPECT_EQ(*a, *a2);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_THAT(DeriveSubkey(key, 1, "short"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DeriveSubkey(RandomSecret(16), 1, "escsecrt"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace escnative::crypto
