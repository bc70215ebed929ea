// libFuzzer target: parse + evaluate (check and open) + definition editing.
//
// Input layout: the first byte selects options; the rest is split on
// "\n---\n" into documents. Document 0 is the root environment; an import
// reference is served by document 1 + (first byte of the name) mod (n - 1),
// so imports, cycles and fan-out are all reachable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "provider/esc/definition_edit.h"
#include "provider/esc/evaluator.h"
#include "provider/esc/projections.h"
#include "tests/esc/testing/test_providers.h"

namespace esc = escnative::esc;

namespace {

class DocLoader : public esc::EnvironmentLoader {
 public:
  DocLoader(const std::vector<std::string>& docs, const esc::Decrypter* dec)
      : docs_(docs), dec_(dec) {}
  absl::StatusOr<esc::LoadedEnvironment> Load(std::string_view ref) const override {
    if (docs_.size() < 2 || ref.empty()) return absl::NotFoundError("not found");
    size_t idx = 1 + static_cast<unsigned char>(ref[0]) % (docs_.size() - 1);
    return esc::LoadedEnvironment{std::string(ref), docs_[idx], dec_};
  }

 private:
  const std::vector<std::string>& docs_;
  const esc::Decrypter* dec_;
};

// Edits document 0 at a path taken from the first line of the last
// document, and checks that a value that was set reads back.
void EditDefinition(const std::vector<std::string>& docs, uint8_t flags,
                    const esc::Crypter& crypter) {
  std::string path = docs.back().substr(0, docs.back().find('\n')).substr(0, 64);
  const std::string& yaml = docs[0];
  bool secret = (flags & 8) != 0;
  (void)esc::GetDefinitionNode(yaml, path);
  (void)esc::RemoveDefinitionValue(yaml, path);
  absl::StatusOr<std::string> set = esc::SetDefinitionValue(yaml, path, "v", secret);
  if (set.ok()) {
    absl::StatusOr<esc::DefinitionNode> got = esc::GetDefinitionNode(*set, path);
    if (!got.ok() || got->value != "v" || got->is_secret != secret) __builtin_trap();
  }
  // Encrypting must not make a decryptable definition undecryptable.
  absl::StatusOr<std::string> enc = esc::EncryptSecrets(yaml, "env", crypter);
  if (enc.ok() && esc::DecryptSecrets(yaml, "env", crypter).ok()) {
    if (!esc::DecryptSecrets(*enc, "env", crypter).ok()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> docs;
  for (size_t start = 0;;) {
    size_t sep = text.find("\n---\n", start);
    docs.emplace_back(text.substr(start, sep == std::string_view::npos ? sep : sep - start));
    if (sep == std::string_view::npos || docs.size() >= 8) break;
    start = sep + 5;
  }
  static const esc::testing::Rot128Crypter crypter;
  static const esc::testing::TestProviders providers;
  DocLoader loader(docs, &crypter);

  esc::EvalOptions opts;
  opts.mode = (flags & 1) ? esc::EvalMode::kOpen : esc::EvalMode::kCheck;
  opts.show_secrets = (flags & 2) != 0;
  opts.rotate = (flags & 4) != 0;
  opts.context = nlohmann::json{{"pulumi", {{"user", {{"id", "fuzz"}}}}}};
  opts.loader = &loader;
  opts.providers = &providers;
  opts.decrypter = &crypter;
  esc::EvalResult r = esc::Evaluate("env", docs[0], opts);
  (void)esc::ToJsonText(*r.root, esc::Redaction::kRedact, 2);
  (void)esc::ToJsonText(*r.root, esc::Redaction::kReveal, 0);
  (void)esc::RenderDetailed(*r.root);
  (void)esc::RenderYaml(*r.root, esc::Redaction::kRedact);
  (void)esc::RenderString(*r.root, esc::Redaction::kRedact);
  (void)esc::RenderDotenv(*r.root, {}, esc::Redaction::kReveal, (flags & 16) != 0);
  for (const esc::Diagnostic& d : r.diagnostics) (void)esc::Format(d, docs[0]);
  EditDefinition(docs, flags, crypter);
  return 0;
}
