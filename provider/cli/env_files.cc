#include "provider/cli/env_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/esc/projections.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

// Removes `files` and `dir`. Only async-signal-safe calls: it runs in a child
// forked from a process that may have other threads.
void RemoveAll(const std::vector<std::string>& files, const std::string& dir) {
  for (const std::string& f : files) ::unlink(f.c_str());
  ::rmdir(dir.c_str());
}

// Double fork: the grandchild is re-parented to init, so nobody has to reap
// it and it outlives this process; it sleeps `lifetime`, then removes.
absl::Status StartReaper(const std::vector<std::string>& files, const std::string& dir,
                         absl::Duration lifetime) {
  timespec ts = absl::ToTimespec(lifetime);
  pid_t child = ::fork();
  if (child < 0) return absl::InternalError("cannot start the cleanup of `files`");
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    // No inherited descriptor may keep a pipe (`$(…)`) or the store open.
    long max_fd = ::sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) ::close(static_cast<int>(fd));
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    RemoveAll(files, dir);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("cannot start the cleanup of `files`");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WritePrivateFile(const std::string& path, std::string_view text, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (exclusive ? O_EXCL : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", util::Echo(path), ": ", std::strerror(errno)));
  }
  // An existing file keeps its mode through O_TRUNC: make it private too.
  absl::Status status = ::fchmod(fd, 0600) == 0
                            ? absl::OkStatus()
                            : absl::InternalError("cannot make the file private");
  size_t off = 0;
  while (status.ok() && off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = absl::InternalError(
          absl::StrCat("cannot write ", util::Echo(path), ": ", std::strerror(errno)));
    } else {
      off += static_cast<size_t>(n);
    }
  }
  if (::close(fd) != 0 && status.ok()) {
    status = absl::InternalError(absl::StrCat("cannot write ", util::Echo(path)));
  }
  return status;
}

absl::StatusOr<WrittenFiles> WritePrivateFiles(const esc::Value& root) {
  WrittenFiles out;
  std::vector<esc::EnvironmentEntry> entries = esc::Files(root);
  if (entries.empty()) return out;
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/escctl-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a private directory for `files`: ", std::strerror(errno)));
  }
  out.directory = tmpl;
  int n = 0;
  for (const esc::EnvironmentEntry& e : entries) {
    // Numbered, not named after the entry: names are not file-name safe.
    std::string path = absl::StrCat(out.directory, "/file-", n++);
    absl::Status status = WritePrivateFile(path, e.value, /*exclusive=*/true);
    if (status.ok() || std::filesystem::exists(path)) out.paths[e.name] = path;
    if (!status.ok()) {
      RemovePrivateFiles(out);
      return status;
    }
  }
  return out;
}

void RemovePrivateFiles(const WrittenFiles& files) {
  for (const auto& [name, path] : files.paths) ::unlink(path.c_str());
  if (!files.directory.empty()) ::rmdir(files.directory.c_str());
}

absl::StatusOr<WrittenFiles> WriteFilesWithLifetime(const esc::Value& root,
                                                    absl::Duration lifetime) {
  ASSIGN_OR_RETURN(WrittenFiles out, WritePrivateFiles(root));
  if (out.paths.empty()) return out;
  std::vector<std::string> written;
  for (const auto& [name, path] : out.paths) written.push_back(path);
  absl::Status status = StartReaper(written, out.directory, lifetime);
  if (!status.ok()) {
    RemovePrivateFiles(out);
    return status;
  }
  return out;
}

}  // namespace escnative::cli
