// The gRPC boundary in-process: no C++ exception escapes a handler, and
// requests parse with a recursion limit that fits ESC's nesting.
#include "provider/server/provider_service.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/support/proto_buffer_writer.h>
#include <gtest/gtest.h>

#include <ios>
#include <stdexcept>

#include "provider/server/deep_parse.h"

namespace escnative::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::optional<std::string> NoEnv(const char*) { return std::nullopt; }

TEST(ProviderServiceBoundary, AnExceptionBecomesInternalWithAGenericMessage) {
  EngineLogger logger;  // no engine: logs go to stderr
  ProviderService service(
      &logger, NoEnv,
      [](const resources::ProviderConfig&) -> absl::StatusOr<std::unique_ptr<backend::Backend>> {
        throw std::ios_base::failure("boom-MARKER-c0ffee");
      });
  pulumirpc::ConfigureRequest req;
  auto& fields = *req.mutable_args()->mutable_fields();
  fields["passphrase"].set_string_value("pw");
  fields["localPath"].set_string_value("/nonexistent/store.db");
  pulumirpc::ConfigureResponse resp;
  grpc::ServerContext ctx;
  ::testing::internal::CaptureStderr();
  grpc::Status st = service.Configure(&ctx, &req, &resp);
  std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message(), "internal error in Configure; see the provider's log");
  EXPECT_THAT(logged, HasSubstr("internal error in Configure"));
  EXPECT_THAT(logged, HasSubstr("std::ios_base::failure"));
  EXPECT_THAT(logged, Not(HasSubstr("boom-MARKER"))) << "what() may hold input";

  // The service still answers afterwards.
  pulumirpc::GetSchemaRequest sreq;
  pulumirpc::GetSchemaResponse sresp;
  EXPECT_TRUE(service.GetSchema(&ctx, &sreq, &sresp).ok());
}

// A Struct whose field "a" nests `levels` objects deep.
google::protobuf::Struct Nested(int levels) {
  google::protobuf::Struct root;
  google::protobuf::Struct* cur = &root;
  for (int i = 0; i < levels; ++i) {
    cur = (*cur->mutable_fields())["a"].mutable_struct_value();
  }
  (*cur->mutable_fields())["leaf"].set_number_value(1);
  return root;
}

grpc::ByteBuffer Serialize(const google::protobuf::Message& m) {
  grpc::ByteBuffer buffer;
  bool own = false;
  EXPECT_TRUE(
      grpc::SerializationTraits<google::protobuf::Message>::Serialize(m, &buffer, &own).ok());
  return buffer;
}

TEST(ParseRequest, AcceptsWhatEscAllowsAndNamesTheLimitBeyond) {
  for (int levels : {32, 128, kMaxRequestNesting}) {
    pulumirpc::CheckRequest req;
    *req.mutable_news() = Nested(levels);
    grpc::ByteBuffer buffer = Serialize(req);
    pulumirpc::CheckRequest parsed;
    grpc::Status st = ParseRequest(&buffer, &parsed);
    ASSERT_TRUE(st.ok()) << levels << ": " << st.error_message();
    EXPECT_EQ(parsed.SerializeAsString(), req.SerializeAsString());
  }
  // gRPC's own parser gives up at about 32 levels with INTERNAL and no text.
  pulumirpc::CheckRequest req;
  *req.mutable_news() = Nested(128);
  grpc::ByteBuffer buffer = Serialize(req);
  pulumirpc::CheckRequest by_grpc;
  EXPECT_FALSE(
      grpc::SerializationTraits<pulumirpc::CheckRequest>::Deserialize(&buffer, &by_grpc).ok());

  *req.mutable_news() = Nested(kMaxRequestNesting + 40);
  buffer = Serialize(req);
  pulumirpc::CheckRequest parsed;
  grpc::Status st = ParseRequest(&buffer, &parsed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("deeper than 256 levels"));
}

}  // namespace
}  // namespace escnative::server
