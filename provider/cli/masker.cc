#include "provider/cli/masker.h"

#include <algorithm>

#include "provider/crypto/secret_bytes.h"

namespace escnative::cli {

Masker::Masker(std::vector<std::string> secrets) {
  for (std::string& s : secrets) {
    if (s.size() >= kMinLength) secrets_.push_back(std::move(s));
  }
  // Longest first: a secret that contains another is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
  if (!secrets_.empty()) longest_ = secrets_.front().size();
}

Masker::~Masker() {
  for (std::string& s : secrets_) crypto::SecureWipe(s.data(), s.size());
  crypto::SecureWipe(pending_.data(), pending_.size());
}

std::string Masker::Feed(std::string_view chunk) {
  pending_.append(chunk);
  return Drain(false);
}

std::string Masker::Finish() { return Drain(true); }

// True when `text` (the rest of the buffer) is a proper prefix of a secret
// longer than `than`: more input may still complete that longer secret.
bool Masker::MayGrow(std::string_view text, size_t than) const {
  for (const std::string& s : secrets_) {
    if (s.size() > than && s.size() > text.size() && s.compare(0, text.size(), text) == 0) {
      return true;
    }
  }
  return false;
}

std::string Masker::Drain(bool at_end) {
  std::string out;
  size_t pos = 0;
  bool hold = false;
  while (true) {
    // The earliest occurrence of any secret (longest wins at a position).
    size_t best = std::string::npos, best_len = 0;
    for (const std::string& s : secrets_) {
      size_t at = pending_.find(s, pos);
      if (at != std::string::npos && (at < best || (at == best && s.size() > best_len))) {
        best = at;
        best_len = s.size();
      }
    }
    if (best == std::string::npos) break;
    out.append(pending_, pos, best - pos);
    pos = best;
    if (!at_end && MayGrow(std::string_view(pending_).substr(best), best_len)) {
      hold = true;  // wait: a longer secret may start here
      break;
    }
    out.append("[secret]");
    pos = best + best_len;
  }
  // Hold back a tail that may be the start of a secret still to come.
  size_t keep = 0;
  if (hold) {
    keep = pending_.size() - pos;
  } else if (!at_end && longest_ > 0) {
    keep = std::min(longest_ - 1, pending_.size() - pos);
  }
  size_t emit_end = pending_.size() - keep;
  out.append(pending_, pos, emit_end - pos);
  std::string rest = pending_.substr(emit_end);
  crypto::SecureWipe(pending_.data(), pending_.size());
  pending_ = std::move(rest);
  return out;
}

}  // namespace escnative::cli
