// Edit distance and "did you mean" suggestions for diagnostics.
#ifndef PROVIDER_ESC_SPELL_H_
#define PROVIDER_ESC_SPELL_H_

#include <string>
#include <string_view>
#include <vector>

namespace escnative::esc {

int Levenshtein(std::string_view a, std::string_view b);

// The candidate closest to `word` (case-folded, underscores ignored) when its
// distance is below ceil(len(word)/2); empty when none is close enough.
std::string Nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_SPELL_H_
