#include "provider/esc/crypter.h"

#include "absl/strings/str_cat.h"
#include "provider/esc/secret_envelope.h"

namespace escnative::esc {

absl::StatusOr<std::string> EncryptSecret(std::string_view plaintext, const Encrypter& enc) {
  absl::StatusOr<std::string> inner = enc.Encrypt(plaintext);
  if (!inner.ok()) return inner.status();
  return EncodeSecretEnvelope(*inner);
}

absl::StatusOr<std::string> DecryptSecret(std::string_view base64_envelope, const Decrypter* dec) {
  absl::StatusOr<std::string> inner = DecodeSecretEnvelope(base64_envelope);
  if (!inner.ok())
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ciphertext: ", inner.status().message()));
  if (dec == nullptr) return absl::FailedPreconditionError("decrypting: no decrypter configured");
  absl::StatusOr<std::string> plain = dec->Decrypt(*inner);
  if (!plain.ok())
    return absl::Status(plain.status().code(),
                        absl::StrCat("decrypting: ", plain.status().message()));
  return plain;
}

}  // namespace escnative::esc
