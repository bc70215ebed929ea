// Edit distance and "did you mean" suggestions for diagnostics.
#ifndef PROVIDER_ESC_SPELL_H_
#define PROVIDER_ESC_SPELL_H_

#include <string>
#include <string_view>
#include <vector>

namespace escnative::esc {

int Levenshtein(std::string_view a, std::string_view b);

// The candidate closest to a word (case-folded, underscores ignored) when its
// distance is below ceil(len(word)/2); empty when none is close enough.
// Candidates are offered one by one, so callers need not copy key sets, and
// each costs no allocation: candidates whose length alone rules them out are
// skipped, the rest are compared in reused buffers.
class NearestMatch {
 public:
  explicit NearestMatch(std::string_view word);
  void Offer(std::string_view candidate);
  const std::string& best() const { return best_; }

 private:
  std::string word_;  // folded
  bool skip_ = false;
  int best_distance_ = 0;
  std::string best_;
  std::string folded_;
  std::vector<int> prev_, cur_;
};

std::string Nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_SPELL_H_
