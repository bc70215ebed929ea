#include "provider/cli/escctl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <typeinfo>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/backend/local_backend.h"
#include "provider/backend/ref.h"
#include "provider/cli/env_files.h"
#include "provider/crypto/credential_file.h"
#include "provider/esc/definition_edit.h"
#include "provider/esc/diagnostic.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/projections.h"
#include "provider/esc/property_path.h"
#include "provider/util/echo.h"
#include "provider/util/spell.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

using backend::LocalBackend;
using store::EnvironmentRef;

std::string_view S(absl::string_view s) { return std::string_view(s.data(), s.size()); }

absl::BitGen& BitGen() {
  static absl::BitGen* gen = new absl::BitGen();
  return *gen;
}

// --- usage -------------------------------------------------------------------

constexpr char kGlobalHelp[] = R"(Global options (anywhere on the line):
  --store PATH            store file (default $ESC_LOCAL_PATH, else ~/.pulumi-esc/store.db)
  --org ORG               default organization (default $ESC_ORGANIZATION, else "organization")
  --project PROJECT       default project for one-part references (default "default")
  --passphrase-file FILE  passphrase (else $ESC_PASSPHRASE, $ESC_PASSPHRASE_FILE,
                          $PULUMI_CONFIG_PASSPHRASE, $PULUMI_CONFIG_PASSPHRASE_FILE)
  --token-file FILE       act as this access token (else $ESC_ACCESS_TOKEN): scope-checked
  -h, --help              help for the command
Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 passphrase/token/scope.
)";

struct CommandSpec {
  std::string path;  // "env get"
  std::string usage;
  std::set<std::string> bool_flags;
  std::set<std::string> value_flags;               // may repeat
  std::map<std::string, std::string> short_flags;  // "-f" -> "file"
};

const std::vector<CommandSpec>& Commands() {
  static const auto* specs = new std::vector<CommandSpec>{
      {"env init",
       "escctl env init ENV [-f FILE|-]\n  Creates ENV; with -f, saves FILE as its definition.",
       {},
       {"file"},
       {{"-f", "file"}}},
      {"env ls",
       "escctl env ls [--project P] [--output text|json]\n  Lists environments of the "
       "organization.",
       {},
       {"project-filter", "output"},
       {{"-p", "project-filter"}, {"-o", "output"}}},
      {"env get",
       "escctl env get ENV[@VERSION] [PATH] [--value json|yaml|string|detailed|dotenv|shell]\n"
       "                [--definition] [--show-secrets]\n"
       "  Shows the checked value (secrets as [secret]) and the stored definition (ciphertext).",
       {"definition", "show-secrets"},
       {"value"},
       {}},
      {"env set",
       "escctl env set ENV PATH VALUE [--secret] [--string]\n"
       "  Sets PATH (relative to values, or imports[N]) and saves a new revision.\n"
       "  VALUE is JSON when it parses as JSON (numbers, true, [..]), else a string.",
       {"secret", "string", "plaintext"},
       {},
       {}},
      {"env rm",
       "escctl env rm ENV [PATH] [--yes]\n"
       "  Without PATH removes the environment (needs --yes; refused when deletion protected).",
       {"yes"},
       {},
       {{"-y", "yes"}}},
      {"env open",
       "escctl env open ENV[@VERSION] [PATH] [--format json|yaml|string|detailed|dotenv|shell] "
       "[--redact]\n"
       "                [--files-lifetime 15m]\n"
       "  Evaluates ENV. Secrets are printed in plaintext (as esc does) unless --redact.\n"
       "  dotenv/shell single-quote every value (safe to eval); `files` entries go to private\n"
       "  files removed after --files-lifetime (default 15m, at most 24h).",
       {"redact"},
       {"format", "files-lifetime"},
       {{"-f", "format"}}},
      {"env version ls", "escctl env version ls ENV\n  Lists revisions, newest first.", {}, {}, {}},
      {"env version history",
       "escctl env version history ENV\n  Same as `env version ls`.",
       {},
       {},
       {}},
      {"env version rollback",
       "escctl env version rollback ENV@VERSION\n  Saves the definition at VERSION as a new "
       "revision.",
       {},
       {},
       {}},
      {"env version tag",
       "escctl env version tag ENV@TAG [REVISION]\n"
       "  Creates or moves revision tag TAG (default: the latest revision).",
       {},
       {},
       {}},
      {"env version tag ls", "escctl env version tag ls ENV\n  Lists revision tags.", {}, {}, {}},
      {"env version tag rm",
       "escctl env version tag rm ENV@TAG\n  Deletes a revision tag.",
       {},
       {},
       {}},
      {"env tag ls", "escctl env tag ls ENV\n  Lists environment tags.", {}, {}, {}},
      {"env tag set",
       "escctl env tag set ENV NAME VALUE\n  Creates or changes an environment tag.",
       {},
       {},
       {}},
      {"env tag rm", "escctl env tag rm ENV NAME\n  Deletes an environment tag.", {}, {}, {}},
      {"env protect", "escctl env protect ENV\n  Turns deletion protection on.", {}, {}, {}},
      {"env unprotect", "escctl env unprotect ENV\n  Turns deletion protection off.", {}, {}, {}},
      {"token create",
       "escctl token create [--scope ENVREF:PERMISSION]... [--expires-in 720h] [--name N]\n"
       "                    [--description D]\n"
       "  Creates an environment access token and prints its value ONCE on stdout.\n"
       "  ENVREF may use * per part (myorg/default/*); PERMISSION is read|open|write|admin.",
       {},
       {"scope", "expires-in", "name", "description"},
       {}},
      {"token ls",
       "escctl token ls [--all]\n  Lists tokens (--all: with revoked and expired).",
       {"all"},
       {},
       {}},
      {"token revoke", "escctl token revoke ID\n  Revokes a token.", {}, {}, {}},
      {"audit ls",
       "escctl audit ls [--limit N] [--actor A] [--action A] [--target PREFIX]\n"
       "  Shows the audit log, oldest first.",
       {},
       {"limit", "actor", "action", "target"},
       {}},
      {"rekey",
       "escctl rekey [--new-passphrase-file FILE]\n"
       "  Re-wraps the store key under a new passphrase (else $ESC_NEW_PASSPHRASE).",
       {},
       {"new-passphrase-file"},
       {}},
  };
  return *specs;
}

