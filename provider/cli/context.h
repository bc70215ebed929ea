// The state one escctl command runs with: its parsed arguments, the
// process environment, the output streams, and the store (opened on first
// use with the passphrase and token from the usual places).
#ifndef PROVIDER_CLI_CONTEXT_H_
#define PROVIDER_CLI_CONTEXT_H_

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/backend/local_backend.h"
#include "provider/backend/ref.h"
#include "provider/cli/escctl.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::cli {

// A command line split into positional words and flags (a flag may repeat).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() || it->second.empty() ? fallback : it->second.back();
  }
};

using Positional = std::vector<std::string>;

// Flags every command takes (each with a value).
const std::set<std::string>& GlobalValueFlags();

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
  std::string StorePath() const;

  // Global options that were given but empty would silently mean the
  // default (an empty token would mean the passphrase's full rights).
  absl::Status CheckGlobals() const;

  absl::StatusOr<crypto::SecretBytes> Passphrase() const;

  // True when commands run against an ESC REST API server (--url or
  // $ESC_URL) instead of a store file.
  bool Remote() const { return !RemoteUrl().empty(); }
  std::string RemoteUrl() const { return args_.Get("url", Env("ESC_URL")); }

  // The backend commands run against: the store file, or with --url the
  // server (token from --token-file, $ESC_ACCESS_TOKEN or $PULUMI_ACCESS_TOKEN).
  absl::StatusOr<backend::Backend*> Backend(bool create_if_missing);
  // The store file only, for commands that make no sense on a server
  // (`command` names it in the error on a remote).
  absl::StatusOr<backend::LocalBackend*> LocalStore(bool create_if_missing,
                                                    absl::string_view command);

  absl::StatusOr<backend::ParsedRef> Ref(const std::string& text) const;

  // A command that runs another program passes its exit code on (`env run`).
  void SetExitCode(int code) { exit_code_ = code; }
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  const Args& args_;
  const EnvLookup& env_;
  std::ostream& out_;
  std::ostream& err_;
  absl::StatusOr<backend::Backend*> RemoteBackend() const;

  std::unique_ptr<backend::LocalBackend> backend_;
  mutable std::unique_ptr<backend::Backend> remote_;
  std::optional<int> exit_code_;
};

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_CONTEXT_H_
