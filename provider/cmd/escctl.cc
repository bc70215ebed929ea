// escctl entry point; everything else is in escctl.cc (testable).
#include "provider/cli/escctl.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto env = [](const char* name) -> std::optional<std::string> {
      const char* v = std::getenv(name);
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
    int code = escnative::cli::RunEscctl(args, env, std::cout, std::cerr);
    std::cout.flush();
    return code;
  } catch (...) {
    // RunEscctl catches what commands throw; this is the last line (e.g. bad_alloc).
    std::cerr << "escctl: internal error\n";
    return escnative::cli::kExitError;
  }
}
