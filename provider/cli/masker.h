// Replaces secret values in a stream with "[secret]" (`escctl env run
// --mask`). Output is fed in arbitrary chunks, so a secret split across two
// chunks is still caught: the last (longest secret - 1) bytes are held back
// until more input or the end shows they are not the start of a secret.
#ifndef PROVIDER_CLI_MASKER_H_
#define PROVIDER_CLI_MASKER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace escnative::cli {

class Masker {
 public:
  // Values shorter than this are not masked: they would hide ordinary text.
  static constexpr size_t kMinLength = 4;

  explicit Masker(std::vector<std::string> secrets);
  ~Masker();
  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;

  // Appends `chunk`; returns what can be written out now.
  std::string Feed(std::string_view chunk);
  // Everything still held back (end of stream).
  std::string Finish();

 private:
  std::string Drain(bool at_end);
  bool MayGrow(std::string_view text, size_t than) const;

  std::vector<std::string> secrets_;  // longest first
  size_t longest_ = 0;
  std::string pending_;
};

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_MASKER_H_
