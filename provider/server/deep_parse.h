// Request parsing with a recursion limit that fits ESC values.
//
// gRPC parses requests with protobuf's default recursion limit of 100, and
// every level of a google.protobuf.Struct costs three (Struct, map entry,
// Value), so a value nested deeper than about 32 levels failed with INTERNAL
// and an empty message, although ESC allows 128 levels and Read returns
// values that deep. DeepParsingService serves the ProviderService's methods
// with requests parsed under kMaxRequestNesting levels instead, and answers
// INVALID_ARGUMENT naming that limit beyond it.
#ifndef PROVIDER_SERVER_DEEP_PARSE_H_
#define PROVIDER_SERVER_DEEP_PARSE_H_

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>

#include <deque>
#include <string>

#include "provider/server/provider_service.h"

namespace escnative::server {

// Object/array nesting a request may carry: twice ESC's 128, so a 128-deep
// value still fits with a secret wrapper at every level.
inline constexpr int kMaxRequestNesting = 256;

// A request message parsed by ParseRequest (see the SerializationTraits
// specialization below) instead of gRPC's default.
template <class Message>
struct DeepRequest {
  Message message;
};

// Parses `buffer` into `message` (and releases the buffer, as gRPC's own
// deserializer does). INVALID_ARGUMENT, naming the limit, if it does not parse.
grpc::Status ParseRequest(grpc::ByteBuffer* buffer, google::protobuf::Message* message);

// The ResourceProvider service with deep request parsing; register this
// instead of the ProviderService itself. Methods the ProviderService does
// not implement are not registered, so gRPC answers UNIMPLEMENTED for them.
class DeepParsingService final : public grpc::Service {
 public:
  // `impl` must outlive this service.
  explicit DeepParsingService(ProviderService* impl);

 private:
  template <class Request, class Response>
  void Add(const char* method,
           grpc::Status (ProviderService::*fn)(grpc::ServerContext*, const Request*, Response*));

  ProviderService* const impl_;
  std::deque<std::string> paths_;  // gRPC keeps pointers to the method paths
};

}  // namespace escnative::server

template <class Message>
class grpc::SerializationTraits<escnative::server::DeepRequest<Message>, void> {
 public:
  static grpc::Status Deserialize(grpc::ByteBuffer* buffer,
                                  escnative::server::DeepRequest<Message>* out) {
    return escnative::server::ParseRequest(buffer, &out->message);
  }
};

#endif  // PROVIDER_SERVER_DEEP_PARSE_H_
