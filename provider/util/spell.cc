#include "provider/util/spell.h"

#include <algorithm>
#include <cctype>

#include "provider/util/string_view.h"

namespace escnative::util {
namespace {

// Long words make the quadratic distance pointless; they get no suggestion.
constexpr size_t kMaxWord = 256;

// Two-row Levenshtein in caller-owned buffers (reused across candidates).
size_t LevenshteinIn(std::string_view a, std::string_view b, std::vector<size_t>* prev,
                     std::vector<size_t>* cur) {
  prev->resize(b.size() + 1);
  cur->resize(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) (*prev)[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    (*cur)[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      (*cur)[j] = std::min({(*prev)[j] + 1, (*cur)[j - 1] + 1, (*prev)[j - 1] + cost});
    }
    std::swap(*prev, *cur);
  }
  return (*prev)[b.size()];
}

void Fold(std::string_view s, std::string* out) {
  out->clear();
  for (char c : s) {
    if (c != '_') out->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
}

}  // namespace

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: like Levenshtein, plus adjacent transpositions
  // ("nmae" -> "name") at cost 1, the most common typo.
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

size_t Levenshtein(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev, cur;
  return LevenshteinIn(ToStd(a), ToStd(b), &prev, &cur);
}

std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates) {
  size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

NearestMatch::NearestMatch(std::string_view word) {
  skip_ = word.size() > kMaxWord;
  if (skip_) return;
  Fold(word, &word_);
  best_distance_ = (word.size() + 1) / 2;
}

void NearestMatch::Offer(std::string_view candidate) {
  if (skip_ || candidate.size() > kMaxWord) return;
  Fold(candidate, &folded_);
  // The distance is at least the difference in length.
  const size_t n = word_.size(), m = folded_.size();
  if ((n > m ? n - m : m - n) >= best_distance_) return;
  const size_t d = LevenshteinIn(word_, folded_, &prev_, &cur_);
  if (d < best_distance_) {
    best_distance_ = d;
    best_ = std::string(candidate);
  }
}

}  // namespace escnative::util
