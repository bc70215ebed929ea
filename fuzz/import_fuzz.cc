// libFuzzer target for `escctl env import`: the .env and JSON source parsers,
// the key -> target-path mapping (default targets and a YAML --map file) and
// the definition edits, run in-process through RunEscctl on a scratch store.
//
// Input: byte 0 picks options (bit 0: --json instead of --dotenv, bit 1:
// --keep-case, bit 2: --prefix values., bit 3: a --map file); the rest is the
// source file, then optionally "\n---\n" and the map file.
// Invariants: no crash; an import that succeeded, run again unchanged, plans
// only "=" lines (every value reads back exactly as imported).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/cli/escctl.h"

namespace {

struct Scratch {
  std::string dir;
  std::map<std::string, std::string> env;
  int next_env = 0;
};

Scratch& World() {
  static Scratch* const w = [] {
    auto* s = new Scratch();
    char dir[] = "/tmp/esc-import-fuzz-XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    s->dir = dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(World().dir, ec);
    });
    s->env = {{"ESC_LOCAL_PATH", s->dir + "/store.db"},
              {"ESC_PASSPHRASE", "fuzz-passphrase"},
              {"ESC_INSECURE_FAST_KDF", "1"},
              {"ESC_ACTOR", "fuzz"}};
    return s;
  }();
  return *w;
}

int Run(const std::vector<std::string>& args, std::string* out) {
  Scratch& w = World();
  std::ostringstream o, e;
  const int rc = escnative::cli::RunEscctl(
      args,
      [&w](const char* name) -> std::optional<std::string> {
        auto it = w.env.find(name);
        if (it == w.env.end()) return std::nullopt;
        return it->second;
      },
      o, e);
  if (out != nullptr) *out = o.str();
  return rc;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Scratch& w = World();
  const uint8_t flags = data[0];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t split = rest.find("\n---\n");
  const std::string source = rest.substr(0, split);
  const std::string map = split == std::string::npos ? "" : rest.substr(split + 5);

  // A fresh environment per input, so every input runs against the same state.
  const std::string env = absl::StrCat("fuzz/e", w.next_env++);
  if (Run({"env", "init", env}, nullptr) != 0) __builtin_trap();

  const std::string source_file = w.dir + "/source";
  const std::string map_file = w.dir + "/map.yaml";
  WriteFile(source_file, source);
  std::vector<std::string> args = {"env", "import", env, (flags & 1) ? "--json" : "--dotenv",
                                   source_file};
  if (flags & 2) args.push_back("--keep-case");
  if (flags & 4) args.insert(args.end(), {"--prefix", "values."});
  if (flags & 8) {
    WriteFile(map_file, map);
    args.insert(args.end(), {"--map", map_file, "--allow-missing"});
  }
  if (Run(args, nullptr) != 0) return 0;
  std::string plan;
  if (Run(args, &plan) != 0) __builtin_trap();
  for (absl::string_view line : absl::StrSplit(plan, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "= ")) __builtin_trap();  // a value did not read back
  }
  return 0;
}