std::string TopUsage() {
  std::string out = "escctl: manage a local encrypted Pulumi ESC store\n\nCommands:\n";
  for (const auto& c : Commands()) absl::StrAppend(&out, "  escctl ", c.path, "\n");
  absl::StrAppend(&out, "\n", kGlobalHelp);
  return out;
}

struct UsageError {
  std::string message;
};

// --- argument parsing --------------------------------------------------------

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() || it->second.empty() ? fallback : it->second.back();
  }
};

const std::set<std::string>& GlobalValueFlags() {
  static const auto* f =
      new std::set<std::string>{"store", "org", "project", "passphrase-file", "token-file"};
  return *f;
}

// Splits `--name=value` / `--name value` / short aliases against the spec.
// Returns an error message for unknown flags or missing values.
std::optional<std::string> ParseFlags(const std::vector<std::string>& in, const CommandSpec* spec,
                                      Args* out) {
  bool only_positional = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || a == "-") {
      out->positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name;
    std::optional<std::string> value;
    if (a.rfind("--", 0) == 0) {
      name = a.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
    } else if (a == "-h") {
      name = "help";
    } else if (spec != nullptr && spec->short_flags.count(a) > 0) {
      name = spec->short_flags.at(a);
    } else {
      return absl::StrCat("unknown flag ", a);
    }
    if (spec != nullptr && name == "project" && spec->path == "env ls") name = "project-filter";
    bool is_value = GlobalValueFlags().count(name) > 0 ||
                    (spec != nullptr && spec->value_flags.count(name) > 0);
    bool is_bool = name == "help" || (spec != nullptr && spec->bool_flags.count(name) > 0);
    if (!is_value && !is_bool) {
      std::vector<std::string> known = {"help"};
      known.insert(known.end(), GlobalValueFlags().begin(), GlobalValueFlags().end());
      if (spec != nullptr) {
        known.insert(known.end(), spec->bool_flags.begin(), spec->bool_flags.end());
        known.insert(known.end(), spec->value_flags.begin(), spec->value_flags.end());
      }
      std::string hint = util::ClosestMatch(name, known);
      return absl::StrCat("unknown flag --", name, hint.empty() ? "" : "; did you mean --" + hint,
                          "?");
    }
    if (is_value && !value.has_value()) {
      if (i + 1 >= in.size()) return absl::StrCat("flag --", name, " needs a value");
      value = in[++i];
    }
    if (is_bool && value.has_value()) {
      if (*value != "true" && *value != "false") {
        return absl::StrCat("flag --", name, " takes no value (or true/false)");
      }
      if (*value == "false") continue;
    }
    out->flags[name].push_back(value.value_or("true"));
  }
  return std::nullopt;
}

// --- context -----------------------------------------------------------------

class Context {
 public:
  Context(const Args& args, const EnvLookup& env, std::ostream& out, std::ostream& err)
      : args_(args), env_(env), out_(out), err_(err) {}

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  const Args& args() const { return args_; }

  std::string Env(const char* name) const {
    std::optional<std::string> v = env_(name);
    return v.value_or("");
  }
  std::string Organization() const {
    std::string org = args_.Get("org", Env("ESC_ORGANIZATION"));
    return org.empty() ? "organization" : org;
  }
  std::string Project() const {
    std::string p = args_.Get("project", Env("ESC_PROJECT"));
    return p.empty() ? "default" : p;
  }
  std::string StorePath() const {
    std::string p = args_.Get("store", Env("ESC_LOCAL_PATH"));
    if (!p.empty()) return p;
    std::string home = Env("HOME");
    return (home.empty() ? std::string(".") : home) + "/.pulumi-esc/store.db";
  }

  // A passphrase or token file: a regular file of at most 64 KiB whose first
  // line is the credential.
  static absl::StatusOr<crypto::SecretBytes> ReadSecretFile(const std::string& path,
                                                            absl::string_view what) {
    return crypto::ReadCredentialFile(path, what);
  }

