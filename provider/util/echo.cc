#include "provider/util/echo.h"

#include <cstdio>

#include "provider/util/utf8.h"

namespace escnative::util {
namespace {

void AppendEscaped(unsigned char c, std::string* out) {
  switch (c) {
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default: {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out->append(buf);
    }
  }
}

}  // namespace

std::string Echo(std::string_view input, size_t limit) {
  std::string out;
  out.reserve(input.size() < limit ? input.size() : limit);
  for (size_t i = 0; i < input.size();) {
    if (out.size() >= limit) {
      out.append("…");
      return out;
    }
    char32_t rune = 0;
    int len = DecodeUtf8(input, i, &rune);
    if (len == 0) {
      AppendEscaped(static_cast<unsigned char>(input[i]), &out);
      ++i;
      continue;
    }
    bool control = rune < 0x20 || rune == 0x7F || (rune >= 0x80 && rune < 0xA0);
    if (control) {
      if (rune < 0x80) {
        AppendEscaped(static_cast<unsigned char>(rune), &out);
      } else {
        char buf[9];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(rune));
        out.append(buf);
      }
    } else {
      out.append(input.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string CapMessage(std::string_view message, size_t limit) {
  if (message.size() <= limit) return std::string(message);
  size_t cut = limit;
  // Back up to the start of a UTF-8 sequence so the result stays valid.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  std::string out(message.substr(0, cut));
  out.append("… (");
  out.append(std::to_string(message.size() - cut));
  out.append(" more bytes)");
  return out;
}

}  // namespace escnative::util
