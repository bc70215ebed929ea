// `escctl env import ENV SOURCE…`: copies keys from .env files, this
// process's environment variables and JSON files into one environment, in
// one etag-guarded revision, renaming and placing them by a map file. The
// plan it prints (+ new, ~ changed, = unchanged, - pruned) compares decrypted
// values and never shows one.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/cli/dotenv.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/definition_edit.h"
#include "provider/value/property_path.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"
#include "provider/util/status_macros.h"

extern char** environ;

namespace escnative::cli {
namespace {

struct Source {
  std::string key;    // as the source names it
  std::string value;  // plaintext
  std::string where;  // "app.env", "environment", "keys.json"
};

// Wipes every value when the import is done, whatever happened.
struct Sources {
  std::vector<Source> items;
  ~Sources() {
    for (Source& s : items) crypto::SecureWipe(s.value.data(), s.value.size());
  }
};

void FlattenJson(const nlohmann::json& j, const std::string& prefix, const std::string& where,
                 std::vector<Source>* out) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      FlattenJson(v, prefix.empty() ? k : absl::StrCat(prefix, ".", k), where, out);
    }
  } else {
    out->push_back({prefix, j.is_string() ? j.get<std::string>() : j.dump(), where});
  }
}

absl::Status ReadSources(Context& ctx, Sources* sources) {
  auto flag = [&](const char* name) -> std::vector<std::string> {
    auto it = ctx.args().flags.find(name);
    return it == ctx.args().flags.end() ? std::vector<std::string>{} : it->second;
  };
  for (const std::string& file : flag("dotenv")) {
    ASSIGN_OR_RETURN(std::string text, ReadInput(file));
    absl::Cleanup wipe = [&text] { crypto::SecureWipe(text.data(), text.size()); };
    ASSIGN_OR_RETURN(DotenvEntries entries, ParseDotenv(text, util::Echo(file)));
    for (auto& [k, v] : entries) sources->items.push_back({k, std::move(v), file});
  }
  for (const std::string& file : flag("json")) {
    ASSIGN_OR_RETURN(std::string text, ReadInput(file));
    absl::Cleanup wipe = [&text] { crypto::SecureWipe(text.data(), text.size()); };
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--json ", util::Echo(file), ": expected a JSON object"));
    }
    FlattenJson(j, "", file, &sources->items);
  }
  for (const std::string& name : flag("env")) {
    std::optional<std::string> v;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (absl::StartsWith(util::ToAbsl(entry), name + "=")) {
        v = std::string(entry.substr(name.size() + 1));
      }
    }
    if (v.has_value()) sources->items.push_back({name, *std::move(v), "environment"});
  }
  for (const std::string& prefix : flag("env-prefix")) {
    if (prefix.empty()) return absl::OutOfRangeError("--env-prefix must not be empty");
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      size_t eq = entry.find('=');
      if (eq == std::string::npos || !absl::StartsWith(entry, prefix)) continue;
      sources->items.push_back({entry.substr(0, eq), entry.substr(eq + 1), "environment"});
      crypto::SecureWipe(entry.data(), entry.size());
    }
  }
  std::set<std::string> seen;
  for (const Source& s : sources->items) {
    if (!seen.insert(s.key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", util::Echo(s.key), " comes from more than one source (",
                       util::Echo(s.where), " is one); import them separately or map one away"));
    }
  }
  return absl::OkStatus();
}

// `prefix` + key as a property path; a key that is not an identifier is
// bracketed (secrets["my key"]).
std::string DefaultTarget(const std::string& prefix, const std::string& key) {
  bool ident = !key.empty() && !absl::ascii_isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key)
    ident = ident && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_');
  std::string p = prefix;
  if (absl::EndsWith(p, ".")) p.pop_back();
  if (ident) return p.empty() ? key : absl::StrCat(p, ".", key);
  return absl::StrCat(p, nlohmann::json(key).dump().insert(0, "[").append("]"));
}

