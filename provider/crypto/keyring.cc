#include "provider/crypto/keyring.h"

#include <sodium.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/crypto/random.h"
#include "provider/crypto/sodium_init.h"
#include "provider/crypto/xchacha20poly1305_aead.h"
#include "provider/util/status_macros.h"

namespace escnative::crypto {
namespace {

static_assert(kKdfSaltBytes == crypto_pwhash_argon2id_SALTBYTES);
static_assert(kDataKeyBytes == crypto_kdf_KEYBYTES);
static_assert(kDataKeyBytes >= crypto_kdf_BYTES_MIN && kDataKeyBytes <= crypto_kdf_BYTES_MAX);

// Upper bounds so a tampered keyring cannot make Open burn minutes of CPU or
// gigabytes of memory before the key check fails.
constexpr uint64_t kMaxOpslimit = 64;
constexpr uint64_t kMaxMemlimit = uint64_t{4} << 30;

absl::Status ValidateParams(const KdfParams& p) {
  if (p.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || p.opslimit > kMaxOpslimit ||
      p.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || p.memlimit > kMaxMemlimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Argon2id parameters out of range: opslimit ", p.opslimit, " (allowed ",
        crypto_pwhash_argon2id_OPSLIMIT_MIN, "..", kMaxOpslimit, "), memlimit ", p.memlimit,
        " bytes (allowed ", crypto_pwhash_argon2id_MEMLIMIT_MIN, "..", kMaxMemlimit, ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCredential(const Credential& c) {
  if (c.is_raw_key()) {
    if (c.secret().size() != kDataKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("raw store key must be ", kDataKeyBytes, " bytes, got ", c.secret().size()));
    }
  } else if (c.secret().empty()) {
    return absl::InvalidArgumentError("passphrase must not be empty");
  }
  return absl::OkStatus();
}

// Everything the wrapped key and key check are bound to, so editing any of
// the stored parameters makes the check fail instead of silently changing
// the key derivation.
std::string Header(const WrappedDataKey& w) {
  return absl::StrCat("escnative-keyring-v1|", w.kdf, "|", w.params.opslimit, "|",
                      w.params.memlimit, "|", HexEncode(w.salt));
}

absl::StatusOr<SecretBytes> DeriveKek(const WrappedDataKey& w, const Credential& c) {
  RETURN_IF_ERROR(ValidateCredential(c));
  if (c.is_raw_key()) {
    if (w.kdf != kKdfRawKey) {
      return absl::InvalidArgumentError("this store is protected by a passphrase, not a raw key");
    }
    return c.secret().Clone();
  }
  if (w.kdf != kKdfArgon2id) {
    return absl::InvalidArgumentError("this store is protected by a raw key, not a passphrase");
  }
  SecretBytes kek(kDataKeyBytes);
  const absl::string_view pw = c.secret().Reveal();
  if (crypto_pwhash(kek.MutableData(), kek.size(), pw.data(), pw.size(),
                    reinterpret_cast<const unsigned char*>(w.salt.data()), w.params.opslimit,
                    static_cast<size_t>(w.params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("Argon2id key derivation failed (out of memory?)");
  }
  return kek;
}

std::string KeyCheck(const SecretBytes& kek, absl::string_view header) {
  std::string mac(crypto_generichash_BYTES, '\0');
  const std::string msg = absl::StrCat("key-check|", header);
  crypto_generichash(reinterpret_cast<unsigned char*>(mac.data()), mac.size(),
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                     reinterpret_cast<const unsigned char*>(kek.Reveal().data()), kek.size());
  return mac;
}

absl::StatusOr<WrappedDataKey> Wrap(const SecretBytes& data_key, const Credential& credential,
                                    const KdfParams& params) {
  RETURN_IF_ERROR(ValidateCredential(credential));
  WrappedDataKey w;
  if (credential.is_raw_key()) {
    w.kdf = std::string(kKdfRawKey);
  } else {
    RETURN_IF_ERROR(ValidateParams(params));
    w.kdf = std::string(kKdfArgon2id);
    w.params = params;
  }
  w.salt = RandomBytes(kKdfSaltBytes);
  ASSIGN_OR_RETURN(SecretBytes kek, DeriveKek(w, credential));
  const std::string header = Header(w);
  ASSIGN_OR_RETURN(std::unique_ptr<Aead> aead, XChaCha20Poly1305Aead::New(kek));
  ASSIGN_OR_RETURN(w.wrapped_key, aead->Encrypt(data_key.Reveal(), header));
  w.key_check = KeyCheck(kek, header);
  return w;
}

}  // namespace

KdfParams KdfParams::Default() { return KdfParams{3, uint64_t{64} << 20}; }

KdfParams KdfParams::FastForTesting() {
  return KdfParams{crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Credential Credential::Passphrase(SecretBytes passphrase) {
  return Credential(false, std::move(passphrase));
}

Credential Credential::RawKey(SecretBytes key) { return Credential(true, std::move(key)); }

absl::StatusOr<UnlockedKeyring> CreateKeyring(const Credential& credential,
                                              const KdfParams& params) {
  EnsureSodiumInitialized();
  UnlockedKeyring out;
  out.data_key = RandomSecret(kDataKeyBytes);
  ASSIGN_OR_RETURN(out.wrapped, Wrap(out.data_key, credential, params));
  return out;
}

absl::StatusOr<SecretBytes> UnlockKeyring(const WrappedDataKey& wrapped,
                                          const Credential& credential) {
  EnsureSodiumInitialized();
  if (wrapped.salt.size() != kKdfSaltBytes ||
      wrapped.key_check.size() != crypto_generichash_BYTES ||
      wrapped.wrapped_key.size() != kDataKeyBytes + XChaCha20Poly1305Aead::kOverheadBytes ||
      (wrapped.kdf != kKdfArgon2id && wrapped.kdf != kKdfRawKey)) {
    return absl::DataLossError("keyring record is malformed");
  }
  if (wrapped.kdf == kKdfArgon2id) {
    if (absl::Status s = ValidateParams(wrapped.params); !s.ok()) {
      return absl::DataLossError(absl::StrCat("keyring record is malformed: ", s.message()));
    }
  }
  ASSIGN_OR_RETURN(SecretBytes kek, DeriveKek(wrapped, credential));
  const std::string header = Header(wrapped);
  if (!ConstantTimeEquals(KeyCheck(kek, header), wrapped.key_check)) {
    return absl::UnauthenticatedError(credential.is_raw_key()
                                          ? "wrong store key: the key check did not match"
                                          : "wrong passphrase: the key check did not match");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Aead> aead, XChaCha20Poly1305Aead::New(kek));
  absl::StatusOr<SecretBytes> data_key = aead->Decrypt(wrapped.wrapped_key, header);
  if (!data_key.ok() || data_key->size() != kDataKeyBytes) {
    return absl::DataLossError(
        "keyring is corrupt: the key check matched but the data key did not "
        "unwrap");
  }
  return data_key;
}

absl::StatusOr<WrappedDataKey> RewrapKeyring(const WrappedDataKey& wrapped,
                                             const Credential& old_credential,
                                             const Credential& new_credential,
                                             const KdfParams& new_params) {
  ASSIGN_OR_RETURN(SecretBytes data_key, UnlockKeyring(wrapped, old_credential));
  return Wrap(data_key, new_credential, new_params);
}

absl::StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& key, uint64_t subkey_id,
                                         absl::string_view context) {
  EnsureSodiumInitialized();
  if (key.size() != crypto_kdf_KEYBYTES) {
    return absl::InvalidArgumentError("subkey derivation needs a 32-byte key");
  }
  if (context.size() != crypto_kdf_CONTEXTBYTES) {
    return absl::InvalidArgumentError("subkey context must be exactly 8 characters");
  }
  SecretBytes sub(kDataKeyBytes);
  char ctx[crypto_kdf_CONTEXTBYTES];
  for (size_t i = 0; i < sizeof ctx; ++i) ctx[i] = context[i];
  if (crypto_kdf_derive_from_key(sub.MutableData(), sub.size(), subkey_id, ctx,
                                 reinterpret_cast<const unsigned char*>(key.Reveal().data())) !=
      0) {
    return absl::InternalError("subkey derivation failed");
  }
  return sub;
}

}  // namespace escnative::crypto
