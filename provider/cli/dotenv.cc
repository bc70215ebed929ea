#include "provider/cli/dotenv.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/util/utf8.h"

namespace escnative::cli {
namespace {

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  absl::StatusOr<DotenvEntries> Parse() {
    if (!util::IsValidUtf8(text_) || text_.find('\0') != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": not a text file (invalid UTF-8 or a NUL byte)"));
    }
    DotenvEntries out;
    std::set<std::string> seen;
    while (true) {
      SkipBlankAndComments();
      if (AtEnd()) break;
      size_t key_line = line_;
      std::string key = Word();
      if (key == "export" && (Peek() == ' ' || Peek() == '\t')) {
        SkipSpaces();
        key = Word();
      }
      if (key.empty() || absl::ascii_isdigit(static_cast<unsigned char>(key[0])) || key[0] == '.' ||
          key[0] == '-') {
        return Error("expected KEY=VALUE with KEY made of letters, digits, '_', '.' and '-'");
      }
      SkipSpaces();
      if (Peek() != '=') return Error(absl::StrCat("expected '=' after ", key));
      ++pos_;
      SkipSpaces();
      absl::StatusOr<std::string> value = Value();
      if (!value.ok()) return value.status();
      if (!seen.insert(key).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, ":", key_line, ": ", key, " is given more than once"));
      }
      out.emplace_back(std::move(key), *std::move(value));
    }
    return out;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void Advance() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  void SkipSpaces() {
    while (Peek() == ' ' || Peek() == '\t') ++pos_;
  }
  void SkipToEndOfLine() {
    while (!AtEnd() && Peek() != '\n') ++pos_;
  }
  void SkipBlankAndComments() {
    while (!AtEnd()) {
      SkipSpaces();
      if (Peek() == '#') SkipToEndOfLine();
      if (Peek() == '\r') ++pos_;
      if (Peek() != '\n') return;
      Advance();
    }
  }
  std::string Word() {
    size_t start = pos_;
    while (!AtEnd()) {
      char c = Peek();
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
        break;
      }
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line_, ": ", what));
  }
  // After a value: spaces, an optional comment, then the end of the line.
  absl::Status EndOfEntry() {
    SkipSpaces();
    if (Peek() == '#') SkipToEndOfLine();
    if (Peek() == '\r') ++pos_;
    if (!AtEnd() && Peek() != '\n') return Error("unexpected text after the closing quote");
    if (!AtEnd()) Advance();
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Value() {
    std::string out;
    char quote = Peek();
    if (quote == '\'' || quote == '"') {
      size_t open_line = line_;
      ++pos_;
      while (true) {
        if (AtEnd()) {
          return absl::InvalidArgumentError(
              absl::StrCat(source_, ":", open_line, ": the quoted value is never closed (missing ",
                           std::string(1, quote), ")"));
        }
        char c = Peek();
        if (c == quote) {
          ++pos_;
          break;
        }
        if (quote == '"' && c == '\\' && pos_ + 1 < text_.size()) {
          char e = text_[pos_ + 1];
          const char* mapped = e == 'n'    ? "\n"
                               : e == 'r'  ? "\r"
                               : e == 't'  ? "\t"
                               : e == '"'  ? "\""
                               : e == '\\' ? "\\"
                               : e == '$'  ? "$"
                                           : nullptr;
          if (mapped != nullptr) {
            out += mapped;
            pos_ += 2;
            continue;
          }
        }
        out += c;
        Advance();
      }
      absl::Status end = EndOfEntry();
      if (!end.ok()) return end;
      return out;
    }
    // Unquoted: up to the end of the line or a " #" comment, trimmed.
    size_t start = pos_;
    while (!AtEnd() && Peek() != '\n') {
      if (Peek() == '#' && pos_ > start && (text_[pos_ - 1] == ' ' || text_[pos_ - 1] == '\t')) {
        break;
      }
      ++pos_;
    }
    out = std::string(
        absl::StripAsciiWhitespace(absl::string_view(text_.data() + start, pos_ - start)));
    SkipToEndOfLine();
    if (!AtEnd()) Advance();
    return out;
  }

  std::string_view text_;
  std::string source_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

absl::StatusOr<DotenvEntries> ParseDotenv(std::string_view text, std::string_view source) {
  return Parser(text, source).Parse();
}

}  // namespace escnative::cli
