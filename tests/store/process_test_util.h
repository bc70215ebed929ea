// Helpers for tests that fork child processes writing to a store.
#ifndef TESTS_STORE_PROCESS_TEST_UTIL_H_
#define TESTS_STORE_PROCESS_TEST_UTIL_H_

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace escnative::store::testing {

// Writes all of `line` with one write(2) (atomic for lines < PIPE_BUF).
inline bool WriteLine(int fd, const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

// Splits bytes read from a pipe into complete lines, keeping a partial tail.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // Blocks for more input; false at EOF. Appends complete lines to *out.
  bool ReadSome(std::vector<std::string>* out) {
    char buf[4096];
    ssize_t n;
    do {
      n = ::read(fd_, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    size_t pos;
    while ((pos = pending_.find('\n')) != std::string::npos) {
      out->push_back(pending_.substr(0, pos));
      pending_.erase(0, pos + 1);
    }
    return true;
  }

 private:
  int fd_;
  std::string pending_;
};

}  // namespace escnative::store::testing

#endif  // TESTS_STORE_PROCESS_TEST_UTIL_H_
