// `escctl env edit` (the decrypted definition in $EDITOR, or a whole new
// definition from a file, saved with the etag it was read at) and `escctl env
// diff` (definitions and values of two revisions or environments, where a
// secret shows as changed, never as its value).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/cli/env_files.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/json_encoding.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

extern char** environ;

namespace escnative::cli {
namespace {

constexpr char kErrorHeader[] = "# escctl: the definition was not saved:\n";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Overwrites, then removes: the file held plaintext secrets.
void Shred(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) {
    (void)WritePrivateFile(path, std::string(static_cast<size_t>(st.st_size), '\0'));
  }
  ::unlink(path.c_str());
}

// Runs the user's editor on `path` ($VISUAL, else $EDITOR; may hold args).
absl::Status RunEditor(Context& ctx, const std::string& path) {
  std::string editor = ctx.Env("VISUAL");
  if (editor.empty()) editor = ctx.Env("EDITOR");
  if (editor.empty()) {
    return absl::InvalidArgumentError(
        "no editor: set $EDITOR (or $VISUAL), or use `escctl env edit ENV -f FILE`");
  }
  ctx.out().flush();
  ctx.err().flush();
  // Everything the child needs is built here: after fork it may only make
  // async-signal-safe calls. The editor command may carry arguments, so the
  // shell splits it (from a variable: never re-parsed as shell code).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ESCCTL_EDITOR=", 14) != 0) env_strings.emplace_back(*e);
  }
  env_strings.push_back("ESCCTL_EDITOR=" + editor);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", "exec $ESCCTL_EDITOR \"$1\"", "sh", path.c_str(), nullptr};
  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("cannot start the editor");
  if (pid == 0) {
    ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::CancelledError("the editor did not exit cleanly; nothing was saved");
  }
  return absl::OkStatus();
}

// Leaves of a definition or value as path -> (shown text, secret).
struct Leaf {
  std::string text;
  bool secret = false;
};
using Leaves = std::map<std::string, Leaf>;

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

void DefinitionLeaves(const nlohmann::ordered_json& doc, Leaves* out) {
  for (const auto& [path, leaf] : esc::DefinitionLeaves(doc)) {
    const nlohmann::ordered_json& j = *leaf;
    if (j.is_object() && j.contains("fn::secret")) {
      const auto& arg = j["fn::secret"];
      (*out)[path] = {arg.is_string() ? arg.get<std::string>() : arg.dump(), true};
    } else {
      (*out)[path] = {j.is_string() ? j.get<std::string>() : j.dump(), false};
    }
  }
}

void ValueLeaves(const esc::Value& v, const std::string& path, bool secret, Leaves* out) {
  bool s = secret || v.secret;
  if (v.is_object() && !v.object.empty()) {
    for (const auto& [k, child] : v.object) ValueLeaves(*child, Join(path, k), s, out);
  } else if (v.is_array() && !v.array.empty()) {
    for (size_t i = 0; i < v.array.size(); ++i) {
      ValueLeaves(*v.array[i], absl::StrCat(path, "[", i, "]"), s, out);
    }
  } else {
    (*out)[path] = {v.unknown ? "[unknown]" : esc::ToJsonText(v, esc::Redaction::kReveal), s};
  }
}

// Prints the differences; returns how many there were.
size_t PrintDiff(std::ostream& out, const Leaves& a, const Leaves& b) {
  size_t n = 0;
  auto shown = [](const Leaf& l) {
    return l.secret ? std::string("[secret]") : util::Echo(l.text);
  };
  for (const auto& [path, leaf] : a) {
    auto it = b.find(path);
    if (it == b.end()) {
      out << "- " << util::Echo(path) << "\n";
      ++n;
    } else if (it->second.text != leaf.text || it->second.secret != leaf.secret) {
      if (leaf.secret || it->second.secret) {
        out << "~ " << util::Echo(path) << " (secret changed)\n";
      } else {
        out << "~ " << util::Echo(path) << ": " << shown(leaf) << " -> " << shown(it->second)
            << "\n";
      }
      ++n;
    }
  }
  for (const auto& [path, leaf] : b) {
    if (a.count(path) > 0) continue;
    out << "+ " << util::Echo(path) << (leaf.secret ? " (secret)" : ": " + shown(leaf)) << "\n";
    ++n;
  }
  return n;
}

}  // namespace