  // Global options that were given but empty would silently mean the
  // default (an empty token would mean the passphrase's full rights).
  absl::Status CheckGlobals() const {
    for (const char* flag : {"org", "store", "project", "passphrase-file", "token-file"}) {
      auto it = args_.flags.find(flag);
      if (it != args_.flags.end() && !it->second.empty() && it->second.back().empty()) {
        return absl::OutOfRangeError(absl::StrCat("--", flag, " must not be empty"));
      }
    }
    if (std::optional<std::string> t = env_("ESC_ACCESS_TOKEN"); t.has_value() && t->empty()) {
      return absl::UnauthenticatedError(
          "ESC_ACCESS_TOKEN is set but empty; unset it to act with the passphrase's full rights");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<crypto::SecretBytes> Passphrase() const {
    if (args_.Has("passphrase-file")) {
      return ReadSecretFile(args_.Get("passphrase-file"), "passphrase");
    }
    for (const char* var : {"ESC_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE"}) {
      std::optional<std::string> v = env_(var);
      if (v.has_value() && !v->empty()) return crypto::SecretBytes::CopyFrom(*v);
      std::optional<std::string> f = env_((std::string(var) + "_FILE").c_str());
      if (f.has_value() && !f->empty()) return ReadSecretFile(*f, "passphrase");
    }
    return absl::UnauthenticatedError(
        "no passphrase: use --passphrase-file or set ESC_PASSPHRASE, ESC_PASSPHRASE_FILE, "
        "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
  }

  absl::StatusOr<LocalBackend*> Backend(bool create_if_missing) {
    if (backend_ != nullptr) return backend_.get();
    std::string path = StorePath();
    std::error_code type_ec;
    if (std::filesystem::is_directory(path, type_ec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "store path ", util::Echo(path), " is a directory; expected the store file (--store)"));
    }
    if (!create_if_missing && !std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat("no store at ", path,
                                              "; create one with `escctl env init ENV` "
                                              "(or pass --store / set ESC_LOCAL_PATH)"));
    }
    if (create_if_missing) {
      std::filesystem::path parent = std::filesystem::path(path).parent_path();
      if (!parent.empty() && !std::filesystem::exists(parent)) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec) {
          return absl::InvalidArgumentError(
              absl::StrCat("cannot create directory ", parent.string(), ": ", ec.message()));
        }
        ::chmod(parent.c_str(), 0700);
      }
    }
    backend::LocalBackendOptions o;
    o.path = path;
    ASSIGN_OR_RETURN(crypto::SecretBytes pass, Passphrase());
    o.credential = crypto::Credential::Passphrase(std::move(pass));
    o.organization = Organization();
    o.project = Project();
    std::string actor = Env("ESC_ACTOR");
    if (actor.empty()) actor = Env("USER");
    o.actor = actor.empty() ? "local" : actor;
    o.create_if_missing = create_if_missing;
    // Tests only: new stores get the cheapest Argon2id (no brute-force protection).
    if (Env("ESC_INSECURE_FAST_KDF") == "1") o.kdf_params = crypto::KdfParams::FastForTesting();
    if (args_.Has("token-file")) {
      ASSIGN_OR_RETURN(o.caller_token, ReadSecretFile(args_.Get("token-file"), "token"));
    } else if (std::optional<std::string> t = env_("ESC_ACCESS_TOKEN"); t.has_value()) {
      o.caller_token = crypto::SecretBytes::CopyFrom(*t);
    }
    ASSIGN_OR_RETURN(backend_, LocalBackend::Open(std::move(o)));
    return backend_.get();
  }

  absl::StatusOr<backend::ParsedRef> Ref(const std::string& text) const {
    return backend::ParseEnvironmentRef(text, Organization(), Project());
  }

 private:
  const Args& args_;
  const EnvLookup& env_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<LocalBackend> backend_;
};

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Status NoVersion(const backend::ParsedRef& r, absl::string_view command) {
  if (r.version.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(command, " works on the latest revision; remove the version \"",
                   util::Echo(r.version), "\" from the reference"));
}

// Prints diagnostics as `env:line:col: summary`; the source line only when
// `source` is a stored definition (ciphertext), never a new one, which may
// still hold a plaintext secret.
void PrintDiagnostics(std::ostream& err, const esc::Diagnostics& diags, absl::string_view root,
                      absl::string_view stored_source) {
  for (const auto& d : diags) {
    bool own = d.range.environment == S(root);
    err << (d.severity == esc::Severity::kError ? "error: " : "warning: ")
        << esc::Format(d, own ? S(stored_source) : std::string_view());
  }
}

absl::StatusOr<esc::ValuePtr> ValueAt(const esc::ValuePtr& root, const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<esc::PathElement> elems, esc::ParsePropertyPath(path));
  esc::ValuePtr v = root;
  for (const auto& e : elems) {
    if (e.is_index) {
      if (!v->is_array() || e.index < 0 || static_cast<size_t>(e.index) >= v->array.size()) {
        return absl::NotFoundError(absl::StrCat("no value at path ", path));
      }
      v = v->array[e.index];
    } else {
      auto it = v->is_object() ? v->object.find(e.key) : v->object.end();
      if (!v->is_object() || it == v->object.end()) {
        return absl::NotFoundError(absl::StrCat("no value at path ", path));
      }
      v = it->second;
    }
  }
  return v;
}

