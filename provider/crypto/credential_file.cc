#include "provider/crypto/credential_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "provider/util/echo.h"

namespace escnative::crypto {

absl::StatusOr<SecretBytes> ReadCredentialFile(const std::string& path, absl::string_view what) {
  std::string shown = util::Echo(path);
  // O_NONBLOCK so that opening a FIFO cannot hang; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file \"", shown, "\": ", std::strerror(errno)));
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file \"", shown, "\": ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " file \"", shown, "\" is a directory; expected a regular file"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " file \"", shown, "\" is not a regular file (a device, FIFO or socket)"));
  }
  if (static_cast<size_t>(st.st_size) > kMaxCredentialFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " file \"", shown, "\" is ", st.st_size,
                                                   " bytes; at most ", kMaxCredentialFileBytes,
                                                   " are allowed"));
  }
  // The size may change under us: read at most the limit plus one byte.
  SecretBytes buf(kMaxCredentialFileBytes + 1);
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.MutableData() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", what, " file \"", shown, "\": ", std::strerror(errno)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxCredentialFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " file \"", shown, "\" is larger than ",
                                                   kMaxCredentialFileBytes, " bytes"));
  }
  absl::string_view text = buf.Reveal().substr(0, got);
  size_t eol = text.find('\n');
  if (eol != absl::string_view::npos) text = text.substr(0, eol);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " file \"", shown, "\" is empty (its first line is the ", what, ")"));
  }
  return SecretBytes::CopyFrom(text);
}

}  // namespace escnative::crypto
