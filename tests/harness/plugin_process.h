// Plays the engine's part for process-level tests and benchmarks: launches
// pulumi-resource-esc exactly as the engine does (own process group, engine
// address as the last argument, pipes on stdio), reads the port from stdout,
// and serves a fake Engine gRPC service that records Log calls.
#ifndef TESTS_HARNESS_PLUGIN_PROCESS_H_
#define TESTS_HARNESS_PLUGIN_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pulumi/engine.grpc.pb.h"
#include "pulumi/provider.grpc.pb.h"

namespace escnative::testing {

// A fake Pulumi engine: the Engine service on 127.0.0.1:0.
class FakeEngine final : public pulumirpc::Engine::Service {
 public:
  static std::unique_ptr<FakeEngine> Start();
  ~FakeEngine() override;

  const std::string& address() const { return address_; }
  std::vector<pulumirpc::LogRequest> logs() const;

  grpc::Status Log(grpc::ServerContext*, const pulumirpc::LogRequest* req,
                   google::protobuf::Empty*) override;

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  mutable absl::Mutex mu_;
  std::vector<pulumirpc::LogRequest> logs_ ABSL_GUARDED_BY(mu_);
};

struct LaunchOptions {
  std::string binary;                                   // default: PluginBinaryPath()
  std::optional<std::string> engine_address;            // absent: attach mode
  std::vector<std::string> extra_args;                  // before the address
  std::map<std::string, std::optional<std::string>> env;  // set (or unset with nullopt)
  absl::Duration port_timeout = absl::Seconds(10);
};

class PluginProcess {
 public:
  static absl::StatusOr<std::unique_ptr<PluginProcess>> Launch(const LaunchOptions& options);
  ~PluginProcess();  // SIGKILLs the process group if still running

  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  absl::Duration startup_time() const { return startup_; }
  pulumirpc::ResourceProvider::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Sends `sig` to the process group (as the engine does) and waits. Returns
  // the wait status, or nullopt if the process did not exit within `timeout`
  // (it is then killed).
  std::optional<int> SignalAndWait(int sig, absl::Duration timeout);
  bool Running();

  // What reached stdout after the port line, and everything on stderr.
  // Complete only after the process has exited.
  std::string stdout_after_port();
  std::string stderr_text();

 private:
  PluginProcess() = default;
  void Drain();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int port_ = 0;
  absl::Duration startup_;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::thread drainer_;
  absl::Mutex mu_;
  std::string stdout_rest_ ABSL_GUARDED_BY(mu_);
  std::string stderr_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pulumirpc::ResourceProvider::Stub> stub_;
};

// $ESC_BINARY_DIR/bin/pulumi-resource-esc, or the build-time default.
std::string PluginBinaryPath();
// The same for escctl.
std::string EscctlBinaryPath();

// A deadline-bound client context for calls to the plugin.
std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout = absl::Seconds(10));

}  // namespace escnative::testing

#endif  // TESTS_HARNESS_PLUGIN_PROCESS_H_
