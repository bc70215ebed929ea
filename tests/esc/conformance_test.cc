// Replays every case of ../shared/esc-conformance and reports, per case, the
// strictest level it passes (README.md there): values, diagnostics with
// ranges, full. One test per level, so a regression names its level.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/esc/testing/case_runner.h"

namespace escnative::esc::testing {
namespace {

namespace fs = std::filesystem;

struct ScoredCase {
  std::string name;
  CaseScore score;
};

fs::path CasesDir() {
  const char* src = std::getenv("ESC_SOURCE_DIR");
  fs::path root = src != nullptr ? fs::path(src) : fs::path(ESC_SOURCE_DIR_FALLBACK);
  return root / ".." / "shared" / "esc-conformance" / "cases";
}

const char* LevelName(const CaseScore& s) {
  return s.full ? "full" : s.diagnostics ? "ranges" : s.values ? "values" : "none";
}

// Runs and scores every case; prints each case's level and the counts.
std::vector<ScoredCase> ScoreAll() {
  std::vector<ScoredCase> out;
  fs::path dir = CasesDir();
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (fs::exists(entry.path() / "expected.json")) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  int values = 0, ranges = 0, full = 0;
  for (const fs::path& c : cases) {
    ScoredCase sc{c.filename().string(), {}};
    std::ifstream in(c / "expected.json");
    nlohmann::json expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    absl::StatusOr<nlohmann::json> actual = RunCase(c.string());
    if (expected.is_discarded()) {
      sc.score.first_difference = "expected.json is not JSON";
    } else if (!actual.ok()) {
      sc.score.first_difference = std::string(actual.status().message());
    } else {
      sc.score = ScoreCase(expected, *actual);
    }
    values += sc.score.values;
    ranges += sc.score.diagnostics;
    full += sc.score.full;
    std::cout << "[" << LevelName(sc.score) << "] " << sc.name;
    if (!sc.score.full) std::cout << ": " << sc.score.first_difference;
    std::cout << "\n";
    out.push_back(std::move(sc));
  }
  std::cout << "conformance: " << cases.size() << " cases; values " << values
            << ", diagnostics with ranges " << ranges << ", full " << full << "\n";
  return out;
}

// Once per test binary.
const std::vector<ScoredCase>& Scores() {
  static const std::vector<ScoredCase> scores = ScoreAll();
  return scores;
}

TEST(ConformanceTest, AllCasesPassAtValuesLevel) {
  if (Scores().empty()) GTEST_SKIP() << "no conformance cases at " << CasesDir();
  for (const ScoredCase& c : Scores()) {
    EXPECT_TRUE(c.score.values) << c.name << ": " << c.score.first_difference;
  }
}

TEST(ConformanceTest, AllCasesPassAtRangesLevel) {
  if (Scores().empty()) GTEST_SKIP() << "no conformance cases at " << CasesDir();
  for (const ScoredCase& c : Scores()) {
    EXPECT_TRUE(c.score.diagnostics) << c.name << ": " << c.score.first_difference;
  }
}

TEST(ConformanceTest, AllCasesPassAtFullLevel) {
  if (Scores().empty()) GTEST_SKIP() << "no conformance cases at " << CasesDir();
  for (const ScoredCase& c : Scores()) {
    EXPECT_TRUE(c.score.full) << c.name << ": " << c.score.first_difference;
  }
}

}  // namespace
}  // namespace escnative::esc::testing