// A positive duration of at most `max` ("720h", "30d", "1h30m").
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text, absl::string_view flag,
                                                 absl::Duration max = absl::Hours(24 * 3650)) {
  absl::Duration d;
  std::string t = text;
  bool ok = false;
  // Go-style days are not valid for absl; accept "30d" as a convenience.
  if (!t.empty() && t.back() == 'd') {
    int64_t days = 0;
    if (absl::SimpleAtoi(t.substr(0, t.size() - 1), &days) && days > 0 && days <= 1000000) {
      d = absl::Hours(24) * days;
      ok = true;
    }
  }
  if (!ok) ok = absl::ParseDuration(t, &d);
  if (!ok || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --", flag, " \"", util::Echo(text),
                                                   "\": expected a duration like 720h or 30d"));
  }
  if (d > max) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --", flag, " \"", util::Echo(text),
                                                   "\": at most ", absl::FormatDuration(max),
                                                   " is allowed"));
  }
  return d;
}

// Renders `v` (the value at the path, or `root`) in `format`. For dotenv and
// shell, `files` entries are written to private files that live for
// `files_lifetime` (only when `write_files` and revealing), and entries that
// cannot be written safely are named on `err`.
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

// --- commands ----------------------------------------------------------------

using Positional = std::vector<std::string>;

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

// Saves `yaml` and reports warnings/diagnostics; never prints a source line
// (the text may hold plaintext secrets before encryption).
absl::Status Save(Context& ctx, LocalBackend* b, const backend::ParsedRef& r,
                  const std::string& yaml, std::optional<std::string> etag) {
  absl::StatusOr<backend::UpdateResult> res = b->UpdateDefinition(r.ref, yaml, std::move(etag));
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

absl::Status EnvInit(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env init"));
  std::string yaml;
  if (ctx.args().Has("file")) {
    ASSIGN_OR_RETURN(yaml, ReadInput(ctx.args().Get("file")));
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(/*create_if_missing=*/true));
  // Validate the file first so a bad definition leaves nothing behind.
  if (!yaml.empty()) {
    absl::StatusOr<backend::Evaluation> checked = b->CheckDefinition(r.ref, yaml);
    if (!checked.ok()) {
      PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(checked.status()),
                       absl::StrCat(r.ref.project, "/", r.ref.name), "");
      return checked.status();
    }
  }
  ASSIGN_OR_RETURN(store::EnvironmentInfo info, b->CreateEnvironment(r.ref));
  ctx.out() << "Environment created: " << info.ref.ToString() << "\n";
  if (!yaml.empty()) RETURN_IF_ERROR(Save(ctx, b, r, yaml, info.etag));
  return absl::OkStatus();
}

absl::Status EnvLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<store::EnvironmentInfo> envs,
                   b->ListEnvironments(ctx.Organization(), ctx.args().Get("project-filter")));
  if (ctx.args().Get("output", "text") == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : envs) {
      list.push_back({{"organization", e.ref.organization},
                      {"project", e.ref.project},
                      {"name", e.ref.name},
                      {"revision", e.latest_revision},
                      {"deletionProtected", e.deletion_protected}});
    }
    ctx.out() << nlohmann::json{{"environments", list}}.dump(2) << "\n";
    return absl::OkStatus();
  }
  for (const auto& e : envs) ctx.out() << e.ref.ToString() << "\n";
  return absl::OkStatus();
}

absl::Status EnvGet(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  bool show = ctx.args().Has("show-secrets");
  std::string path = p.size() > 1 ? p[1] : "";
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  std::string root_name = absl::StrCat(r.ref.project, "/", r.ref.name);
  bool imports_path = path.rfind("imports", 0) == 0;
  bool need_value = !ctx.args().Has("definition") && !imports_path;
  // One decryption (and one audit event) per command: with --show-secrets
  // the check returns the decrypted definition it evaluated.
  std::string definition;
  esc::ValuePtr root, value;
  if (need_value) {
    if (!show) {
      ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(r.ref, r.version, false));
      definition = std::move(def.yaml);
    }
    absl::StatusOr<backend::Evaluation> checked = b->CheckEnvironment(r.ref, r.version, show);
    if (!checked.ok()) {
      // The stored text is ciphertext-only unless decrypted for --show-secrets.
      PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(checked.status()), root_name,
                       definition);
      return checked.status();
    }
    if (show) definition = std::move(checked->definition);
    root = checked->root;
    value = root;
    if (!path.empty()) {
      ASSIGN_OR_RETURN(value, ValueAt(root, path));
    }
  } else {
    ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(r.ref, r.version, show));
    definition = std::move(def.yaml);
  }
  if (ctx.args().Has("definition")) {
    ctx.out() << definition;
    if (!definition.empty() && definition.back() != '\n') ctx.out() << "\n";
    return absl::OkStatus();
  }
  if (ctx.args().Has("value")) {
    if (imports_path) return absl::InvalidArgumentError("--value needs a path under values");
    ASSIGN_OR_RETURN(std::string text, Render(root, value, ctx.args().Get("value"), !path.empty(),
                                              show, std::nullopt, ctx.err()));
    ctx.out() << text;
    return absl::OkStatus();
  }
  if (value != nullptr) {
    ctx.out() << "# Value\n```json\n"
              << esc::RenderJson(*value, show ? esc::Redaction::kReveal : esc::Redaction::kRedact)
              << "```\n\n";
  }
  ctx.out() << "# Definition\n```yaml\n";
  if (path.empty()) {
    ctx.out() << definition;
    if (!definition.empty() && definition.back() != '\n') ctx.out() << "\n";
  } else {
    ASSIGN_OR_RETURN(esc::DefinitionNode node, esc::GetDefinitionNode(definition, path));
    nlohmann::json j = node.value;
    if (node.is_secret) {
      j = node.is_ciphertext ? nlohmann::json{{"fn::secret", {{"ciphertext", node.value}}}}
                             : nlohmann::json{{"fn::secret", node.value}};
    }
    ctx.out() << j.dump(2) << "\n";
  }
  ctx.out() << "```\n";
  return absl::OkStatus();
}

