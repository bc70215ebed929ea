#include "provider/store/definition_check.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libfyaml.h"
#include "provider/esc/fy_scalar.h"
#include "provider/esc/secret_envelope.h"
#include "provider/util/string_view.h"
#include "provider/util/utf8.h"

namespace escnative::store {
namespace {

constexpr std::string_view kSecretKey = "fn::secret";
constexpr std::string_view kCiphertextKey = "ciphertext";

// Walks parser events (no node tree is built: this runs on every update and
// the tree costs more than the scan). Records the first offending path.
class SecretScanner {
 public:
  explicit SecretScanner(std::string_view input) : input_(input) {}
  const std::optional<std::string>& error_path() const { return error_path_; }

  void OnEvent(struct fy_event* e) {
    switch (e->type) {
      case FYET_DOCUMENT_START:
        stack_.clear();
        break;
      case FYET_ALIAS:
        // An alias can stand for anything; it is refused only where a
        // ciphertext must be (its target was checked where it was defined).
        Leaf(std::nullopt);
        break;
      case FYET_SCALAR:
        Leaf(esc::FyScalarText(e->scalar.value, input_));
        break;
      case FYET_SEQUENCE_START:
        BeginNode(/*is_map=*/false);
        stack_.emplace_back();
        break;
      case FYET_SEQUENCE_END:
        EndCollection();
        break;
      case FYET_MAPPING_START: {
        const bool secret = BeginNode(/*is_map=*/true);
        Frame f;
        f.is_map = true;
        f.secret_map = secret;
        stack_.push_back(std::move(f));
        break;
      }
      case FYET_MAPPING_END:
        if (!stack_.empty() && stack_.back().secret_map && stack_.back().keys != 1) {
          Fail(/*drop_last=*/true);
        }
        EndCollection();
        break;
      default:
        break;
    }
  }

 private:
  struct Frame {
    bool is_map = false;
    bool expect_key = true;   // maps: the next node is a key
    std::string key;          // maps: the current key ("<key>" if complex)
    size_t index = 0;         // sequences: the current index
    bool secret_map = false;  // the value of a fn::secret
    int keys = 0;
  };

  // Checks a node that is starting (or a whole leaf) against its position.
  // Returns true if it is the mapping value of a fn::secret.
  bool BeginNode(bool is_map, bool is_scalar = false) {
    if (stack_.empty()) return false;
    Frame& parent = stack_.back();
    if (!parent.is_map || parent.expect_key) {
      // A key inside a secret map must be the single scalar "ciphertext";
      // checked in Leaf (scalar keys) or here (complex keys).
      if (parent.is_map && parent.secret_map && !is_scalar) Fail(/*drop_last=*/true);
      return false;
    }
    if (parent.secret_map) {  // the value of "ciphertext": must be a scalar
      if (!is_scalar) Fail(/*drop_last=*/true);
      return false;
    }
    if (parent.key == kSecretKey) {
      if (!is_map) Fail(/*drop_last=*/false);
      return is_map;
    }
    return false;
  }

  void Leaf(std::optional<std::string_view> scalar) {
    if (!stack_.empty()) {
      Frame& parent = stack_.back();
      if (parent.is_map && parent.expect_key && parent.secret_map) {
        ++parent.keys;
        if (!scalar.has_value() || *scalar != kCiphertextKey) Fail(/*drop_last=*/true);
      } else if (parent.is_map && !parent.expect_key && parent.secret_map) {
        // The value must really be ciphertext: a well-formed envelope (magic,
        // version, CRC). Plaintext under a "ciphertext" key is refused too.
        if (!scalar.has_value() || !esc::DecodeSecretEnvelope(*scalar).ok()) {
          Fail(/*drop_last=*/true);
        }
      } else {
        BeginNode(/*is_map=*/false, /*is_scalar=*/true);
      }
      if (parent.is_map && parent.expect_key) {
        parent.key = std::string(scalar.value_or("<key>"));
      }
    }
    Completed();
  }

  void EndCollection() {
    if (!stack_.empty()) stack_.pop_back();
    if (!stack_.empty()) {
      Frame& parent = stack_.back();
      if (parent.is_map && parent.expect_key) {
        parent.key = "<key>";  // a collection used as a key
        if (parent.secret_map) ++parent.keys;
      }
    }
    Completed();
  }

  // A whole node finished: advance the parent.
  void Completed() {
    if (stack_.empty()) return;
    Frame& parent = stack_.back();
    if (parent.is_map) {
      parent.expect_key = !parent.expect_key;
    } else {
      ++parent.index;
    }
  }

  // Records the current path (without the innermost secret map's own key
  // when `drop_last`), once.
  void Fail(bool drop_last) {
    if (error_path_.has_value()) return;
    std::string path;
    size_t n = stack_.size();
    if (drop_last && n > 0) --n;
    for (size_t i = 0; i < n; ++i) {
      const Frame& f = stack_[i];
      if (f.is_map) {
        absl::StrAppend(&path, path.empty() ? "" : ".", f.key);
      } else {
        absl::StrAppend(&path, "[", f.index, "]");
      }
    }
    error_path_ = path;
  }

  std::string_view input_;
  std::vector<Frame> stack_;
  std::optional<std::string> error_path_;
};

// Collects libfyaml's diagnostics instead of printing them.
void Quiet(struct fy_diag*, void*, const char*, size_t) {}

}  // namespace

absl::Status CheckNoPlaintextSecrets(absl::string_view yaml) {
  // Cheap exit for definitions that cannot spell the key. A backslash may
  // hide it in an escape sequence ("fn::secre\x74"), so those are parsed.
  if (yaml.find(util::ToAbsl(kSecretKey)) == absl::string_view::npos &&
      yaml.find('\\') == absl::string_view::npos) {
    return absl::OkStatus();
  }
  if (!util::IsValidUtf8(util::ToStd(yaml))) {
    return absl::InvalidArgumentError("definition is not valid UTF-8");
  }
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = nullptr;
  dcfg.output_fn = Quiet;
  dcfg.level = FYET_ERROR;
  struct fy_diag* diag = fy_diag_create(&dcfg);
  struct fy_parse_cfg cfg = {};
  cfg.search_path = "";
  cfg.flags = static_cast<enum fy_parse_cfg_flags>(FYPCF_DEFAULT_VERSION_1_2);
  cfg.diag = diag;
  struct fy_parser* parser = fy_parser_create(&cfg);
  if (parser == nullptr ||
      fy_parser_set_string(parser, yaml.empty() ? "" : yaml.data(), yaml.size()) != 0) {
    if (parser != nullptr) fy_parser_destroy(parser);
    if (diag != nullptr) fy_diag_destroy(diag);
    return absl::InternalError("cannot create a YAML parser");
  }
  SecretScanner scanner(util::ToStd(yaml));
  while (struct fy_event* e = fy_parser_parse(parser)) {
    scanner.OnEvent(e);
    fy_parser_event_free(parser, e);
    if (scanner.error_path().has_value()) break;
  }
  const bool stream_error = fy_parser_get_stream_error(parser);
  fy_parser_destroy(parser);
  if (diag != nullptr) fy_diag_destroy(diag);
  if (scanner.error_path().has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("definition holds a plaintext secret at ", *scanner.error_path(),
                     "; encrypt it (fn::secret: {ciphertext: ...}) before storing"));
  }
  if (stream_error) return absl::InvalidArgumentError("definition is not valid YAML");
  return absl::OkStatus();
}

}  // namespace escnative::store
