// "Did you mean" suggestions for misspelt names in error messages.
#ifndef PROVIDER_UTIL_SPELL_H_
#define PROVIDER_UTIL_SPELL_H_

#include <string>
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

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_SPELL_H_