// What a definition holds at `path`, for telling whether a concurrent
// writer touched it (ciphertext compares as stored, never decrypted).
std::string NodeFingerprint(const std::string& yaml, const std::string& path) {
  absl::StatusOr<esc::DefinitionNode> node = esc::GetDefinitionNode(yaml, path);
  if (!node.ok()) return absl::StrCat("status:", node.status().ToString());
  return absl::StrCat(node->is_secret ? "s" : "p", node->is_ciphertext ? "c:" : ":",
                      node->value.dump());
}

// A write whose intent is one key (`env set`, `env rm ENV PATH`): saved with
// the etag it read; when another writer got in first, it is re-read and, if
// that writer left `path` alone, re-applied (bounded, with jittered backoff).
// Only a concurrent change to the same key is a conflict.
absl::Status SaveKeyEdit(
    Context& ctx, LocalBackend* b, const backend::ParsedRef& r, const std::string& path,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& edit) {
  constexpr int kAttempts = 25;
  std::string base;
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(r.ref, "", /*decrypt=*/false));
    std::string now = NodeFingerprint(def.yaml, path);
    if (attempt == 0) {
      base = now;
    } else if (now != base) {
      return absl::AbortedError(absl::StrCat(
          "conflict: ", util::Echo(path), " in ", r.ref.ToString(),
          " was changed by another writer while this command ran; re-read it and retry"));
    }
    ASSIGN_OR_RETURN(std::string yaml, edit(def.yaml));
    absl::StatusOr<backend::UpdateResult> res = b->UpdateDefinition(r.ref, yaml, def.etag);
    if (res.ok() || !absl::IsAborted(res.status()) || attempt + 1 >= kAttempts) {
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
    // Jittered exponential backoff, 2 ms up to ~100 ms: concurrent writers
    // spread out instead of colliding again in lock step.
    int64_t cap_us = std::min<int64_t>(int64_t{2000} << std::min(attempt, 6), 100000);
    absl::SleepFor(
        absl::Microseconds(cap_us / 2 + absl::Uniform<int64_t>(BitGen(), 0, cap_us / 2)));
  }
}

absl::Status EnvSet(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 3, 3));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env set"));
  bool secret = ctx.args().Has("secret");
  nlohmann::json value = p[2];
  if (!ctx.args().Has("string") && !secret) {
    nlohmann::json parsed = nlohmann::json::parse(p[2], nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) value = std::move(parsed);
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  return SaveKeyEdit(ctx, b, r, p[1], [&](const std::string& yaml) {
    return esc::SetDefinitionValue(yaml, p[1], value, secret);
  });
}

