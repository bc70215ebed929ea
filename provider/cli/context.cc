#include "provider/cli/context.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "provider/backend/cloud/cloud_backend.h"
#include "provider/crypto/credential_file.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {

using backend::LocalBackend;

const std::set<std::string>& GlobalValueFlags() {
  static const auto* f =
      new std::set<std::string>{"store", "org", "project", "passphrase-file", "token-file", "url"};
  return *f;
}

absl::Status Context::CheckGlobals() const {
  for (const char* flag : {"org", "store", "project", "passphrase-file", "token-file", "url"}) {
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

absl::StatusOr<crypto::SecretBytes> Context::Passphrase() const {
  if (args_.Has("passphrase-file")) {
    return crypto::ReadCredentialFile(args_.Get("passphrase-file"), "passphrase");
  }
  for (const char* var : {"ESC_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE"}) {
    std::optional<std::string> v = env_(var);
    if (v.has_value() && !v->empty()) return crypto::SecretBytes::CopyFrom(*v);
    std::optional<std::string> f = env_((std::string(var) + "_FILE").c_str());
    if (f.has_value() && !f->empty()) return crypto::ReadCredentialFile(*f, "passphrase");
  }
  return absl::UnauthenticatedError(
      "no passphrase: use --passphrase-file or set ESC_PASSPHRASE, ESC_PASSPHRASE_FILE, "
      "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
}

absl::StatusOr<backend::Backend*> Context::Backend(bool create_if_missing) {
  if (Remote()) return RemoteBackend();
  return LocalStore(create_if_missing, "");
}

absl::StatusOr<backend::Backend*> Context::RemoteBackend() const {
  if (remote_ != nullptr) return remote_.get();
  backend::CloudBackendOptions o;
  o.url = RemoteUrl();
  if (args_.Has("token-file")) {
    ASSIGN_OR_RETURN(crypto::SecretBytes t,
                     crypto::ReadCredentialFile(args_.Get("token-file"), "token"));
    o.token = std::string(t.Reveal());
  } else {
    for (const char* var : {"ESC_ACCESS_TOKEN", "PULUMI_ACCESS_TOKEN"}) {
      std::optional<std::string> t = env_(var);
      if (t.has_value() && !t->empty()) {
        o.token = *t;
        break;
      }
    }
  }
  if (o.token.empty()) {
    return absl::UnauthenticatedError(
        "--url needs an access token: --token-file FILE, ESC_ACCESS_TOKEN or PULUMI_ACCESS_TOKEN");
  }
  o.organization = args_.Get("org", Env("ESC_ORGANIZATION"));  // empty: the token's default
  o.project = Project();
  o.http.allow_insecure_http = Env("ESC_ALLOW_INSECURE_HTTP") == "1";
  o.http.ca_file = Env("ESC_CA_FILE");  // else SSL_CERT_FILE, else the system's
  ASSIGN_OR_RETURN(remote_, backend::CloudBackend::Create(std::move(o)));
  return remote_.get();
}

absl::StatusOr<backend::LocalBackend*> Context::LocalStore(bool create_if_missing,
                                                           absl::string_view command) {
  if (Remote()) {
    return absl::FailedPreconditionError(
        absl::StrCat("escctl ", command, " works on a local store only, not against a server (",
                     "--url / ESC_URL)"));
  }
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
    ASSIGN_OR_RETURN(o.caller_token, crypto::ReadCredentialFile(args_.Get("token-file"), "token"));
  } else if (std::optional<std::string> t = env_("ESC_ACCESS_TOKEN"); t.has_value()) {
    o.caller_token = crypto::SecretBytes::CopyFrom(*t);
  }
  ASSIGN_OR_RETURN(backend_, LocalBackend::Open(std::move(o)));
  return backend_.get();
}

std::string Context::StorePath() const {
  std::string p = args_.Get("store", Env("ESC_LOCAL_PATH"));
  if (!p.empty()) return p;
  std::string home = Env("HOME");
  return (home.empty() ? std::string(".") : home) + "/.pulumi-esc/store.db";
}

absl::StatusOr<backend::ParsedRef> Context::Ref(const std::string& text) const {
  if (Remote()) {
    // The server's default organization unless one was given.
    ASSIGN_OR_RETURN(backend::Backend * b, RemoteBackend());
    ASSIGN_OR_RETURN(auto parsed, b->ParseRef(text));
    return backend::ParsedRef{std::move(parsed.first), std::move(parsed.second)};
  }
  return backend::ParseEnvironmentRef(text, Organization(), Project());
}

}  // namespace escnative::cli
