#include "provider/crypto/secret_bytes.h"

#include <sodium.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "provider/crypto/sodium_init.h"

namespace escnative::crypto {
namespace {
std::atomic<SecretBytes::ReleaseHook> g_release_hook{nullptr};
}  // namespace

SecretBytes::SecretBytes(size_t size)
    : data_(size == 0 ? nullptr : new uint8_t[size]()), size_(size) {}

SecretBytes SecretBytes::CopyFrom(absl::string_view data) {
  SecretBytes out(data.size());
  if (!data.empty()) std::memcpy(out.data_.get(), data.data(), data.size());
  return out;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Clear(); }

SecretBytes SecretBytes::Clone() const { return CopyFrom(Reveal()); }

void SecretBytes::Clear() {
  if (data_ != nullptr) {
    EnsureSodiumInitialized();
    sodium_memzero(data_.get(), size_);
    if (ReleaseHook hook = g_release_hook.load(); hook != nullptr) {
      hook(data_.get(), size_);
    }
    data_.reset();
  }
  size_ = 0;
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  return ConstantTimeEquals(a.Reveal(), b.Reveal());
}

void SecretBytes::SetReleaseHookForTest(ReleaseHook hook) { g_release_hook.store(hook); }

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  EnsureSodiumInitialized();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SecureWipe(void* data, size_t size) {
  if (data == nullptr || size == 0) return;
  EnsureSodiumInitialized();
  sodium_memzero(data, size);
}

}  // namespace escnative::crypto
