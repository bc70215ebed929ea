// Lossless conversion between google.protobuf.Struct and PropertyValue.
//
// Decoding recognises the signature key (secrets, resource references, output
// values, assets, archives) and every unknown sentinel at any depth. Errors
// name the property path and what was expected, never a value.
#ifndef PROVIDER_SERVER_STRUCT_CODEC_H_
#define PROVIDER_SERVER_STRUCT_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "provider/value/property_value.h"

namespace escnative::server {

// `what` names the message field in errors, e.g. "news" -> "news.tags.team: ...".
absl::StatusOr<PropertyMap> DecodeStruct(const google::protobuf::Struct& s, absl::string_view what);
absl::StatusOr<PropertyValue> DecodeValue(const google::protobuf::Value& v, absl::string_view path);

void EncodeStruct(const PropertyMap& map, google::protobuf::Struct* out);
void EncodeValue(const PropertyValue& value, google::protobuf::Value* out);

}  // namespace escnative::server

#endif  // PROVIDER_SERVER_STRUCT_CODEC_H_
