// `escctl serve` on a store as a background process, for the tests and
// benchmarks that drive the plugin on `backend: cloud` (our client against
// our server).
//
//   auto s = ServeProcess::Start({{"ESC_PASSPHRASE", pass}, {"ESC_LOCAL_PATH", db}}, dir);
//   std::string token = *(*s)->CreateToken("organization/*/*:admin");
//   ... backendUrl = (*s)->url() ...
#ifndef TESTS_HARNESS_SERVE_PROCESS_H_
#define TESTS_HARNESS_SERVE_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace escnative::testing {

class ServeProcess {
 public:
  // `env` is added to this process's environment; `dir` holds the server's
  // stderr file. Waits (up to 30 s) for "listening on http://127.0.0.1:PORT".
  static absl::StatusOr<std::unique_ptr<ServeProcess>> Start(
      const std::map<std::string, std::string>& env, const std::string& dir,
      const std::vector<std::string>& extra_args = {});
  ~ServeProcess();  // SIGTERM and wait

  int port() const { return port_; }
  std::string url() const;
  // `escctl token create --scope SCOPE` on the server's store: the value.
  absl::StatusOr<std::string> CreateToken(const std::string& scope) const;
  std::string stderr_text() const;

 private:
  ServeProcess() = default;
  std::map<std::string, std::string> env_;
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace escnative::testing

#endif  // TESTS_HARNESS_SERVE_PROCESS_H_
