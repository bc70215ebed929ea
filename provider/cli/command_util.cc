#include "provider/cli/command_util.h"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/cli/env_files.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/definition_edit.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/projections.h"
#include "provider/util/duration.h"
#include "provider/util/string_view.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/util/utf8.h"

namespace escnative::cli {

using backend::LocalBackend;

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Status NoVersion(const backend::ParsedRef& r, absl::string_view command) {
  if (r.version.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(command, " works on the latest revision; remove the version \"",
                   util::Echo(r.version), "\" from the reference"));
}

void PrintDiagnostics(std::ostream& err, const esc::Diagnostics& diags, absl::string_view root,
                      absl::string_view stored_source) {
  for (const auto& d : diags) {
    bool own = d.range.environment == util::ToStd(root);
    err << (d.severity == esc::Severity::kError ? "error: " : "warning: ")
        << esc::Format(d, own ? util::ToStd(stored_source) : std::string_view());
  }
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text, absl::string_view flag,
                                                 absl::Duration max) {
  // The provider's parser (AccessToken expiresIn), so both accept the same.
  absl::StatusOr<absl::Duration> d = util::ParsePositiveDuration(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --", flag, ": ", d.status().message()));
  }
  if (*d > max) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --", flag, " \"", util::Echo(text),
                                                   "\": at most ", absl::FormatDuration(max),
                                                   " is allowed"));
  }
  return d;
}