absl::Status EnvRm(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env rm"));
  if (p.size() == 1) {
    if (!ctx.args().Has("yes")) {
      return absl::OutOfRangeError(
          absl::StrCat("removing environment ", r.ref.ToString(), " needs --yes"));
    }
    ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
    RETURN_IF_ERROR(b->DeleteEnvironment(r.ref));
    ctx.out() << "Environment \"" << r.ref.ToString() << "\" has been removed!\n";
    return absl::OkStatus();
  }
  if (p[1].rfind("imports", 0) == 0) {
    return absl::InvalidArgumentError(
        "env rm only removes values; edit the imports with env init -f or env set");
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  return SaveKeyEdit(ctx, b, r, p[1], [&](const std::string& yaml) {
    return esc::RemoveDefinitionValue(yaml, p[1]);
  });
}

absl::Status EnvOpen(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  std::string path = p.size() > 1 ? p[1] : "";
  bool reveal = !ctx.args().Has("redact");
  std::string format = ctx.args().Get("format", "json");
  RETURN_IF_ERROR(esc::ParseOutputFormat(format).status());
  // Everything that can fail without the values is checked before the open,
  // so a command that cannot print anything is not audited as an open.
  if (!path.empty()) {
    RETURN_IF_ERROR(esc::ParsePropertyPath(path).status());
    if (format == "dotenv" || format == "shell") {
      return absl::InvalidArgumentError(
          absl::StrCat("output format '", format, "' may not be used with a property path"));
    }
  }
  absl::Duration lifetime = absl::Minutes(15);
  if (ctx.args().Has("files-lifetime")) {
    ASSIGN_OR_RETURN(lifetime, ParseDurationFlag(ctx.args().Get("files-lifetime"), "files-lifetime",
                                                 absl::Hours(24)));
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  absl::StatusOr<backend::Evaluation> opened = b->OpenEnvironment(r.ref, r.version);
  if (!opened.ok()) {
    esc::Diagnostics diags = backend::DiagnosticsFromStatus(opened.status());
    std::string source;
    if (!diags.empty()) {
      absl::StatusOr<backend::Definition> def = b->GetDefinition(r.ref, r.version, false);
      if (def.ok()) source = def->yaml;
    }
    PrintDiagnostics(ctx.err(), diags, absl::StrCat(r.ref.project, "/", r.ref.name), source);
    return opened.status();
  }
  esc::ValuePtr value = opened->root;
  if (!path.empty()) {
    ASSIGN_OR_RETURN(value, ValueAt(opened->root, path));
  }
  ASSIGN_OR_RETURN(std::string text,
                   Render(opened->root, value, format, !path.empty(), reveal, lifetime, ctx.err()));
  ctx.out() << text;
  return absl::OkStatus();
}

absl::Status EnvVersionLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<store::RevisionInfo> revs, b->ListRevisions(r.ref));
  for (const auto& rev : revs) {
    ctx.out() << "revision " << rev.number;
    if (!rev.tags.empty()) ctx.out() << " (tags: " << absl::StrJoin(rev.tags, ", ") << ")";
    ctx.out() << "\n  Author: " << rev.creator << "\n  Date:   " << Time(rev.created) << "\n";
    if (rev.retraction.has_value()) {
      ctx.out() << "  Retracted: replaced by " << rev.retraction->replacement << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status EnvVersionRollback(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@VERSION");
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  absl::StatusOr<backend::UpdateResult> res = b->Rollback(r.ref, r.version);
  if (!res.ok()) {
    PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(res.status()),
                     absl::StrCat(r.ref.project, "/", r.ref.name), "");
    return res.status();
  }
  ctx.out() << "Rolled back " << r.ref.ToString() << " to " << r.version << " (new revision "
            << res->revision << ").\n";
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseRevision(absl::string_view text) {
  if (!text.empty() && text[0] == '@') text.remove_prefix(1);
  int64_t n = 0;
  if (!absl::SimpleAtoi(text, &n) || n <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid revision \"", text, "\": expected a positive number"));
  }
  return n;
}

absl::Status EnvVersionTag(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@TAG");
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  std::optional<int64_t> rev;
  if (p.size() > 1) {
    ASSIGN_OR_RETURN(rev, ParseRevision(p[1]));
  }
  absl::StatusOr<store::RevisionTag> tag = b->GetRevisionTag(r.ref, r.version);
  if (tag.ok()) {
    if (!rev.has_value()) {
      ASSIGN_OR_RETURN(store::EnvironmentInfo info, b->GetEnvironment(r.ref));
      rev = info.latest_revision;
    }
    ASSIGN_OR_RETURN(tag, b->UpdateRevisionTag(r.ref, r.version, *rev));
  } else if (absl::IsNotFound(tag.status())) {
    ASSIGN_OR_RETURN(tag, b->CreateRevisionTag(r.ref, r.version, rev));
  } else {
    return tag.status();
  }
  ctx.out() << "Tag " << tag->name << " of " << r.ref.ToString() << " points at revision "
            << tag->revision << ".\n";
  return absl::OkStatus();
}

absl::Status EnvVersionTagLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<store::RevisionTag> tags, b->ListRevisionTags(r.ref));
  for (const auto& t : tags) {
    ctx.out() << t.name << "\trevision " << t.revision << "\t" << t.editor << "\t"
              << Time(t.modified) << "\n";
  }
  return absl::OkStatus();
}

absl::Status EnvVersionTagRm(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@TAG");
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->DeleteRevisionTag(r.ref, r.version));
  ctx.out() << "Tag " << r.version << " of " << r.ref.ToString() << " deleted.\n";
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> TagMap(LocalBackend* b,
                                                          const EnvironmentRef& ref) {
  ASSIGN_OR_RETURN(std::vector<store::EnvironmentTag> tags, b->ListEnvironmentTags(ref));
  std::map<std::string, std::string> m;
  for (auto& t : tags) m[t.name] = t.value;
  return m;
}

absl::Status EnvTagLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<store::EnvironmentTag> tags, b->ListEnvironmentTags(r.ref));
  for (const auto& t : tags) ctx.out() << t.name << "\t" << t.value << "\n";
  return absl::OkStatus();
}

absl::Status EnvTagSet(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 3, 3));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(auto tags, TagMap(b, r.ref));
  tags[p[1]] = p[2];
  RETURN_IF_ERROR(b->SetEnvironmentTags(r.ref, tags));
  ctx.out() << "Tag " << p[1] << " set on " << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}

absl::Status EnvTagRm(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 2, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(auto tags, TagMap(b, r.ref));
  if (tags.erase(p[1]) == 0) {
    return absl::NotFoundError(
        absl::StrCat("environment ", r.ref.ToString(), " has no tag \"", p[1], "\""));
  }
  RETURN_IF_ERROR(b->SetEnvironmentTags(r.ref, tags));
  ctx.out() << "Tag " << p[1] << " removed from " << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}

absl::Status EnvProtect(Context& ctx, const Positional& p, bool on) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->SetDeletionProtected(r.ref, on));
  ctx.out() << "Deletion protection " << (on ? "enabled" : "disabled") << " for "
            << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}

