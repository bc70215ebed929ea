// libFuzzer target for the google.protobuf.Struct <-> PropertyValue codec
// (provider/server/struct_codec.h), the decoder every gRPC request's
// properties go through.
//
// Input: a serialized google.protobuf.Struct (protobuf's own parser bounds
// nesting). Invariants: decoding never crashes; what decodes re-encodes to a
// Struct that decodes again, and encoding that gives the same bytes (a
// lossless round trip; compared as bytes so NaN compares equal to itself).
#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "provider/server/struct_codec.h"

namespace {

std::string Deterministic(const google::protobuf::Struct& s) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  s.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every rejected string with invalid UTF-8; that is expected here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  google::protobuf::Struct in;
  if (!in.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto decoded = escnative::server::DecodeStruct(in, "properties");
  if (!decoded.ok()) {
    if (decoded.status().message().empty()) __builtin_trap();  // errors must say what
    return 0;
  }
  google::protobuf::Struct once;
  escnative::server::EncodeStruct(*decoded, &once);
  auto again = escnative::server::DecodeStruct(once, "properties");
  if (!again.ok()) __builtin_trap();  // our own encoding must decode
  google::protobuf::Struct twice;
  escnative::server::EncodeStruct(*again, &twice);
  if (Deterministic(once) != Deterministic(twice)) __builtin_trap();
  return 0;
}
