// Replays one esc-conformance case and compares results with expected.json.
#ifndef TESTS_ESC_TESTING_CASE_RUNNER_H_
#define TESTS_ESC_TESTING_CASE_RUNNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace escnative::esc::testing {

// Evaluates CASE_DIR/env.yaml the way the reference harness did and returns
// an object with the fields of expected.json.
absl::StatusOr<nlohmann::json> RunCase(const std::string& case_dir);

struct CaseScore {
  bool values = false;       // revealed/redacted JSON + diagnostic summaries and paths
  bool diagnostics = false;  // also severities and ranges
  bool full = false;         // also check, checkJson and eval
  std::string first_difference;
};

CaseScore ScoreCase(const nlohmann::json& expected, const nlohmann::json& actual);

}  // namespace escnative::esc::testing

#endif  // TESTS_ESC_TESTING_CASE_RUNNER_H_
