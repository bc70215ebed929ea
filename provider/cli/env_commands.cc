#include <algorithm>
#include <functional>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/definition_edit.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/projections.h"
#include "provider/value/property_path.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

using backend::LocalBackend;

absl::BitGen& BitGen() {
  static absl::BitGen* gen = new absl::BitGen();
  return *gen;
}

// A write whose intent is one key (`env set`, `env rm ENV PATH`): saved with
// the etag it read; when another writer got in first, it is re-read and, if
// that writer left `path` alone, re-applied (bounded, with jittered backoff).
// Only a concurrent change to the same key is a conflict.
absl::Status SaveKeyEdit(
    Context& ctx, backend::Backend* b, const backend::ParsedRef& r, const std::string& path,
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
    absl::StatusOr<backend::NewRevision> res = b->UpdateDefinition(r.ref, yaml, def.etag);
    if (res.ok() || !absl::IsAborted(res.status()) || attempt + 1 >= kAttempts) {
      return ReportUpdate(ctx, r, res);
    }
    // Jittered exponential backoff, 2 ms up to ~100 ms: concurrent writers
    // spread out instead of colliding again in lock step.
    int64_t cap_us = std::min<int64_t>(int64_t{2000} << std::min(attempt, 6), 100000);
    absl::SleepFor(
        absl::Microseconds(cap_us / 2 + absl::Uniform<int64_t>(BitGen(), 0, cap_us / 2)));
  }
}

}  // namespace

absl::Status EnvInit(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env init"));
  std::string yaml;
  if (ctx.args().Has("file")) {
    ASSIGN_OR_RETURN(yaml, ReadInput(ctx.args().Get("file")));
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(/*create_if_missing=*/true));
  // Validate the file first so a bad definition leaves nothing behind.
  if (!yaml.empty()) {
    absl::StatusOr<backend::Evaluation> checked =
        b->CheckDefinition(r.ref, yaml, /*show_secrets=*/false);
    if (!checked.ok()) {
      PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(checked.status()),
                       absl::StrCat(r.ref.project, "/", r.ref.name), "");
      return checked.status();
    }
  }
  ASSIGN_OR_RETURN(api::EnvironmentInfo info, b->CreateEnvironment(r.ref));
  ctx.out() << "Environment created: " << info.ref.ToString() << "\n";
  if (!yaml.empty()) RETURN_IF_ERROR(Save(ctx, b, r, yaml, info.etag));
  return absl::OkStatus();
}

absl::Status EnvLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<api::EnvironmentInfo> envs,
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
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
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
      ASSIGN_OR_RETURN(value, esc::ValueAtPath(root, path));
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

absl::Status EnvSet(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 2, 3));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env set"));
  bool secret = ctx.args().Has("secret");
  bool from_file = ctx.args().Has("value-file");
  bool from_stdin = p.size() == 2 || p[2] == "-";
  if (from_file && p.size() == 3) {
    return absl::OutOfRangeError("give VALUE or --value-file, not both");
  }
  std::string text;
  if (from_file) {
    ASSIGN_OR_RETURN(text, ReadValueFile(ctx.args().Get("value-file")));
  } else if (from_stdin) {
    ASSIGN_OR_RETURN(text, ReadValueFromStdin(ctx, p[1]));
  } else {
    text = p[2];
    if (secret) {
      ctx.err() << "warning: a secret given as an argument is visible to other users (ps) and in "
                   "shell history; pass it on stdin (omit VALUE) or with --value-file\n";
    }
  }
  absl::Cleanup wipe = [&text] { crypto::SecureWipe(text.data(), text.size()); };
  nlohmann::json value = text;
  // Only an argument is read as JSON: a value from stdin or a file is the
  // exact string given (a token that happens to look like a number stays a
  // string).
  if (!ctx.args().Has("string") && !secret && !from_file && !from_stdin) {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) value = std::move(parsed);
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
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
    ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
    RETURN_IF_ERROR(b->DeleteEnvironment(r.ref));
    ctx.out() << "Environment \"" << r.ref.ToString() << "\" has been removed!\n";
    return absl::OkStatus();
  }
  if (p[1].rfind("imports", 0) == 0) {
    return absl::InvalidArgumentError(
        "env rm only removes values; edit the imports with env init -f or env set");
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
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
    RETURN_IF_ERROR(PropertyPath::Parse(path).status());
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
  ASSIGN_OR_RETURN(esc::ValuePtr root, OpenValues(ctx, r));
  esc::ValuePtr value = root;
  if (!path.empty()) {
    ASSIGN_OR_RETURN(value, esc::ValueAtPath(root, path));
  }
  ASSIGN_OR_RETURN(std::string text,
                   Render(root, value, format, !path.empty(), reveal, lifetime, ctx.err()));
  ctx.out() << text;
  return absl::OkStatus();
}
}  // namespace escnative::cli
