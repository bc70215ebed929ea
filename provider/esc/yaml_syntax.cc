#include "provider/esc/yaml_syntax.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libfyaml.h"
#include "provider/esc/fy_scalar.h"
#include "provider/esc/str_util.h"

namespace escnative::esc {

// ---------------------------------------------------------------- LineIndex

LineIndex::LineIndex(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    line_starts_.push_back(static_cast<int>(i + 1));
  }
}

namespace {

// Decodes one UTF-8 sequence at s[i]; returns the code point (or the byte
// for invalid input) and advances i.
char32_t NextRune(std::string_view s, size_t* i) {
  unsigned char c = s[*i];
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (*i + len > s.size()) len = 1;
  char32_t r = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = s[*i + k];
    if ((cc & 0xC0) != 0x80) {
      len = 1;
      r = c;
      break;
    }
    r = (r << 6) | (cc & 0x3F);
  }
  *i += len;
  return r;
}

bool IsZeroWidth(char32_t r) {
  return (r >= 0x0300 && r <= 0x036F) || r == 0x200D || (r >= 0xFE00 && r <= 0xFE0F) ||
         (r >= 0x1F3FB && r <= 0x1F3FF);
}

}  // namespace

int LineIndex::Width(std::string_view s) {
  // Only multi-byte sequences can be zero-width; ASCII text is one column
  // per byte, and most definitions are ASCII.
  size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  int w = static_cast<int>(i);
  while (i < s.size()) {
    if (!IsZeroWidth(NextRune(s, &i))) ++w;
  }
  return w;
}

Pos LineIndex::At(int byte) const {
  byte = std::clamp(byte, 0, static_cast<int>(text_.size()));
  // Parsers ask in increasing order: step forward from the last answer's
  // line, and search only when asked about an earlier position.
  int line;
  if (cached_byte_ >= 0 && byte >= line_starts_[cached_.line - 1]) {
    line = cached_.line;
    const int lines = static_cast<int>(line_starts_.size());
    for (int step = 0; step < 4 && line < lines && line_starts_[line] <= byte; ++step) ++line;
    if (line < lines && line_starts_[line] <= byte) {
      line = static_cast<int>(
          std::upper_bound(line_starts_.begin() + line, line_starts_.end(), byte) -
          line_starts_.begin());
    }
  } else {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
    line = static_cast<int>(it - line_starts_.begin());
  }
  int start = line_starts_[line - 1];
  int col;
  if (cached_byte_ >= start && cached_byte_ <= byte && cached_.line == line) {
    col = cached_.column + Width(text_.substr(cached_byte_, byte - cached_byte_));
  } else {
    col = 1 + Width(text_.substr(start, byte - start));
  }
  cached_byte_ = byte;
  cached_ = Pos{line, col, byte};
  return cached_;
}

// ---------------------------------------------------------------- parser

namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

struct Abort {
  std::string message;
  size_t byte;
};

class TreeBuilder {
 public:
  TreeBuilder(std::string_view env, std::string_view text, const LineIndex& index,
              const SyntaxLimits& limits, Diagnostics* diags)
      : env_(env), text_(text), index_(index), limits_(limits), diags_(diags) {}

  SyntaxNode TakeRoot() { return std::move(root_); }

  // Returns false when the stream is complete.
  bool Handle(struct fy_event* e) {
    switch (e->type) {
      case FYET_DOCUMENT_START:
        // A definition is one document; a second one would be silently
        // dropped (what it sets never takes effect), so it is refused.
        if (documents_++ > 0) {
          throw Abort{"a definition must be a single YAML document; found a second one (\"---\")",
                      Start(e)};
        }
        return true;
      case FYET_STREAM_END:
        return false;
      case FYET_ALIAS:
        throw Abort{"alias nodes are not supported", Start(e)};
      case FYET_SCALAR:
        Scalar(e);
        return true;
      case FYET_SEQUENCE_START:
        Push(Start(e), SyntaxNode::Kind::kArray);
        return true;
      case FYET_MAPPING_START:
        Push(Start(e), SyntaxNode::Kind::kObject);
        return true;
      case FYET_SEQUENCE_END:
      case FYET_MAPPING_END:
        Pop();
        return true;
      default:
        return true;
    }
  }

 private:
  struct Frame {
    SyntaxNode node;
    bool have_key = false;
    bool key_bad = false;
    std::string key;
    Range key_range;
  };

  static size_t Start(struct fy_event* e) {
    const struct fy_mark* m = fy_event_start_mark(e);
    return m == nullptr ? 0 : m->input_pos;
  }

