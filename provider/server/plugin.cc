#include "provider/server/plugin.h"

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "provider/resources/backend_factory.h"
#include "provider/server/deep_parse.h"
#include "provider/server/engine_logger.h"
#include "provider/server/provider_service.h"
#include "provider/version.h"

namespace escnative::server {
namespace {

constexpr int kMaxMessageBytes = 400 * 1024 * 1024;  // the engine's limit
// The engine SIGKILLs 5 s after SIGINT; finish in-flight calls within 4 s.
constexpr auto kShutdownGrace = std::chrono::seconds(4);

constexpr char kUsage[] =
    "usage: pulumi-resource-esc [engine flags] [ENGINE_ADDRESS]\n"
    "\n"
    "The Pulumi ESC resource provider plugin. The Pulumi engine starts it with its\n"
    "own address as the last argument and reads the gRPC port from stdout.\n"
    "Started without an address it serves until interrupted, for\n"
    "PULUMI_DEBUG_PROVIDERS=esc:<port>.\n"
    "\n"
    "  --version   print the version and exit\n"
    "  --help      print this help and exit\n";

}  // namespace

PluginArgs ParsePluginArgs(const std::vector<std::string>& argv) {
  PluginArgs out;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--version") {
      out.print_version = true;
    } else if (a == "--help" || a == "-h") {
      out.help = true;
    } else if (a == "--tracing") {
      ++i;  // its value is the next argument
    } else if (!a.empty() && a[0] == '-') {
      continue;  // --logtostderr, -v=N, and anything newer engines add
    } else {
      out.engine_address = a;
    }
  }
  return out;
}

int RunPlugin(int argc, char** argv) {
  PluginArgs args = ParsePluginArgs(std::vector<std::string>(argv, argv + argc));
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.print_version) {
    std::printf("%s\n", kProviderVersion);
    return 0;
  }

  // Block the stop signals before gRPC starts its threads, so they inherit
  // the mask and only the waiter thread below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Hold one gRPC library reference for the life of the process. Otherwise
  // the last channel's destructor (the engine logger's, after the server
  // stops) runs grpc_shutdown, which joins gRPC's executor thread while it
  // sleeps up to 10 s in its backup poller: SIGINT then outlived the engine's
  // 5 s SIGKILL. Process exit reclaims what this reference keeps.
  grpc_init();

  EngineLogger logger;
  if (args.engine_address.has_value()) logger.SetEngineAddress(*args.engine_address);
  ProviderService service(&logger, resources::ProcessEnv(), resources::OpenBackend);
  DeepParsingService deep_parsing(&service);

  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&deep_parsing);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "pulumi-resource-esc: could not listen on 127.0.0.1\n");
    return 1;
  }

  // The port must be the first and only thing on stdout. Afterwards stdout
  // points at stderr, so no library can ever corrupt the engine's read.
  std::printf("%d\n", port);
  std::fflush(stdout);
  dup2(STDERR_FILENO, STDOUT_FILENO);

  std::thread waiter([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  });
  server->Wait();
  // The waiter returned from sigwait (only it can stop the server).
  waiter.join();
  return 0;
}

}  // namespace escnative::server
