// Editing environment definitions (YAML text) without evaluating them:
// what the local store, `esc env set/rm` and the Secret resource need.
//
// Every function re-serialises the whole document with 2-space indentation,
// as ESC itself does on save: comments, anchors-free formatting choices and
// quoting styles are NOT preserved, and numbers are written in canonical
// form (`0x1F` -> `31`, `1.0` -> `1`).
//
// Paths are Pulumi property paths relative to `values` (`secrets.api_key`,
// `environmentVariables.OPENAI_API_KEY`, `a["b"][0]`), unless they start
// with `imports` (`imports[0]`). No error message contains a secret value.
#ifndef PROVIDER_ESC_DEFINITION_EDIT_H_
#define PROVIDER_ESC_DEFINITION_EDIT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/esc/crypter.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {

// Rewrites every `fn::secret: <string>` under `values` into
// `fn::secret: {ciphertext: <base64 escx envelope>}`.
absl::StatusOr<std::string> EncryptSecrets(std::string_view yaml, std::string_view environment,
                                           const Encrypter& encrypter);
// The same for a definition the caller has parsed already: `parsed` is
// ParseYaml(environment, yaml), consumed here. With `stored`, the rewritten
// tree (the stored form, ciphertext only) is moved there.
absl::StatusOr<std::string> EncryptSecrets(std::string_view yaml, SyntaxParseResult parsed,
                                           std::string_view environment, const Encrypter& encrypter,
                                           SyntaxNode* stored = nullptr);

// The reverse: `fn::secret: {ciphertext: …}` under `values` -> plaintext.
absl::StatusOr<std::string> DecryptSecrets(std::string_view yaml, std::string_view environment,
                                           const Decrypter& decrypter);

// Sets the value at `path`, creating intermediate objects (or arrays when
// the next element is an index; an index equal to the length appends).
// With `secret`, the value is written as `fn::secret: <string>` (numbers and
// booleans are stringified; arrays/objects are rejected).
absl::StatusOr<std::string> SetDefinitionValue(std::string_view yaml, std::string_view path,
                                               const nlohmann::json& value, bool secret);

// Removes the key or array element at `path`; NotFound if absent.
absl::StatusOr<std::string> RemoveDefinitionValue(std::string_view yaml, std::string_view path);

struct DefinitionNode {
  // The node as JSON data. For a `fn::secret`, the secret's argument: the
  // plaintext string, or the base64 ciphertext string.
  nlohmann::json value;
  bool is_secret = false;
  bool is_ciphertext = false;
};

// Reads the definition node at `path`; NotFound if absent.
absl::StatusOr<DefinitionNode> GetDefinitionNode(std::string_view yaml, std::string_view path);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_DEFINITION_EDIT_H_
