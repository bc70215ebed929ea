// Replays every case of ../shared/esc-conformance and reports the levels.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gtest/gtest.h"
#include "tests/esc/testing/case_runner.h"

namespace escnative::esc::testing {
namespace {

namespace fs = std::filesystem;

fs::path CasesDir() {
  const char* src = std::getenv("ESC_SOURCE_DIR");
  fs::path root = src != nullptr ? fs::path(src) : fs::path(ESC_SOURCE_DIR_FALLBACK);
  return root / ".." / "shared" / "esc-conformance" / "cases";
}

TEST(ConformanceTest, AllCasesPassAtValuesLevel) {
  fs::path dir = CasesDir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance cases at " << dir;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (fs::exists(entry.path() / "expected.json")) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  int values = 0, diags = 0, full = 0;
  for (const fs::path& c : cases) {
    std::ifstream in(c / "expected.json");
    nlohmann::json expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(expected.is_discarded()) << c;
    absl::StatusOr<nlohmann::json> actual = RunCase(c.string());
    ASSERT_TRUE(actual.ok()) << c << ": " << actual.status();
    CaseScore s = ScoreCase(expected, *actual);
    values += s.values;
    diags += s.diagnostics;
    full += s.full;
    EXPECT_TRUE(s.values) << c.filename() << ": " << s.first_difference;
    if (s.values && !s.diagnostics) {
      std::cout << "[ranges] " << c.filename().string() << ": " << s.first_difference << "\n";
    }
  }
  std::cout << "conformance: " << cases.size() << " cases; values " << values
            << ", diagnostics with ranges " << diags << ", full " << full << "\n";
}

}  // namespace
}  // namespace escnative::esc::testing
