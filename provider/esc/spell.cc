#include "provider/esc/spell.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "provider/util/spell.h"

namespace escnative::esc {

int Levenshtein(std::string_view a, std::string_view b) {
  return static_cast<int>(util::Levenshtein(absl::string_view(a.data(), a.size()),
                                            absl::string_view(b.data(), b.size())));
}

namespace {
// Long words make the quadratic distance pointless; they get no suggestion.
constexpr size_t kMaxWord = 256;

void Fold(std::string_view s, std::string* out) {
  out->clear();
  for (char c : s) {
    if (c != '_') out->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
}
}  // namespace

NearestMatch::NearestMatch(std::string_view word) {
  skip_ = word.size() > kMaxWord;
  if (skip_) return;
  Fold(word, &word_);
  best_distance_ = static_cast<int>((word.size() + 1) / 2);
}

void NearestMatch::Offer(std::string_view candidate) {
  if (skip_ || candidate.size() > kMaxWord) return;
  Fold(candidate, &folded_);
  const int n = static_cast<int>(word_.size()), m = static_cast<int>(folded_.size());
  // The distance is at least the difference in length.
  if (std::abs(n - m) >= best_distance_) return;
  prev_.resize(m + 1);
  cur_.resize(m + 1);
  for (int j = 0; j <= m; ++j) prev_[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur_[0] = i;
    for (int j = 1; j <= m; ++j) {
      int cost = word_[i - 1] == folded_[j - 1] ? 0 : 1;
      cur_[j] = std::min({prev_[j] + 1, cur_[j - 1] + 1, prev_[j - 1] + cost});
    }
    std::swap(prev_, cur_);
  }
  if (prev_[m] < best_distance_) {
    best_distance_ = prev_[m];
    best_ = std::string(candidate);
  }
}

std::string Nearest(std::string_view word, const std::vector<std::string>& candidates) {
  NearestMatch match(word);
  for (const std::string& c : candidates) match.Offer(c);
  return match.best();
}

}  // namespace escnative::esc
