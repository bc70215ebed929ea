#include "provider/esc/spell.h"

#include <algorithm>
#include <cctype>

#include "provider/util/spell.h"

namespace escnative::esc {

int Levenshtein(std::string_view a, std::string_view b) {
  return static_cast<int>(util::Levenshtein(absl::string_view(a.data(), a.size()),
                                          absl::string_view(b.data(), b.size())));
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
