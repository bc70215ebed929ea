// libFuzzer target for the `.env` parser (provider/cli/dotenv.h) that
// `escctl env import --dotenv` reads.
//
// Invariants: parsing never crashes; accepted keys follow the documented
// grammar and are unique; the entries, written back as KEY="value" with the
// parser's own escapes, parse to exactly the same entries.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "provider/cli/dotenv.h"

namespace {

bool ValidKey(const std::string& key) {
  if (key.empty() || absl::ascii_isdigit(static_cast<unsigned char>(key[0])) || key[0] == '.' ||
      key[0] == '-') {
    return false;
  }
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string Quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '$':
        out += "\\$";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entries = escnative::cli::ParseDotenv(text, "fuzz.env");
  if (!entries.ok()) {
    if (entries.status().message().find("fuzz.env") == std::string_view::npos) __builtin_trap();
    return 0;
  }
  std::set<std::string> keys;
  std::string rendered;
  for (const auto& [key, value] : *entries) {
    if (!ValidKey(key) || !keys.insert(key).second) __builtin_trap();
    rendered += key + "=" + Quote(value) + "\n";
  }
  auto again = escnative::cli::ParseDotenv(rendered, "rendered.env");
  if (!again.ok() || *again != *entries) __builtin_trap();
  return 0;
}
