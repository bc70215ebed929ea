#include "provider/esc/spell.h"

#include <algorithm>
#include <cctype>

namespace escnative::esc {

int Levenshtein(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

namespace {
std::string Fold(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}
}  // namespace

std::string Nearest(std::string_view word, const std::vector<std::string>& candidates) {
  // Long words make the quadratic distance pointless; skip them.
  if (word.size() > 256) return "";
  std::string w = Fold(word);
  int threshold = static_cast<int>((word.size() + 1) / 2);
  std::string best;
  int best_distance = threshold;
  for (const std::string& c : candidates) {
    if (c.size() > 256) continue;
    int d = Levenshtein(w, Fold(c));
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace escnative::esc