  void Scalar(struct fy_event* e) {
    enum fy_scalar_style style = fy_token_scalar_style(e->scalar.value);
    std::string_view value = FyScalarText(e->scalar.value, text_);
    bool resolve = style == FYSS_PLAIN;
    size_t pos = Start(e);
    // Ranges start at the opening quote, as Go's yaml.v3 reports them.
    char quote = style == FYSS_SINGLE_QUOTED ? '\'' : style == FYSS_DOUBLE_QUOTED ? '"' : 0;
    if (quote != 0 && pos > 0 && pos <= text_.size() && text_[pos - 1] == quote) --pos;
    if (e->scalar.tag != nullptr) {
      size_t tlen = 0;
      const char* t = fy_token_get_text(e->scalar.tag, &tlen);
      std::string_view tag = t == nullptr ? std::string_view() : std::string_view(t, tlen);
      if (tag.substr(0, kCoreTagPrefix.size()) == kCoreTagPrefix) {
        std::string_view core = tag.substr(kCoreTagPrefix.size());
        resolve = core == "int" || core == "float" || core == "bool" || core == "null";
      } else {
        resolve = false;  // explicit non-core tags decode as the string text
      }
    }
    SyntaxNode n;
    if (resolve) {
      n.kind = ResolvePlainScalar(value, &n.text, &n.boolean);
      if (n.kind == SyntaxNode::Kind::kNull || n.kind == SyntaxNode::Kind::kBool) n.text = value;
    } else {
      n.kind = SyntaxNode::Kind::kString;
      n.text.assign(value);
    }
    n.range = ScalarRange(pos, value);
    n.quoted = style != FYSS_PLAIN;
    Complete(std::move(n));
  }

  Range ScalarRange(size_t pos, std::string_view decoded) {
    Range r;
    r.environment = std::string(env_);
    r.begin = index_.At(static_cast<int>(pos));
    r.end = r.begin;
    r.end.column += LineIndex::Width(decoded);
    r.end.byte += static_cast<int>(decoded.size());
    return r;
  }

  void Push(size_t pos, SyntaxNode::Kind kind) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw Abort{absl::StrCat("nesting exceeds the maximum depth of ", limits_.max_depth), pos};
    }
    Frame f;
    f.node.kind = kind;
    f.node.range.environment = std::string(env_);
    f.node.range.begin = index_.At(static_cast<int>(pos));
    f.node.range.end = f.node.range.begin;
    stack_.push_back(std::move(f));
  }

  void Pop() {
    if (stack_.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Complete(std::move(f.node));
  }

  void Complete(SyntaxNode n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == SyntaxNode::Kind::kArray) {
      top.node.range.end = n.range.end;
      top.node.items.push_back(std::move(n));
      return;
    }
    if (!top.have_key) {
      top.have_key = true;
      top.key_bad = n.kind != SyntaxNode::Kind::kString;
      if (top.key_bad) {
        Diagnostic d;
        d.summary = "mapping keys must be strings";
        d.range = n.range;
        diags_->push_back(std::move(d));
      } else {
        // A block mapping starts at its first key.
        if (top.node.entries.empty() && top.node.range.begin.byte > n.range.begin.byte) {
          top.node.range.begin = n.range.begin;
        }
        top.key = std::move(n.text);
        top.key_range = n.range;
      }
      return;
    }
    top.have_key = false;
    top.node.range.end = n.range.end;
    if (!top.key_bad) {
      top.node.entries.push_back(
          SyntaxEntry{std::move(top.key), std::move(top.key_range), std::move(n)});
    }
  }

  std::string_view env_;
  std::string_view text_;
  const LineIndex& index_;
  const SyntaxLimits& limits_;
  Diagnostics* diags_;
  std::vector<Frame> stack_;
  SyntaxNode root_;
  int documents_ = 0;
};

// "" when the text is valid UTF-8 without C0/DEL control characters
// (other than tab, newline and carriage return).
void ZeroLastLineBytes(Range* r, int last) {
  if (r->begin.line >= last) r->begin.byte = 0;
  if (r->end.line >= last) r->end.byte = 0;
}

void ZeroLastLineBytes(SyntaxNode* n, int last) {
  ZeroLastLineBytes(&n->range, last);
  for (SyntaxNode& i : n->items) ZeroLastLineBytes(&i, last);
  for (SyntaxEntry& e : n->entries) {
    ZeroLastLineBytes(&e.key_range, last);
    ZeroLastLineBytes(&e.value, last);
  }
}

std::string CheckCharacters(std::string_view s, const LineIndex& index) {
  static constexpr auto kPlainByte = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x7F; ++c) t[c] = true;
    t['\t'] = t['\n'] = t['\r'] = true;
    return t;
  }();
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (kPlainByte[c]) {
      ++i;
      continue;
    }
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
        return absl::StrCat("yaml: line ", index.At(static_cast<int>(i)).line,
                            ": control characters are not allowed");
      }
      ++i;
      continue;
    }
    int len = Utf8SequenceLength(s, i);
    if (len == 0) {
      return absl::StrCat("yaml: line ", index.At(static_cast<int>(i)).line,
                          ": invalid UTF-8 octet sequence");
    }
    i += len;
  }
  return "";
}

void CollectOutput(struct fy_diag*, void* user, const char* buf, size_t len) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() < 4096) out->append(buf, len);
}

