// Writes secrets through the API the way the local backend will (token
// values handed back in plaintext by Create; definitions holding only
// ciphertext) and then scans the raw database bytes, the WAL and everything
// the test printed for the plaintext. Nothing may be found.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "provider/crypto/access_token.h"
#include "provider/crypto/random.h"
#include "provider/esc/secret_envelope.h"
#include "provider/store/store.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FakeClock;
using ::escnative::store::testing::FileExists;
using ::escnative::store::testing::Passphrase;
using ::escnative::store::testing::ReadFileBytes;
using ::escnative::store::testing::TempDir;

// Every needle must be absent from `haystack`; reports which one leaked
// without printing it.
void ExpectAbsent(const std::string& where, const std::string& haystack,
                  const std::vector<std::string>& needles) {
  for (size_t i = 0; i < needles.size(); ++i) {
    EXPECT_EQ(haystack.find(needles[i]), std::string::npos)
        << "secret #" << i << " found in " << where;
  }
}

TEST(SecretScanTest, NoPlaintextInFileWalOrOutput) {
  TempDir dir;
  const std::string path = dir.File("scan.db");
  const std::string marker = "PLAINTEXT-MARKER-" + crypto::RandomHex(12);
  const std::string passphrase = "passphrase-" + crypto::RandomHex(12);
  const std::string new_passphrase = "rotated-" + crypto::RandomHex(12);
  std::vector<std::string> secrets = {marker, passphrase, new_passphrase};
  std::vector<std::string> messages;  // every error message produced

  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  {
    FakeClock clock;
    StoreOptions options;
    options.credential = Passphrase(passphrase);
    options.kdf_params = crypto::KdfParams::FastForTesting();
    options.clock = &clock;
    auto opened = Store::Open(path, std::move(options));
    ASSERT_OK(opened);
    Store& store = **opened;
    const EnvironmentRef dev = Env("dev");
    auto created = store.CreateEnvironment(dev, "alice");
    ASSERT_OK(created);

    // The backend encrypts fn::secret values before handing the definition
    // over; several secrets, several revisions.
    std::string etag = created->etag;
    for (int i = 0; i < 5; ++i) {
      const std::string secret = absl::StrCat(marker, "-value-", i);
      auto ct = store.SecretsAead().Encrypt(secret, "acme/default/dev#secrets.api_key");
      ASSERT_OK(ct);
      const std::string yaml =
          absl::StrCat("values:\n  secrets:\n    api_key:\n      fn::secret:\n        ciphertext: ",
                       esc::EncodeSecretEnvelope(*ct), "\n  region: us-east-1\n");
      UpdateOptions opts = By("alice", etag);
      opts.audit_path = "values.secrets.api_key";
      auto rev = store.UpdateDefinition(dev, yaml, opts);
      ASSERT_OK(rev);
      etag = rev->etag;
    }
    // A buggy caller handing over plaintext is refused; the error names the
    // path, not the value.
    auto refused = store.UpdateDefinition(
        dev, absl::StrCat("values:\n  leak:\n    fn::secret: ", marker, "\n"), By("alice"));
    ASSERT_FALSE(refused.ok());
    messages.push_back(std::string(refused.status().message()));

    // Tokens: values exist only in the Create result.
    std::vector<std::string> token_ids;
    for (int i = 0; i < 3; ++i) {
      AccessTokenSpec spec;
      spec.name = absl::StrCat("ci-", i);
      spec.scopes = {{"acme/default/dev", Permission::kRead}};
      spec.expires_at = clock.Now() + absl::Hours(1);
      auto tok = store.CreateAccessToken(spec, "alice");
      ASSERT_OK(tok);
      const std::string value(tok->value.Reveal());
      secrets.push_back(value);
      secrets.push_back(value.substr(crypto::kAccessTokenPrefix.size() +
                                     crypto::kAccessTokenIdHexChars + 1));  // the random part
      ASSERT_EQ(secrets.back().size(), 43u);  // whole random part, not a fragment
      token_ids.push_back(tok->token.id);
      ASSERT_OK(store.VerifyAccessToken(value));
      std::string tampered = value;
      tampered[tampered.size() - 2] ^= 1;
      auto bad = store.VerifyAccessToken(tampered);
      ASSERT_FALSE(bad.ok());
      messages.push_back(std::string(bad.status().message()));
    }
    ASSERT_OK(store.RevokeAccessToken(token_ids[0], "alice"));
    clock.Advance(absl::Hours(2));
    auto expired = store.VerifyAccessToken(secrets[5]);
    ASSERT_FALSE(expired.ok());
    messages.push_back(std::string(expired.status().message()));

    // Wrong passphrase on rekey, then a real rekey.
    absl::Status wrong = store.Rekey(Passphrase(marker), Passphrase(new_passphrase),
                                     crypto::KdfParams::FastForTesting(), "admin");
    ASSERT_FALSE(wrong.ok());
    messages.push_back(std::string(wrong.message()));
    ASSERT_OK(store.Rekey(Passphrase(passphrase), Passphrase(new_passphrase),
                          crypto::KdfParams::FastForTesting(), "admin"));

    // Scan while open: the WAL holds the recent transactions.
    ASSERT_TRUE(FileExists(path + "-wal"));
    ExpectAbsent("database file (open)", ReadFileBytes(path), secrets);
    ExpectAbsent("WAL", ReadFileBytes(path + "-wal"), secrets);
    if (FileExists(path + "-shm")) {
      ExpectAbsent("shared memory file", ReadFileBytes(path + "-shm"), secrets);
    }

    // The audit log, read back through the API.
    AuditQuery q;
    q.limit = 1000;
    auto events = store.ListAuditEvents(q);
    ASSERT_OK(events);
    std::string audit_text;
    for (const AuditEvent& e : *events) {
      absl::StrAppend(&audit_text, e.actor, "|", e.action, "|", e.target, "|", e.path, "\n");
    }
    ExpectAbsent("audit log", audit_text, secrets);
  }
  // Wrong passphrase at open: clear message, no secret in it.
  {
    StoreOptions options;
    options.credential = Passphrase(marker);
    options.kdf_params = crypto::KdfParams::FastForTesting();
    auto wrong_open = Store::Open(path, std::move(options));
    ASSERT_FALSE(wrong_open.ok());
    messages.push_back(std::string(wrong_open.status().message()));
  }
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();

  // After a clean close the WAL is checkpointed into the main file.
  ExpectAbsent("database file (closed)", ReadFileBytes(path), secrets);
  ExpectAbsent("stdout", out, secrets);
  ExpectAbsent("stderr", err, secrets);
  std::string all_messages;
  for (const std::string& m : messages) absl::StrAppend(&all_messages, m, "\n");
  ExpectAbsent("error messages", all_messages, secrets);
  // Sanity: the scan can fail. The ciphertext is in the file (base64), and a
  // known non-secret string from the same definition is found as plaintext.
  EXPECT_NE(ReadFileBytes(path).find("us-east-1"), std::string::npos);
  EXPECT_EQ(messages.size(), 7u);
}

}  // namespace
}  // namespace escnative::store
