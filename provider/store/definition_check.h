// Refuses definitions that would put a plaintext secret into the store.
#ifndef PROVIDER_STORE_DEFINITION_CHECK_H_
#define PROVIDER_STORE_DEFINITION_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace escnative::store {

// OK if every `fn::secret` in `yaml` is in ciphertext form
// (`fn::secret: {ciphertext: <B>}` with B a valid envelope, see
// esc/secret_envelope.h). InvalidArgument naming the first
// offending path otherwise, or if `yaml` is not YAML. The message names the
// path only, never the value.
absl::Status CheckNoPlaintextSecrets(absl::string_view yaml);

}  // namespace escnative::store

#endif  // PROVIDER_STORE_DEFINITION_CHECK_H_