absl::StatusOr<std::string> Render(const esc::ValuePtr& root, const esc::ValuePtr& v,
                                   const std::string& format, bool has_path, bool reveal,
                                   std::optional<absl::Duration> files_lifetime,
                                   std::ostream& err) {
  ASSIGN_OR_RETURN(esc::OutputFormat f, esc::ParseOutputFormat(format));
  esc::Redaction r = reveal ? esc::Redaction::kReveal : esc::Redaction::kRedact;
  switch (f) {
    case esc::OutputFormat::kJson:
      return esc::RenderJson(*v, r);
    case esc::OutputFormat::kYaml:
      return esc::RenderYaml(*v, r);
    case esc::OutputFormat::kDetailed:
      if (!reveal) {
        return absl::InvalidArgumentError(
            "output format 'detailed' shows secrets; use it with --show-secrets (get) or without "
            "--redact (open)");
      }
      return esc::RenderDetailed(*v);
    case esc::OutputFormat::kString:
      return esc::RenderString(*v, r);
    case esc::OutputFormat::kDotenv:
    case esc::OutputFormat::kShell: {
      if (has_path) {
        return absl::InvalidArgumentError(
            absl::StrCat("output format '", format, "' may not be used with a property path"));
      }
      WrittenFiles files;
      if (files_lifetime.has_value() && reveal) {
        ASSIGN_OR_RETURN(files, WriteFilesWithLifetime(*root, *files_lifetime));
      }
      esc::RenderedEnvironment rendered =
          esc::RenderDotenv(*root, files.paths, r, f == esc::OutputFormat::kShell);
      for (const std::string& why : rendered.skipped) err << "warning: skipped " << why << "\n";
      if (!files.paths.empty()) {
        err << "note: `files` written to " << files.directory << " are removed in "
            << absl::FormatDuration(*files_lifetime)
            << " (--files-lifetime); `escctl env run` scopes them to one command\n";
      }
      return std::move(rendered.text);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown format ", format));
}

absl::Status NeedArgs(const Positional& p, size_t min, size_t max) {
  if (p.size() < min) return absl::OutOfRangeError("missing arguments");
  if (p.size() > max) {
    return absl::OutOfRangeError(absl::StrCat("unexpected argument \"", p[max], "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadInput(const std::string& file) {
  if (file == "-") {
    return std::string((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", file));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string NodeFingerprint(const std::string& yaml, const std::string& path) {
  absl::StatusOr<esc::DefinitionNode> node = esc::GetDefinitionNode(yaml, path);
  if (!node.ok()) return absl::StrCat("status:", node.status().ToString());
  return absl::StrCat(node->is_secret ? "s" : "p", node->is_ciphertext ? "c:" : ":",
                      node->value.dump());
}

absl::Status ReportUpdate(Context& ctx, const backend::ParsedRef& r,
                          const absl::StatusOr<backend::NewRevision>& res) {
  std::string root = absl::StrCat(r.ref.project, "/", r.ref.name);
  if (!res.ok()) {
    PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(res.status()), root, "");
    return res.status();
  }
  PrintDiagnostics(ctx.err(), res->warnings, root, "");
  ctx.err() << "Environment " << r.ref.ToString() << " updated (revision " << res->revision
            << ").\n";
  return absl::OkStatus();
}

absl::Status Save(Context& ctx, backend::Backend* b, const backend::ParsedRef& r,
                  const std::string& yaml, std::optional<std::string> etag) {
  return ReportUpdate(ctx, r, b->UpdateDefinition(r.ref, yaml, std::move(etag)));
}

absl::StatusOr<esc::ValuePtr> OpenValues(Context& ctx, const backend::ParsedRef& r) {
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  absl::StatusOr<backend::Evaluation> opened = b->OpenEnvironment(r.ref, r.version);
  if (!opened.ok()) {
    esc::Diagnostics diags = backend::DiagnosticsFromStatus(opened.status());
    // The stored text is ciphertext only, so its lines may be shown.
    std::string source;
    if (!diags.empty()) {
      absl::StatusOr<backend::Definition> def = b->GetDefinition(r.ref, r.version, false);
      if (def.ok()) source = def->yaml;
    }
    PrintDiagnostics(ctx.err(), diags, absl::StrCat(r.ref.project, "/", r.ref.name), source);
    return opened.status();
  }
  return opened->root;
}

namespace {

constexpr size_t kMaxValueBytes = 1 << 20;

absl::Status CheckValueText(const std::string& text, absl::string_view source) {
  if (text.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the value from ", source, " is larger than 1 MiB"));
  }
  if (!util::IsValidUtf8(text) || text.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the value from ", source,
                     " is not text (invalid UTF-8 or a NUL byte); encode binary "
                     "data, e.g. as base64 with fn::fromBase64"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadValueFromStdin(Context& ctx, absl::string_view what) {
  std::string text;
  if (::isatty(STDIN_FILENO) == 1) {
    ctx.err() << "Value for " << util::Echo(util::ToStd(what)) << " (input hidden): " << std::flush;
    termios saved;
    bool hidden = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hidden) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(std::cin, text);
    if (hidden) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    ctx.err() << "\n";
  } else {
    char buf[65536];
    while (text.size() <= kMaxValueBytes) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    crypto::SecureWipe(buf, sizeof buf);
    if (text.empty()) {
      // Most likely a forgotten VALUE in a script, not a wish for "".
      return absl::OutOfRangeError(
          absl::StrCat("missing VALUE for ", util::Echo(util::ToStd(what)),
                       ": stdin is empty (give VALUE, pipe the value in, or use --value-file)"));
    }
    if (text.back() == '\n') text.pop_back();
  }
  absl::Status ok = CheckValueText(text, "stdin");
  if (!ok.ok()) {
    crypto::SecureWipe(text.data(), text.size());
    return ok;
  }
  return text;
}

absl::StatusOr<std::string> ReadValueFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--value-file \"", util::Echo(path), "\": not a readable regular file"));
  }
  if (static_cast<size_t>(st.st_size) > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--value-file \"", util::Echo(path), "\" is larger than 1 MiB"));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--value-file \"", util::Echo(path), "\": cannot read it"));
  }
  absl::Status ok = CheckValueText(text, absl::StrCat("--value-file ", util::Echo(path)));
  if (!ok.ok()) {
    crypto::SecureWipe(text.data(), text.size());
    return ok;
  }
  return text;
}

}  // namespace escnative::cli
