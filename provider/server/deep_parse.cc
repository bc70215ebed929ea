#include "provider/server/deep_parse.h"

#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/strings/str_cat.h"

namespace escnative::server {
namespace {

// Each level of a Struct value is three protobuf levels; a few more for the
// request message and its fields.
constexpr int kRecursionLimit = 3 * kMaxRequestNesting + 8;

}  // namespace

grpc::Status ParseRequest(grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  grpc::Status result;
  {
    grpc::ProtoBufferReader reader(buffer);
    if (!reader.status().ok()) {
      result = reader.status();
    } else {
      google::protobuf::io::CodedInputStream in(&reader);
      in.SetRecursionLimit(kRecursionLimit);
      if (!message->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
        result =
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         absl::StrCat("could not parse the ", message->GetDescriptor()->name(),
                                      ": it is malformed or nests objects and arrays deeper than ",
                                      kMaxRequestNesting, " levels (this provider's limit)"));
      }
    }
  }
  buffer->Clear();
  return result;
}

template <class Request, class Response>
void DeepParsingService::Add(const char* method,
                             grpc::Status (ProviderService::*fn)(grpc::ServerContext*,
                                                                 const Request*, Response*)) {
  const std::string& path = paths_.emplace_back(
      absl::StrCat("/", pulumirpc::ResourceProvider::service_full_name(), "/", method));
  AddMethod(new grpc::internal::RpcServiceMethod(
      path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<ProviderService, DeepRequest<Request>, Response>(
          [fn](ProviderService* service, grpc::ServerContext* ctx, const DeepRequest<Request>* req,
               Response* resp) { return (service->*fn)(ctx, &req->message, resp); },
          impl_)));
}

DeepParsingService::DeepParsingService(ProviderService* impl) : impl_(impl) {
  Add("Handshake", &ProviderService::Handshake);
  Add("GetPluginInfo", &ProviderService::GetPluginInfo);
  Add("Attach", &ProviderService::Attach);
  Add("Cancel", &ProviderService::Cancel);
  Add("GetSchema", &ProviderService::GetSchema);
  Add("CheckConfig", &ProviderService::CheckConfig);
  Add("DiffConfig", &ProviderService::DiffConfig);
  Add("Configure", &ProviderService::Configure);
  Add("Invoke", &ProviderService::Invoke);
  Add("Check", &ProviderService::Check);
  Add("Diff", &ProviderService::Diff);
  Add("Create", &ProviderService::Create);
  Add("Read", &ProviderService::Read);
  Add("Update", &ProviderService::Update);
  Add("Delete", &ProviderService::Delete);
}

}  // namespace escnative::server
