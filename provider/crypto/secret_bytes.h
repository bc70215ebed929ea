// SecretBytes: an owning buffer for key material and plaintext secrets.
#ifndef PROVIDER_CRYPTO_SECRET_BYTES_H_
#define PROVIDER_CRYPTO_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>

#include "absl/strings/string_view.h"

namespace escnative::crypto {

// A fixed-size heap buffer that is wiped (sodium_memzero) before its memory
// is released. It never reallocates, so no stale copy is left behind by
// growth. It has no operator<< and is move-only; a copy must be asked for
// with Clone(). Equality is constant-time.
//
// Reading the plaintext goes through Reveal(): grep for "Reveal(" to list
// every place a secret leaves this type.
class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes.
  explicit SecretBytes(size_t size);
  // Copies `data` in. The caller remains responsible for wiping its source.
  static SecretBytes CopyFrom(absl::string_view data);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  SecretBytes Clone() const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The plaintext. The view is valid while this object is alive and unmoved.
  absl::string_view Reveal() const {
    return absl::string_view(reinterpret_cast<const char*>(data_.get()), size_);
  }
  // Writable access for filling the buffer (key derivation, decryption).
  uint8_t* MutableData() { return data_.get(); }

  // Wipes and releases the buffer; size() becomes 0.
  void Clear();

  // Constant-time in the contents; sizes are not secret.
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);
  friend bool operator!=(const SecretBytes& a, const SecretBytes& b) { return !(a == b); }

  // gtest printer: never shows the contents.
  friend void PrintTo(const SecretBytes& s, std::ostream* os) {
    *os << "SecretBytes(" << s.size_ << " bytes, redacted)";
  }

  // Test hook called with the buffer just after it is wiped and just before
  // it is freed, so a test can observe the wipe without reading freed memory.
  using ReleaseHook = void (*)(const uint8_t* data, size_t size);
  static void SetReleaseHookForTest(ReleaseHook hook);

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

// Constant-time comparison of two byte strings of equal length (false if the
// lengths differ). For MACs, hashes and keys held outside SecretBytes.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// Wipes `size` bytes at `data` in a way the compiler cannot elide.
void SecureWipe(void* data, size_t size);

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_SECRET_BYTES_H_
