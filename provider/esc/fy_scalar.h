// The text of a libfyaml scalar token, for the two event scanners (the
// evaluator's syntax tree and the store's plaintext-secret guard).
#ifndef PROVIDER_ESC_FY_SCALAR_H_
#define PROVIDER_ESC_FY_SCALAR_H_

#include <string_view>

#include "libfyaml.h"

namespace escnative::esc {

// A plain scalar on one line is its source text verbatim (no escapes, no
// folding): it is taken from `input`, the text the parser reads, which skips
// libfyaml's text formatting, the largest single cost of a scan. Anything
// else is formatted by libfyaml; its text lives as long as the token.
inline std::string_view FyScalarText(struct fy_token* token, std::string_view input) {
  if (fy_token_scalar_style(token) == FYSS_PLAIN) {
    const struct fy_mark* b = fy_token_start_mark(token);
    const struct fy_mark* e = fy_token_end_mark(token);
    if (b != nullptr && e != nullptr && b->line == e->line && b->input_pos <= e->input_pos &&
        e->input_pos <= input.size()) {
      return input.substr(b->input_pos, e->input_pos - b->input_pos);
    }
  }
  size_t len = 0;
  const char* text = fy_token_get_text(token, &len);
  return text == nullptr ? std::string_view() : std::string_view(text, len);
}

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_FY_SCALAR_H_
