// Edit distances and "did you mean" suggestions for misspelt names, the one
// place for both policies: the project's own messages (ClosestMatch) and the
// ESC evaluator's, whose wording follows the reference (NearestMatch).
#ifndef PROVIDER_UTIL_SPELL_H_
#define PROVIDER_UTIL_SPELL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace escnative::util {

// Edit distance: insert, delete, substitute, swap adjacent; each cost 1.
size_t EditDistance(absl::string_view a, absl::string_view b);

// Plain Levenshtein distance (no transpositions), where a reference
// implementation's wording depends on it (ESC's "did you mean").
size_t Levenshtein(absl::string_view a, absl::string_view b);

// The candidate closest to `word`, if it is close enough to be a likely typo
// (distance at most max(1, len/3)); empty otherwise.
std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates);

// ESC's suggestion: the candidate closest to a word (case-folded, underscores
// ignored, Levenshtein) when its distance is below ceil(len(word)/2); empty
// when none is close enough. Candidates are offered one by one, so callers
// need not copy key sets, and each costs no allocation: candidates whose
// length alone rules them out are skipped, the rest are compared in reused
// buffers.
class NearestMatch {
 public:
  explicit NearestMatch(std::string_view word);
  void Offer(std::string_view candidate);
  const std::string& best() const { return best_; }

 private:
  std::string word_;  // folded
  bool skip_ = false;
  size_t best_distance_ = 0;
  std::string best_;
  std::string folded_;
  std::vector<size_t> prev_, cur_;
};

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_SPELL_H_
