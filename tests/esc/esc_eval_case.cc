// esc-eval-case CASE_DIR: evaluates an esc-conformance case and prints one
// JSON object with the fields of its expected.json.
#include <iostream>

#include "tests/esc/testing/case_runner.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: esc-eval-case CASE_DIR\n";
    return 2;
  }
  absl::StatusOr<nlohmann::json> out = escnative::esc::testing::RunCase(argv[1]);
  if (!out.ok()) {
    std::cerr << out.status() << "\n";
    return 1;
  }
  std::cout << out->dump(2) << "\n";
  return 0;
}