// Owns the libfyaml objects of one parse.
class FyParser {
 public:
  FyParser() {
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = nullptr;
    dcfg.output_fn = CollectOutput;
    dcfg.user = &messages_;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.level = FYET_ERROR;
    diag_ = fy_diag_create(&dcfg);
    struct fy_parse_cfg cfg = {};
    cfg.search_path = "";
    cfg.flags = static_cast<enum fy_parse_cfg_flags>(FYPCF_DEFAULT_VERSION_1_2);
    cfg.diag = diag_;
    parser_ = fy_parser_create(&cfg);
  }
  ~FyParser() {
    if (parser_ != nullptr) fy_parser_destroy(parser_);
    if (diag_ != nullptr) fy_diag_destroy(diag_);
  }
  FyParser(const FyParser&) = delete;
  FyParser& operator=(const FyParser&) = delete;

  struct fy_parser* get() {
    return parser_;
  }

  // The first reported error ("<input>:<line>:<col>: error: <message>") as
  // "yaml: line N: message", the shape Go's yaml.v3 errors have.
  std::string FirstError() const {
    std::string first = messages_.substr(0, messages_.find('\n'));
    int line = 0;
    size_t at = first.find(": error: ");
    std::string msg = at == std::string::npos ? first : first.substr(at + 9);
    if (at != std::string::npos) {
      std::string where = first.substr(0, at);
      size_t col = where.rfind(':');
      if (col != std::string::npos && col > 0) {
        size_t ln = where.rfind(':', col - 1);
        if (ln != std::string::npos) line = std::atoi(where.c_str() + ln + 1);
      }
    }
    while (!msg.empty() && (msg.back() == ' ' || msg.back() == '\r')) msg.pop_back();
    if (msg.empty()) msg = "invalid document";
    // The reference (Go's yaml.v3, libyaml's scanner) words these two
    // common mistakes differently; both report the line of the problem.
    if (msg == "invalid nested block mapping on the same line") {
      msg = "mapping values are not allowed in this context";
    } else if (msg == "tab character may not be used as indentation") {
      msg = "found character that cannot start any token";
    }
    return line > 0 ? absl::StrCat("yaml: line ", line, ": ", msg) : absl::StrCat("yaml: ", msg);
  }

 private:
  std::string messages_;
  struct fy_diag* diag_ = nullptr;
  struct fy_parser* parser_ = nullptr;
};

}  // namespace

SyntaxParseResult ParseYaml(std::string_view environment, std::string_view text,
                            const SyntaxLimits& limits) {
  SyntaxParseResult result;
  if (text.size() > limits.max_bytes) {
    Diagnostic d;
    d.summary = absl::StrCat("definition exceeds the maximum size of ", limits.max_bytes, " bytes");
    d.range.environment = std::string(environment);
    result.diagnostics.push_back(std::move(d));
    result.ok = false;
    return result;
  }
  LineIndex index(text);
  // Checked up front, as Go's yaml.v3 does: libfyaml 0.7 can loop forever on
  // invalid UTF-8 (found by fuzzing, inside directive scanning).
  if (std::string problem = CheckCharacters(text, index); !problem.empty()) {
    Diagnostic d;
    d.summary = std::move(problem);
    result.diagnostics.push_back(std::move(d));
    result.ok = false;
    return result;
  }
  TreeBuilder builder(environment, text, index, limits, &result.diagnostics);
  auto syntax_error = [&](std::string message, const Range& range) {
    Diagnostic d;
    d.summary = std::move(message);
    d.range = range;
    // Events before the error may be bogus; only the syntax error counts.
    result.diagnostics.clear();
    result.diagnostics.push_back(std::move(d));
    result.ok = false;
    result.root = SyntaxNode();
  };
  FyParser parser;
  if (parser.get() == nullptr ||
      fy_parser_set_string(parser.get(), text.empty() ? "" : text.data(), text.size()) != 0) {
    syntax_error("yaml: cannot create parser", Range{});
    return result;
  }
  try {
    while (struct fy_event* e = fy_parser_parse(parser.get())) {
      bool more = true;
      try {
        more = builder.Handle(e);
      } catch (...) {
        fy_parser_event_free(parser.get(), e);
        throw;
      }
      fy_parser_event_free(parser.get(), e);
      if (!more) break;
    }
    if (fy_parser_get_stream_error(parser.get())) {
      syntax_error(parser.FirstError(), Range{});
      return result;
    }
    result.root = builder.TakeRoot();
    // Go's position index (which the reference's ranges come from) has no
    // entry for a last line without a newline: byte offsets there are 0.
    if (!text.empty() && text.back() != '\n') {
      ZeroLastLineBytes(&result.root,
                        static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1);
    }
  } catch (const Abort& a) {
    Range r;
    r.environment = std::string(environment);
    r.begin = r.end = index.At(static_cast<int>(a.byte));
    syntax_error(a.message, r);
  } catch (const std::exception& e) {
    syntax_error(absl::StrCat("yaml: ", e.what()), Range{});
  }
  return result;
}

}  // namespace escnative::esc
