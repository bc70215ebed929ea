#include "provider/cli/escctl.h"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/cli/commands.h"
#include "provider/cli/context.h"
#include "provider/cli/serve.h"
#include "provider/util/spell.h"

namespace escnative::cli {
namespace {

// --- usage -------------------------------------------------------------------

constexpr char kGlobalHelp[] = R"(Global options (anywhere on the line):
  --store PATH            store file (default $ESC_LOCAL_PATH, else ~/.pulumi-esc/store.db)
  --org ORG               default organization (default $ESC_ORGANIZATION, else "organization")
  --project PROJECT       default project for one-part references (default "default")
  --passphrase-file FILE  passphrase (else $ESC_PASSPHRASE, $ESC_PASSPHRASE_FILE,
                          $PULUMI_CONFIG_PASSPHRASE, $PULUMI_CONFIG_PASSPHRASE_FILE)
  --token-file FILE       act as this access token (else $ESC_ACCESS_TOKEN): scope-checked
  --url URL               run against an ESC REST API server (escctl serve, Pulumi Cloud)
                          instead of a store file (else $ESC_URL); needs a token (above,
                          or $PULUMI_ACCESS_TOKEN); --org defaults to the token's organization
  -h, --help              help for the command
Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 passphrase/token/scope.
)";

struct CommandSpec {
  std::string path;  // "env get"
  Handler run;
  std::string usage;
  std::set<std::string> bool_flags;
  std::set<std::string> value_flags;               // may repeat
  std::map<std::string, std::string> short_flags;  // "-f" -> "file"
};

const std::vector<CommandSpec>& Commands() {
  static const auto* specs = new std::vector<CommandSpec>{
      {"env init",
       EnvInit,
       "escctl env init ENV [-f FILE|-]\n  Creates ENV; with -f, saves FILE as its definition.",
       {},
       {"file"},
       {{"-f", "file"}}},
      {"env ls",
       EnvLs,
       "escctl env ls [--project P] [--output text|json]\n  Lists environments of the "
       "organization.",
       {},
       {"project-filter", "output"},
       {{"-p", "project-filter"}, {"-o", "output"}}},
      {"env get",
       EnvGet,
       "escctl env get ENV[@VERSION] [PATH] [--value json|yaml|string|detailed|dotenv|shell]\n"
       "                [--definition] [--show-secrets]\n"
       "  Shows the checked value (secrets as [secret]) and the stored definition (ciphertext).",
       {"definition", "show-secrets"},
       {"value"},
       {}},
      {"env set",
       EnvSet,
       "escctl env set ENV PATH [VALUE|-] [--secret] [--string] [--value-file FILE]\n"
       "  Sets PATH (relative to values, or imports[N]) and saves a new revision.\n"
       "  VALUE is JSON when it parses as JSON (numbers, true, [..]), else a string.\n"
       "  Without VALUE (or with -) the value is read from stdin (a prompt with echo off on\n"
       "  a terminal; one trailing newline dropped); --value-file reads a file as is. Pass\n"
       "  secrets that way: an argument is visible in ps and shell history.",
       {"secret", "string", "plaintext"},
       {"value-file"},
       {}},
      {"env rm",
       EnvRm,
       "escctl env rm ENV [PATH] [--yes]\n"
       "  Without PATH removes the environment (needs --yes; refused when deletion protected).",
       {"yes"},
       {},
       {{"-y", "yes"}}},
      {"env open",
       EnvOpen,
       "escctl env open ENV[@VERSION] [PATH] [--format json|yaml|string|detailed|dotenv|shell] "
       "[--redact]\n"
       "                [--files-lifetime 15m]\n"
       "  Evaluates ENV. Secrets are printed in plaintext (as esc does) unless --redact.\n"
       "  dotenv/shell single-quote every value (safe to eval); `files` entries go to private\n"
       "  files removed after --files-lifetime (default 15m, at most 24h).",
       {"redact"},
       {"format", "files-lifetime"},
       {{"-f", "format"}}},
      {"env edit",
       EnvEdit,
       "escctl env edit ENV [-f FILE|-]\n"
       "  Opens the decrypted definition in $VISUAL or $EDITOR (a 0600 file in a private\n"
       "  directory, removed afterwards) and saves it with the etag it was read at (exit 4 if\n"
       "  ENV changed meanwhile); a definition with errors reopens with the errors on top.\n"
       "  With -f, replaces the whole definition with FILE (or stdin), etag-guarded.",
       {},
       {"file"},
       {{"-f", "file"}}},
      {"env diff",
       EnvDiff,
       "escctl env diff ENV@V1 [@V2 | ENV2[@V2]]\n"
       "  Differences in the definitions and in the evaluated values (default: V1 against the\n"
       "  latest). Plain values are shown; a secret shows only as changed, never its value.",
       {},
       {},
       {}},
      {"env import",
       EnvImport,
       "escctl env import ENV [--dotenv FILE]... [--json FILE]... [--env NAME]...\n"
       "                  [--env-prefix PREFIX]... [--map FILE] [--prefix secrets.] [--keep-case]\n"
       "                  [--plain KEY]... [--prune] [--dry-run] [--allow-missing]\n"
       "  Imports keys into ENV in one revision. --map FILE (YAML `KEY: target.path`) renames\n"
       "  and places keys; others go under --prefix, lowercased unless --keep-case. Values are\n"
       "  secrets unless listed with --plain. Prints the plan (+ new, ~ changed, = unchanged,\n"
       "  - removed by --prune under the prefix), never a value. Mapped keys that no source\n"
       "  provides make it write nothing and exit 3, unless --allow-missing.",
       {"dry-run", "prune", "keep-case", "allow-missing"},
       {"dotenv", "json", "env", "env-prefix", "map", "prefix", "plain"},
       {}},
      {"env export",
       EnvExport,
       "escctl env export ENV[@VERSION] [--format dotenv|shell|json] [--all] [--template]\n"
       "                  [-o FILE]\n"
       "  Writes the environmentVariables (with --all, every value too, named like\n"
       "  SECRETS_GITHUB_TOKEN) as a .env file, shell exports or JSON; -o writes FILE with\n"
       "  mode 0600. --template writes the same keys with empty values and a comment each\n"
       "  (a .env.example; no value is read or written).",
       {"all", "template"},
       {"format", "output"},
       {{"-o", "output"}}},
      {"env check",
       EnvCheck,
       "escctl env check ENV[@VERSION] [--require FILE] [--json]\n"
       "  The smoke check: one line per requirement, `✓ PATH ***abcd` or `✗ PATH missing`\n"
       "  (the last 4 characters only for values of 12 or more). FILE is YAML with\n"
       "  `required:` and `optional:` lists of paths or {any: [paths]}; without it every\n"
       "  environmentVariables entry is required. Exit 0 when all required are present, else 1.",
       {"json"},
       {"require"},
       {}},
      {"env run",
       EnvRun,
       "escctl env run ENV[@VERSION] [--mask] -- CMD [ARGS...]\n"
       "  Runs CMD with the environment's environmentVariables set and its files written to\n"
       "  private files (0600) that are removed when CMD ends. CMD's exit code is escctl's\n"
       "  (128+N when a signal ended it). --mask replaces every secret value of 4 or more\n"
       "  characters in CMD's stdout and stderr with [secret].",
       {"mask"},
       {},
       {}},
      {"env version ls",
       EnvVersionLs,
       "escctl env version ls ENV\n  Lists revisions, newest first.",
       {},
       {},
       {}},
      {"env version history",
       EnvVersionLs,
       "escctl env version history ENV\n  Same as `env version ls`.",
       {},
       {},
       {}},
      {"env version rollback",
       EnvVersionRollback,
       "escctl env version rollback ENV@VERSION\n  Saves the definition at VERSION as a new "
       "revision.",
       {},
       {},
       {}},
      {"env version tag",
       EnvVersionTag,
       "escctl env version tag ENV@TAG [REVISION]\n"
       "  Creates or moves revision tag TAG (default: the latest revision).",
       {},
       {},
       {}},
      {"env version tag ls",
       EnvVersionTagLs,
       "escctl env version tag ls ENV\n  Lists revision tags.",
       {},
       {},
       {}},
      {"env version tag rm",
       EnvVersionTagRm,
       "escctl env version tag rm ENV@TAG\n  Deletes a revision tag.",
       {},
       {},
       {}},
      {"env tag ls", EnvTagLs, "escctl env tag ls ENV\n  Lists environment tags.", {}, {}, {}},
      {"env tag set",
       EnvTagSet,
       "escctl env tag set ENV NAME VALUE\n  Creates or changes an environment tag.",
       {},
       {},
       {}},
      {"env tag rm",
       EnvTagRm,
       "escctl env tag rm ENV NAME\n  Deletes an environment tag.",
       {},
       {},
       {}},
      {"env protect",
       EnvProtect,
       "escctl env protect ENV\n  Turns deletion protection on.",
       {},
       {},
       {}},
      {"env unprotect",
       EnvUnprotect,
       "escctl env unprotect ENV\n  Turns deletion protection off.",
       {},
       {},
       {}},
      {"token create",
       TokenCreate,
       "escctl token create [--scope ENVREF:PERMISSION]... [--expires-in 720h] [--name N]\n"
       "                    [--description D]\n"
       "  Creates an environment access token and prints its value ONCE on stdout.\n"
       "  ENVREF may use * per part (myorg/default/*); PERMISSION is read|open|write|admin.",
       {},
       {"scope", "expires-in", "name", "description"},
       {}},
      {"token ls",
       TokenLs,
       "escctl token ls [--all]\n  Lists tokens (--all: with revoked and expired).",
       {"all"},
       {},
       {}},
      {"token revoke", TokenRevoke, "escctl token revoke ID\n  Revokes a token.", {}, {}, {}},
      {"audit ls",
       AuditLs,
       "escctl audit ls [--limit N] [--actor A] [--action A] [--target PREFIX]\n"
       "  Shows the audit log, oldest first.",
       {},
       {"limit", "actor", "action", "target"},
       {}},
      {"serve", ServeCommand, kServeUsage, {}, {"listen", "tls-cert", "tls-key"}, {}},
      {"audit report",
       AuditReport,
       "escctl audit report [ENV...] [--rotate-after 90d] [--unused-after 30d] [--as-of TIME]\n"
       "                    [--json]\n"
       "  Per secret path: when it last changed and by whom, flagged ROTATE when older than\n"
       "  --rotate-after; environments not opened within --unused-after; tokens expiring within\n"
       "  14 days, expired, or never used. Paths and times only, never a value. --as-of\n"
       "  reports as of another time (RFC 3339), e.g. the end of the quarter.",
       {"json"},
       {"rotate-after", "unused-after", "as-of"},
       {}},
      {"rekey",
       Rekey,
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

// --- argument parsing --------------------------------------------------------

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
      status = spec->run(ctx, positional);
    } catch (const std::exception& e) {
      // what() may quote input (a parser's "last read"), so it is not shown.
      status = absl::InternalError(absl::StrCat("internal error (", typeid(e).name(),
                                                "); please report it with the command line"));
    }
  }
  if (status.ok() && ctx.exit_code().has_value()) return *ctx.exit_code();
  if (!status.ok()) {
    err << "escctl: " << status.message() << "\n";
    if (status.code() == absl::StatusCode::kOutOfRange) err << "usage: " << spec->usage << "\n";
  }
  return ExitCodeFor(status);
}

}  // namespace escnative::cli