// `name`, `proj/name` or `org/proj/name`, `*` allowed per part.
absl::StatusOr<store::TokenScope> ParseScope(Context& ctx, const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scope \"", text, "\": expected ENVREF:read|open|write|admin"));
  }
  store::TokenScope scope;
  ASSIGN_OR_RETURN(scope.permission, store::ParsePermission(text.substr(colon + 1)));
  std::vector<std::string> parts = absl::StrSplit(text.substr(0, colon), '/');
  if (parts.size() == 1) parts.insert(parts.begin(), ctx.Project());
  if (parts.size() == 2) parts.insert(parts.begin(), ctx.Organization());
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scope \"", text, "\": expected [[org/]project/]name"));
  }
  auto check = [&](const std::string& part, auto validate) -> absl::Status {
    return part == "*" ? absl::OkStatus() : validate(part, text);
  };
  RETURN_IF_ERROR(check(parts[0], backend::ValidateOrganizationName));
  RETURN_IF_ERROR(check(parts[1], backend::ValidateProjectName));
  RETURN_IF_ERROR(check(parts[2], backend::ValidateEnvironmentName));
  scope.environment = absl::StrJoin(parts, "/");
  return scope;
}

std::string ScopesText(const std::vector<store::TokenScope>& scopes) {
  std::vector<std::string> s;
  for (const auto& sc : scopes) {
    s.push_back(absl::StrCat(sc.environment, ":", store::PermissionName(sc.permission)));
  }
  return absl::StrJoin(s, ",");
}

absl::Status TokenCreate(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  store::AccessTokenSpec spec;
  spec.name = ctx.args().Get("name");
  spec.description = ctx.args().Get("description");
  auto it = ctx.args().flags.find("scope");
  if (it == ctx.args().flags.end()) {
    return absl::OutOfRangeError("token create needs at least one --scope ENVREF:PERMISSION");
  }
  for (const auto& s : it->second) {
    ASSIGN_OR_RETURN(store::TokenScope scope, ParseScope(ctx, s));
    spec.scopes.push_back(std::move(scope));
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  if (ctx.args().Has("expires-in")) {
    ASSIGN_OR_RETURN(absl::Duration d,
                     ParseDurationFlag(ctx.args().Get("expires-in"), "expires-in"));
    spec.expires_at = absl::Now() + d;
  }
  ASSIGN_OR_RETURN(backend::CreatedToken created, b->CreateAccessToken(spec));
  ctx.err() << "Created token " << created.token.id << " (" << ScopesText(created.token.scopes)
            << (created.token.expires_at.has_value()
                    ? ", expires " + Time(*created.token.expires_at)
                    : std::string(", no expiry"))
            << "). The value below is shown once.\n";
  ctx.out() << created.value.Reveal() << "\n";
  return absl::OkStatus();
}

absl::Status TokenLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<store::AccessToken> tokens,
                   b->ListAccessTokens(ctx.args().Has("all")));
  for (const auto& t : tokens) {
    ctx.out() << t.id << "\t" << (t.name.empty() ? "-" : t.name) << "\t" << ScopesText(t.scopes)
              << "\tcreated " << Time(t.created) << "\texpires "
              << (t.expires_at.has_value() ? Time(*t.expires_at) : std::string("never"))
              << (t.revoked_at.has_value() ? "\trevoked" : "") << "\n";
  }
  return absl::OkStatus();
}

absl::Status TokenRevoke(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->RevokeAccessToken(p[0]));
  ctx.out() << "Token " << p[0] << " revoked.\n";
  return absl::OkStatus();
}

absl::Status AuditLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  store::AuditQuery q;
  q.actor = ctx.args().Get("actor");
  q.action = ctx.args().Get("action");
  q.target_prefix = ctx.args().Get("target");
  int limit = 0;
  std::string lim = ctx.args().Get("limit", "100");
  if (!absl::SimpleAtoi(lim, &limit) || limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --limit \"", lim, "\": expected a positive number"));
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  // Pages forward; prints the newest `limit` events, oldest first.
  std::vector<store::AuditEvent> all;
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<store::AuditEvent> page, b->ListAuditEvents(q));
    if (page.empty()) break;
    q.after_sequence = page.back().sequence;
    for (auto& e : page) all.push_back(std::move(e));
    if (all.size() > static_cast<size_t>(limit)) {
      all.erase(all.begin(), all.end() - limit);
    }
    if (page.size() < static_cast<size_t>(q.limit)) break;
  }
  for (const auto& e : all) {
    ctx.out() << e.sequence << "\t" << Time(e.time) << "\t" << e.actor << "\t" << e.action << "\t"
              << e.target << (e.path.empty() ? "" : "\t" + e.path) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Rekey(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  crypto::SecretBytes next;
  if (ctx.args().Has("new-passphrase-file")) {
    ASSIGN_OR_RETURN(
        next, Context::ReadSecretFile(ctx.args().Get("new-passphrase-file"), "new passphrase"));
  } else if (std::string v = ctx.Env("ESC_NEW_PASSPHRASE"); !v.empty()) {
    next = crypto::SecretBytes::CopyFrom(v);
  } else {
    return absl::OutOfRangeError(
        "rekey needs the new passphrase: --new-passphrase-file FILE or ESC_NEW_PASSPHRASE");
  }
  ASSIGN_OR_RETURN(LocalBackend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->Rekey(crypto::Credential::Passphrase(std::move(next))));
  ctx.out() << "Store key re-wrapped under the new passphrase.\n";
  return absl::OkStatus();
}

absl::Status Dispatch(const std::string& path, Context& ctx, const Positional& p) {
  if (path == "env init") return EnvInit(ctx, p);
  if (path == "env ls") return EnvLs(ctx, p);
  if (path == "env get") return EnvGet(ctx, p);
  if (path == "env set") return EnvSet(ctx, p);
  if (path == "env rm") return EnvRm(ctx, p);
  if (path == "env open") return EnvOpen(ctx, p);
  if (path == "env version ls" || path == "env version history") return EnvVersionLs(ctx, p);
  if (path == "env version rollback") return EnvVersionRollback(ctx, p);
  if (path == "env version tag") return EnvVersionTag(ctx, p);
  if (path == "env version tag ls") return EnvVersionTagLs(ctx, p);
  if (path == "env version tag rm") return EnvVersionTagRm(ctx, p);
  if (path == "env tag ls") return EnvTagLs(ctx, p);
  if (path == "env tag set") return EnvTagSet(ctx, p);
  if (path == "env tag rm") return EnvTagRm(ctx, p);
  if (path == "env protect") return EnvProtect(ctx, p, true);
  if (path == "env unprotect") return EnvProtect(ctx, p, false);
  if (path == "token create") return TokenCreate(ctx, p);
  if (path == "token ls") return TokenLs(ctx, p);
  if (path == "token revoke") return TokenRevoke(ctx, p);
  if (path == "audit ls") return AuditLs(ctx, p);
  if (path == "rekey") return Rekey(ctx, p);
  return absl::InternalError(absl::StrCat("unhandled command ", path));
}

}  // namespace

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return kExitConflict;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kExitAuth;
    case absl::StatusCode::kOutOfRange:  // used here for usage errors only
      return kExitUsage;
    default:
      return kExitError;
  }
}