struct Planned {
  std::string path;
  std::string value;  // empty for removals
  bool secret = true;
  char op = '+';  // + ~ = -
};

}  // namespace

absl::Status EnvImport(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env import"));
  bool dry_run = ctx.args().Has("dry-run");
  std::string prefix = ctx.args().Get("prefix", "secrets.");
  if (!ctx.args().Has("dotenv") && !ctx.args().Has("json") && !ctx.args().Has("env") &&
      !ctx.args().Has("env-prefix")) {
    return absl::OutOfRangeError(
        "env import needs a source: --dotenv FILE, --json FILE, --env NAME or --env-prefix P");
  }
  std::set<std::string> plain;
  if (auto it = ctx.args().flags.find("plain"); it != ctx.args().flags.end()) {
    plain.insert(it->second.begin(), it->second.end());
  }
  // The map: source key -> target path.
  std::map<std::string, std::string> mapping;
  if (ctx.args().Has("map")) {
    std::string file = ctx.args().Get("map");
    ASSIGN_OR_RETURN(std::string text, ReadInput(file));
    absl::StatusOr<nlohmann::ordered_json> doc = esc::DefinitionToJson(text);
    if (!doc.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--map ", util::Echo(file), ": expected a YAML mapping of KEY: target.path"));
    }
    for (auto& [k, v] : doc->items()) {
      if (!v.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("--map ", util::Echo(file), ": ",
                                                       util::Echo(k), ": expected a target path"));
      }
      absl::Status valid = PropertyPath::Parse(v.get<std::string>()).status();
      if (!valid.ok() || absl::StartsWith(v.get<std::string>(), "imports")) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--map ", util::Echo(file), ": ", util::Echo(k), ": invalid target path \"",
            util::Echo(v.get<std::string>()), "\"", valid.ok() ? "" : ": ", valid.message()));
      }
      mapping[k] = v.get<std::string>();
    }
  }
  Sources sources;
  RETURN_IF_ERROR(ReadSources(ctx, &sources));

  // Targets, checked for duplicates before anything is read from the store.
  std::vector<Planned> wanted;
  std::map<std::string, std::string> target_owner;
  std::set<std::string> provided;
  for (const Source& s : sources.items) {
    provided.insert(s.key);
    auto m = mapping.find(s.key);
    std::string key = ctx.args().Has("keep-case") ? s.key : absl::AsciiStrToLower(s.key);
    std::string target = m != mapping.end() ? m->second : DefaultTarget(prefix, key);
    RETURN_IF_ERROR(PropertyPath::Parse(target).status());
    auto [it, fresh] = target_owner.emplace(target, s.key);
    if (!fresh) {
      return absl::InvalidArgumentError(absl::StrCat("keys ", util::Echo(it->second), " and ",
                                                     util::Echo(s.key), " both go to ",
                                                     util::Echo(target)));
    }
    wanted.push_back({target, s.value, plain.count(s.key) == 0, '+'});
  }
  std::vector<std::string> missing;
  for (const auto& [key, target] : mapping) {
    if (provided.count(key) == 0) missing.push_back(absl::StrCat(key, " -> ", target));
  }
  for (const std::string& m : missing) ctx.err() << "missing: " << util::Echo(m) << "\n";
  bool fail_missing = !missing.empty() && !ctx.args().Has("allow-missing");

  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  constexpr int kAttempts = 10;
  std::map<std::string, std::string> first_seen;  // path -> fingerprint at first read
  bool planned = false;
  for (int attempt = 0;; ++attempt) {
    if (attempt >= kAttempts) {
      return absl::AbortedError(absl::StrCat(r.ref.ToString(),
                                             " kept changing during the import; nothing was "
                                             "imported, try again"));
    }
    ASSIGN_OR_RETURN(backend::Definition stored, b->GetDefinition(r.ref, "", false));
    ASSIGN_OR_RETURN(backend::Definition clear, b->GetDefinition(r.ref, "", true));
    absl::Cleanup wipe = [&clear] { crypto::SecureWipe(clear.yaml.data(), clear.yaml.size()); };
    if (clear.etag != stored.etag) continue;  // a write landed between the reads
    std::vector<Planned> plan = wanted;
    for (Planned& w : plan) {
      absl::StatusOr<esc::DefinitionNode> node = esc::GetDefinitionNode(clear.yaml, w.path);
      if (!node.ok()) {
        w.op = '+';
      } else {
        bool same = node->value.is_string() && node->value.get<std::string>() == w.value &&
                    node->is_secret == w.secret;
        w.op = same ? '=' : '~';
      }
    }
    if (ctx.args().Has("prune")) {
      std::string root = prefix;
      if (absl::EndsWith(root, ".")) root.pop_back();
      ASSIGN_OR_RETURN(nlohmann::ordered_json doc, esc::DefinitionToJson(clear.yaml));
      // Leaf paths are `values.<path>`, written as targets are (DefaultTarget).
      const std::string under = absl::StrCat("values.", root);
      for (const auto& [leaf, node] : esc::DefinitionLeaves(doc)) {
        if (!absl::StartsWith(leaf, under + ".") && !absl::StartsWith(leaf, under + "[")) continue;
        std::string target = leaf.substr(std::string("values.").size());
        if (target_owner.count(target) == 0) plan.push_back({target, "", false, '-'});
      }
    }
    if (!planned) {
      planned = true;
      for (const Planned& w : plan) first_seen[w.path] = NodeFingerprint(stored.yaml, w.path);
      std::sort(plan.begin(), plan.end(),
                [](const Planned& a, const Planned& c) { return a.path < c.path; });
      for (const Planned& w : plan) ctx.out() << w.op << " " << util::Echo(w.path) << "\n";
    } else {
      for (const auto& [path, fp] : first_seen) {
        if (NodeFingerprint(stored.yaml, path) != fp) {
          return absl::AbortedError(absl::StrCat(
              "conflict: ", util::Echo(path), " in ", r.ref.ToString(),
              " was changed by another writer during the import; nothing was imported"));
        }
      }
    }
    if (fail_missing) {
      return absl::NotFoundError(
          absl::StrCat(missing.size(),
                       " mapped key(s) not provided by any source; nothing was imported (use "
                       "--allow-missing to import the rest)"));
    }
    size_t changes =
        std::count_if(plan.begin(), plan.end(), [](const Planned& w) { return w.op != '='; });
    if (dry_run) {
      ctx.err() << "Dry run: " << changes << " change(s) planned, nothing written.\n";
      return absl::OkStatus();
    }
    if (changes == 0) {
      ctx.err() << "Nothing to import: " << r.ref.ToString() << " already holds every value.\n";
      return absl::OkStatus();
    }
    std::string yaml = stored.yaml;
    for (const Planned& w : plan) {
      if (w.op == '=') continue;
      if (w.op == '-') {
        ASSIGN_OR_RETURN(yaml, esc::RemoveDefinitionValue(yaml, w.path));
      } else {
        ASSIGN_OR_RETURN(yaml,
                         esc::SetDefinitionValue(yaml, w.path, nlohmann::json(w.value), w.secret));
      }
    }
    absl::Cleanup wipe_yaml = [&yaml] { crypto::SecureWipe(yaml.data(), yaml.size()); };
    absl::StatusOr<backend::NewRevision> res = b->UpdateDefinition(r.ref, yaml, stored.etag);
    if (absl::IsAborted(res.status())) continue;
    if (!res.ok()) {
      PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(res.status()),
                       absl::StrCat(r.ref.project, "/", r.ref.name), "");
      return res.status();
    }
    ctx.err() << "Imported " << changes << " change(s) into " << r.ref.ToString() << " (revision "
              << res->revision << ").\n";
    return absl::OkStatus();
  }
}

}  // namespace escnative::cli
