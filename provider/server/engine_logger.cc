#include "provider/server/engine_logger.h"

#include <chrono>
#include <cstdio>

#include <grpcpp/grpcpp.h>

namespace escnative::server {
namespace {

constexpr int kMaxMessageBytes = 400 * 1024 * 1024;  // the engine's own limit

const char* SeverityName(resources::LogSeverity s) {
  switch (s) {
    case resources::LogSeverity::kDebug:
      return "debug";
    case resources::LogSeverity::kInfo:
      return "info";
    case resources::LogSeverity::kWarning:
      return "warning";
    case resources::LogSeverity::kError:
      return "error";
  }
  return "info";
}

pulumirpc::LogSeverity ToProto(resources::LogSeverity s) {
  switch (s) {
    case resources::LogSeverity::kDebug:
      return pulumirpc::DEBUG;
    case resources::LogSeverity::kInfo:
      return pulumirpc::INFO;
    case resources::LogSeverity::kWarning:
      return pulumirpc::WARNING;
    case resources::LogSeverity::kError:
      return pulumirpc::ERROR;
  }
  return pulumirpc::INFO;
}

}  // namespace

void EngineLogger::SetEngineAddress(const std::string& address) {
  if (address.empty()) return;
  absl::MutexLock lock(&mu_);
  if (address == address_) return;
  address_ = address;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  stub_ = pulumirpc::Engine::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

std::string EngineLogger::engine_address() const {
  absl::MutexLock lock(&mu_);
  return address_;
}

void EngineLogger::Log(resources::LogSeverity severity, absl::string_view message,
                       absl::string_view urn) {
  std::shared_ptr<pulumirpc::Engine::Stub> stub;
  {
    absl::MutexLock lock(&mu_);
    stub = stub_;
  }
  if (stub != nullptr) {
    pulumirpc::LogRequest req;
    req.set_severity(ToProto(severity));
    req.set_message(std::string(message));
    req.set_urn(std::string(urn));
    google::protobuf::Empty resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (stub->Log(&ctx, req, &resp).ok()) return;
  }
  std::fprintf(stderr, "%s: %.*s\n", SeverityName(severity), static_cast<int>(message.size()),
               message.data());
}

}  // namespace escnative::server