int RunEscctl(const std::vector<std::string>& argv, const EnvLookup& env, std::ostream& out,
              std::ostream& err) {
  // Find the command: the longest known command path made of the leading
  // words, skipping global flags (and their values).
  std::vector<std::string> words;
  {
    Args pre;
    std::vector<std::string> scan;
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "--") break;
      if (a.rfind("--", 0) == 0) {
        std::string name = a.substr(2);
        if (name.find('=') == std::string::npos && GlobalValueFlags().count(name) > 0) ++i;
        continue;
      }
      if (!a.empty() && a[0] == '-') continue;
      scan.push_back(a);
      if (scan.size() >= 4) break;
    }
    words = scan;
  }
  const CommandSpec* spec = nullptr;
  size_t depth = 0;
  for (const auto& c : Commands()) {
    std::vector<std::string> cw = absl::StrSplit(c.path, ' ');
    if (cw.size() > words.size() || cw.size() <= depth) continue;
    if (std::equal(cw.begin(), cw.end(), words.begin())) {
      spec = &c;
      depth = cw.size();
    }
  }
  Args args;
  if (std::optional<std::string> problem = ParseFlags(argv, spec, &args); problem.has_value()) {
    err << "escctl: " << *problem << "\n";
    if (spec != nullptr) err << "usage: " << spec->usage << "\n";
    return kExitUsage;
  }
  if (spec == nullptr) {
    if (args.positional.empty() || args.Has("help")) {
      (args.Has("help") ? out : err) << TopUsage();
      return args.Has("help") ? kExitOk : kExitUsage;
    }
    // A group (`env`, `env version`) or a typo.
    std::string prefix = absl::StrJoin(args.positional, " ");
    std::vector<std::string> matches, all;
    for (const auto& c : Commands()) {
      all.push_back(c.path);
      if (absl::StartsWith(c.path, args.positional[0] + " ") || c.path == args.positional[0]) {
        matches.push_back(c.path);
      }
    }
    if (args.Has("help") && !matches.empty()) {
      for (const auto& m : matches) out << "escctl " << m << "\n";
      out << "\n" << kGlobalHelp;
      return kExitOk;
    }
    // Compare each command with as many leading words as it has.
    std::string guess;
    size_t best = std::string::npos;
    for (const auto& c : all) {
      size_t n = std::vector<std::string>(absl::StrSplit(c, ' ')).size();
      std::vector<std::string> head(args.positional.begin(),
                                    args.positional.begin() + std::min(n, args.positional.size()));
      std::string typed = absl::StrJoin(head, " ");
      if (util::ClosestMatch(typed, {c}).empty()) continue;
      size_t d = util::EditDistance(typed, c);
      if (d < best) best = d, guess = c;
    }
    err << "escctl: unknown command \"" << prefix << "\""
        << (guess.empty() ? "" : "; did you mean \"" + guess + "\"?") << "\n"
        << "Run `escctl --help` for the list of commands.\n";
    return kExitUsage;
  }
  if (args.Has("help")) {
    out << "usage: " << spec->usage << "\n\n" << kGlobalHelp;
    return kExitOk;
  }
  Positional positional(args.positional.begin() + depth, args.positional.end());
  Context ctx(args, env, out, err);
  absl::Status status = ctx.CheckGlobals();
  if (status.ok()) {
    // No exception may end the process with an abort: report it as an error.
    try {
      status = Dispatch(spec->path, ctx, positional);
    } catch (const std::exception& e) {
      // what() may quote input (a parser's "last read"), so it is not shown.
      status = absl::InternalError(absl::StrCat("internal error (", typeid(e).name(),
                                                "); please report it with the command line"));
    }
  }
  if (!status.ok()) {
    err << "escctl: " << status.message() << "\n";
    if (status.code() == absl::StatusCode::kOutOfRange) err << "usage: " << spec->usage << "\n";
  }
  return ExitCodeFor(status);
}

}  // namespace escnative::cli
