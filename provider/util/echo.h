// Echoing user input back in messages. Every error, warning or diagnostic that
// quotes a name, path or key the caller supplied goes through Echo: input can be
// megabytes long (a wedged gRPC channel when it lands in a status message) or
// carry terminal escape sequences, and neither may reach a user's terminal.
#ifndef PROVIDER_UTIL_ECHO_H_
#define PROVIDER_UTIL_ECHO_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace escnative::util {

// How much of an input a message quotes by default.
inline constexpr size_t kEchoLimit = 200;

// `input` with control characters (C0, DEL, C1) shown as \n, \t or \xNN,
// invalid UTF-8 bytes as \xNN, and cut at about `limit` bytes of output with
// "…" when longer. Never returns more than limit + 8 bytes.
std::string Echo(std::string_view input, size_t limit = kEchoLimit);

// Cuts a whole message (which may already hold echoes) to `limit` bytes at a
// UTF-8 boundary, ending it with "… (N more bytes)". Used where a message
// leaves the process: gRPC status messages and HTTP error bodies.
std::string CapMessage(std::string_view message, size_t limit);

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_ECHO_H_
