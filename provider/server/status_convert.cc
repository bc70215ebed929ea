#include "provider/server/status_convert.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "provider/resources/provider_config.h"
#include "provider/util/echo.h"
#include "pulumi/provider.pb.h"

namespace escnative::server {
namespace {

// gRPC sends a status message in the grpc-message trailer, percent-encoded
// (3 bytes for each byte outside printable ASCII), and the peer refuses
// trailers over its metadata limit (8 KiB by default): the call then never
// completes and the channel is left wedged. So messages are cut to what
// encodes in kMaxMessageWire bytes, leaving room for the details trailer.
constexpr size_t kMaxMessageWire = 4096;
// The google.rpc.Status detail repeats the message; keep it shorter, and the
// missing-keys list bounded.
constexpr size_t kMaxDetailMessageWire = 1024;
constexpr int kMaxMissingKeys = 16;
constexpr size_t kMaxKeyText = 256;

std::string CapForTrailer(const std::string& message, size_t wire_limit) {
  size_t wire = 0, cut = 0;
  for (; cut < message.size(); ++cut) {
    unsigned char c = static_cast<unsigned char>(message[cut]);
    wire += (c >= 0x20 && c < 0x7F && c != '%') ? 1 : 3;
    if (wire > wire_limit) break;
  }
  if (cut == message.size()) return message;
  // CapMessage adds a short ASCII tail ("… (N more bytes)"): leave it room.
  constexpr size_t kTail = 40;
  return util::CapMessage(message, cut > kTail ? cut - kTail : 0);
}

// Messages are shown on the user's terminal: control characters other than
// line breaks that reached one unescaped (an echo missed somewhere) are
// escaped here, line by line, so multi-line messages keep their shape.
std::string EscapeControls(const std::string& message) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t end = message.find('\n', start);
    std::string_view line(message.data() + start,
                          (end == std::string::npos ? message.size() : end) - start);
    out += util::Echo(line, line.size() * 4 + 1);
    if (end == std::string::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());  // same numbering
  const std::string message =
      CapForTrailer(EscapeControls(std::string(status.message())), kMaxMessageWire);
  auto missing = resources::MissingKeysFromStatus(status);
  if (missing.empty()) return grpc::Status(code, message);

  pulumirpc::ConfigureErrorMissingKeys detail;
  for (const auto& k : missing) {
    if (detail.missingkeys_size() == kMaxMissingKeys) break;
    auto* key = detail.add_missingkeys();
    key->set_name(util::CapMessage(k.name, kMaxKeyText));
    key->set_description(util::CapMessage(k.description, kMaxKeyText));
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(code));
  rpc_status.set_message(CapForTrailer(message, kMaxDetailMessageWire));
  rpc_status.add_details()->PackFrom(detail);
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

}  // namespace escnative::server
