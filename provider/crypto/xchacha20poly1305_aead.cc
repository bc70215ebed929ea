#include "provider/crypto/xchacha20poly1305_aead.h"

#include <sodium.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/crypto/sodium_init.h"

namespace escnative::crypto {
namespace {

static_assert(XChaCha20Poly1305Aead::kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(XChaCha20Poly1305Aead::kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(XChaCha20Poly1305Aead::kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

class XChaChaImpl final : public Aead {
 public:
  explicit XChaChaImpl(SecretBytes key) : key_(std::move(key)) {}

  absl::StatusOr<std::string> Encrypt(absl::string_view plaintext,
                                      absl::string_view associated_data) const override {
    constexpr size_t kNonce = XChaCha20Poly1305Aead::kNonceBytes;
    std::string out(kNonce + plaintext.size() + XChaCha20Poly1305Aead::kTagBytes, '\0');
    auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(out_bytes, kNonce);
    // libsodium wants a non-null message pointer even for an empty message.
    static const unsigned char kEmpty = 0;
    const unsigned char* m = plaintext.empty() ? &kEmpty : Bytes(plaintext);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out_bytes + kNonce, &clen, m, plaintext.size(), Bytes(associated_data),
        associated_data.size(), /*nsec=*/nullptr, out_bytes,
        reinterpret_cast<const unsigned char*>(key_.Reveal().data()));
    if (clen + kNonce != out.size()) {
      return absl::InternalError("encryption failed");
    }
    return out;
  }

  absl::StatusOr<SecretBytes> Decrypt(absl::string_view ciphertext,
                                      absl::string_view associated_data) const override {
    if (ciphertext.size() < XChaCha20Poly1305Aead::kOverheadBytes) {
      return absl::InvalidArgumentError(kDecryptionFailed);
    }
    const size_t plaintext_size = ciphertext.size() - XChaCha20Poly1305Aead::kOverheadBytes;
    // One spare byte so the output pointer is never null.
    SecretBytes buffer(plaintext_size + 1);
    unsigned long long mlen = 0;
    const unsigned char* nonce = Bytes(ciphertext);
    const unsigned char* body = nonce + XChaCha20Poly1305Aead::kNonceBytes;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            buffer.MutableData(), &mlen, /*nsec=*/nullptr, body,
            ciphertext.size() - XChaCha20Poly1305Aead::kNonceBytes, Bytes(associated_data),
            associated_data.size(), nonce,
            reinterpret_cast<const unsigned char*>(key_.Reveal().data())) != 0 ||
        mlen != plaintext_size) {
      return absl::InvalidArgumentError(kDecryptionFailed);
    }
    return SecretBytes::CopyFrom(buffer.Reveal().substr(0, plaintext_size));
  }

 private:
  const SecretBytes key_;  // immutable after construction: no lock needed
};

}  // namespace

absl::StatusOr<std::unique_ptr<Aead>> XChaCha20Poly1305Aead::New(const SecretBytes& key) {
  EnsureSodiumInitialized();
  if (key.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("XChaCha20-Poly1305 key must be ", kKeyBytes, " bytes, got ", key.size()));
  }
  return std::unique_ptr<Aead>(new XChaChaImpl(key.Clone()));
}

}  // namespace escnative::crypto
