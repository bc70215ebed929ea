// The floor for plugin_bench's round trips: a ResourceProvider server that
// does nothing but answer, launched and linked like the plugin (same gRPC
// build, static link, sync server, 127.0.0.1:0, port on stdout). Check echoes
// its news; Diff answers DIFF_NONE. What the plugin takes above this, in the
// same sweep, is ours: request parsing, schema lookups, validation, logging.
//
// With --callback the same answers come from gRPC's callback API (handlers
// run on the thread that read the request, no hand-off to a worker), to
// measure what moving the plugin to that API could gain for one caller.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "pulumi/provider.grpc.pb.h"

namespace {

class FloorProvider final : public pulumirpc::ResourceProvider::Service {
  grpc::Status Check(grpc::ServerContext*, const pulumirpc::CheckRequest* req,
                     pulumirpc::CheckResponse* resp) override {
    *resp->mutable_inputs() = req->news();
    return grpc::Status::OK;
  }
  grpc::Status Diff(grpc::ServerContext*, const pulumirpc::DiffRequest*,
                    pulumirpc::DiffResponse* resp) override {
    resp->set_changes(pulumirpc::DiffResponse::DIFF_NONE);
    return grpc::Status::OK;
  }
};

class CallbackFloorProvider final : public pulumirpc::ResourceProvider::CallbackService {
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const pulumirpc::CheckRequest* req,
                                  pulumirpc::CheckResponse* resp) override {
    *resp->mutable_inputs() = req->news();
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* Diff(grpc::CallbackServerContext* ctx, const pulumirpc::DiffRequest*,
                                 pulumirpc::DiffResponse* resp) override {
    resp->set_changes(pulumirpc::DiffResponse::DIFF_NONE);
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bool callback = argc > 1 && std::string(argv[1]) == "--callback";
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  FloorProvider service;
  CallbackFloorProvider callback_service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  if (callback) {
    builder.RegisterService(&callback_service);
  } else {
    builder.RegisterService(&service);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 1;
  std::printf("%d\n", port);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server->Shutdown();
  return 0;
}