absl::Status EnvEdit(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  RETURN_IF_ERROR(NoVersion(r, "env edit"));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  if (ctx.args().Has("file")) {
    ASSIGN_OR_RETURN(std::string yaml, ReadInput(ctx.args().Get("file")));
    absl::Cleanup wipe = [&yaml] { crypto::SecureWipe(yaml.data(), yaml.size()); };
    ASSIGN_OR_RETURN(backend::Definition current, b->GetDefinition(r.ref, "", false));
    return Save(ctx, b, r, yaml, current.etag);
  }
  ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(r.ref, "", /*decrypt=*/true));
  absl::Cleanup wipe_def = [&def] { crypto::SecureWipe(def.yaml.data(), def.yaml.size()); };
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/escctl-edit-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError("cannot create a private directory for the edit");
  }
  std::string path = absl::StrCat(dir, "/", r.ref.name, ".yaml");
  absl::Cleanup remove = [&] {
    Shred(path);
    ::rmdir(dir.c_str());
  };
  std::string text = def.yaml;
  RETURN_IF_ERROR(WritePrivateFile(path, text));
  while (true) {
    RETURN_IF_ERROR(RunEditor(ctx, path));
    std::string edited = ReadAll(path);
    absl::Cleanup wipe_edit = [&edited] { crypto::SecureWipe(edited.data(), edited.size()); };
    if (edited == text) {
      ctx.err() << (text == def.yaml ? "No changes; nothing saved.\n"
                                     : "Unchanged after the errors; nothing saved.\n");
      return text == def.yaml ? absl::OkStatus()
                              : absl::InvalidArgumentError("the definition still has errors");
    }
    absl::StatusOr<backend::NewRevision> res = b->UpdateDefinition(r.ref, edited, def.etag);
    if (res.ok()) {
      ctx.err() << "Environment " << r.ref.ToString() << " updated (revision " << res->revision
                << ").\n";
      return absl::OkStatus();
    }
    esc::Diagnostics diags = backend::DiagnosticsFromStatus(res.status());
    if (diags.empty()) return res.status();  // a conflict or an I/O error: not fixable here
    // Back to the editor, with the errors on top as comments.
    std::string header = kErrorHeader;
    for (const auto& d : diags) {
      for (absl::string_view line :
           absl::StrSplit(esc::Format(d, std::string_view()), '\n', absl::SkipEmpty())) {
        absl::StrAppend(&header, "#   ", line, "\n");
      }
    }
    std::string body = edited;
    while (body.rfind("# escctl: ", 0) == 0 || body.rfind("#   ", 0) == 0) {
      size_t nl = body.find('\n');
      body = nl == std::string::npos ? "" : body.substr(nl + 1);
    }
    crypto::SecureWipe(text.data(), text.size());
    text = header + body;
    RETURN_IF_ERROR(WritePrivateFile(path, text));
    ctx.err() << "The definition has errors; reopening the editor.\n";
  }
}

absl::Status EnvDiff(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef left, ctx.Ref(p[0]));
  backend::ParsedRef right = left;
  right.version = "";
  if (p.size() == 2) {
    if (p[1].rfind('@', 0) == 0) {
      right.version = p[1].substr(1);
    } else {
      ASSIGN_OR_RETURN(right, ctx.Ref(p[1]));
    }
  } else if (left.version.empty()) {
    return absl::OutOfRangeError("env diff needs two revisions: ENV@V1 [@V2|ENV2[@V2]]");
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  Leaves defs[2], values[2];
  const backend::ParsedRef* refs[2] = {&left, &right};
  for (int i = 0; i < 2; ++i) {
    ASSIGN_OR_RETURN(backend::Evaluation checked,
                     b->CheckEnvironment(refs[i]->ref, refs[i]->version, /*show_secrets=*/true));
    absl::Cleanup wipe = [&checked] {
      crypto::SecureWipe(checked.definition.data(), checked.definition.size());
    };
    ASSIGN_OR_RETURN(nlohmann::ordered_json doc, esc::DefinitionToJson(checked.definition));
    DefinitionLeaves(doc, &defs[i]);
    ValueLeaves(*checked.root, "", false, &values[i]);
  }
  ctx.out() << "# Definition\n";
  size_t n = PrintDiff(ctx.out(), defs[0], defs[1]);
  ctx.out() << "# Values\n";
  n += PrintDiff(ctx.out(), values[0], values[1]);
  if (n == 0) ctx.out() << "No differences.\n";
  for (int i = 0; i < 2; ++i) {
    for (auto& [path, leaf] : defs[i]) crypto::SecureWipe(leaf.text.data(), leaf.text.size());
    for (auto& [path, leaf] : values[i]) crypto::SecureWipe(leaf.text.data(), leaf.text.size());
  }
  return absl::OkStatus();
}

}  // namespace escnative::cli
