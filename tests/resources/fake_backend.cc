#include "tests/resources/fake_backend.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "provider/backend/ref.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/ast.h"
#include "provider/esc/crypter.h"
#include "provider/esc/definition_edit.h"
#include "provider/esc/evaluator.h"
#include "provider/esc/value.h"
#include "provider/util/status_macros.h"

namespace escnative::resources::testing {
namespace {

using backend::EnvironmentRef;

// absl::string_view is not std::string_view in this Abseil build.
std::string_view S(absl::string_view s) { return {s.data(), s.size()}; }

// Ciphertext that names its environment and never contains the plaintext
// (hex of the bytes xor 0x5a); decrypting it for another environment fails,
// as LocalBackend's associated data makes it.
class FakeCrypter final : public esc::Crypter {
 public:
  explicit FakeCrypter(std::string environment) : prefix_(absl::StrCat(environment, ":")) {}
  absl::StatusOr<std::string> Encrypt(std::string_view plaintext) const override {
    std::string out = prefix_;
    for (char c : plaintext) {
      absl::StrAppendFormat(&out, "%02x", static_cast<unsigned char>(c) ^ 0x5a);
    }
    return out;
  }
  absl::StatusOr<std::string> Decrypt(std::string_view ciphertext) const override {
    if (!absl::StartsWith(absl::string_view(ciphertext.data(), ciphertext.size()), prefix_)) {
      return absl::InvalidArgumentError("ciphertext belongs to another environment");
    }
    std::string_view hex = ciphertext.substr(prefix_.size());
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      int byte = 0;
      if (!absl::SimpleHexAtoi(absl::string_view(hex.data() + i, 2), &byte)) {
        return absl::InvalidArgumentError("malformed ciphertext");
      }
      out.push_back(static_cast<char>(byte ^ 0x5a));
    }
    return out;
  }

 private:
  const std::string prefix_;
};

// Syntax and shape errors of a definition, as an InvalidDefinitionError.
absl::Status Validate(const EnvironmentRef& ref, absl::string_view yaml) {
  esc::ParseResult parsed = esc::ParseEnvironment(ref.name, S(yaml));
  esc::Diagnostics errors;
  for (const esc::Diagnostic& d : parsed.diagnostics) {
    if (d.severity == esc::Severity::kError) errors.push_back(d);
  }
  if (errors.empty()) return absl::OkStatus();
  return backend::InvalidDefinitionError(
      absl::StrCat("updating ", ref.ToString(), ": ", errors.size(),
                   " errors (first: ", errors.front().summary, ")"),
      errors);
}

}  // namespace

absl::Status FakeBackend::NoEnvironment(const EnvironmentRef& ref) {
  return absl::NotFoundError(absl::StrCat("environment ", ref.ToString(), " not found"));
}

FakeBackend::FakeBackend(const store::Clock* clock, std::string organization, std::string project)
    : clock_(clock), organization_(std::move(organization)), project_(std::move(project)) {}

// --- hooks -------------------------------------------------------------------

void FakeBackend::FailNext(const std::string& method, absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) hooks_[method].failures.push_back(status);
}

void FakeBackend::BeforeNext(const std::string& method, std::function<void()> action) {
  absl::MutexLock lock(&mu_);
  hooks_[method].actions.push_back(std::move(action));
}

std::vector<std::string> FakeBackend::Calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int FakeBackend::Mutations() const {
  absl::MutexLock lock(&mu_);
  return mutations_;
}

std::optional<std::string> FakeBackend::StoredYaml(const EnvironmentRef& ref) const {
  absl::MutexLock lock(&mu_);
  auto it = envs_.find(ref.ToString());
  if (it == envs_.end()) return std::nullopt;
  return it->second.revisions.back().yaml;
}

absl::Status FakeBackend::Enter(const std::string& method) {
  std::function<void()> action;
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back(method);
    auto it = hooks_.find(method);
    if (it != hooks_.end() && !it->second.actions.empty()) {
      action = std::move(it->second.actions.front());
      it->second.actions.pop_front();
    }
  }
  if (action) action();
  absl::MutexLock lock(&mu_);
  auto it = hooks_.find(method);
  if (it != hooks_.end() && !it->second.failures.empty()) {
    absl::Status s = it->second.failures.front();
    it->second.failures.pop_front();
    return s;
  }
  return absl::OkStatus();
}

FakeBackend::Env* FakeBackend::FindEnv(const EnvironmentRef& ref) {
  auto it = envs_.find(ref.ToString());
  return it == envs_.end() ? nullptr : &it->second;
}

absl::StatusOr<const FakeBackend::Revision*> FakeBackend::FindRevision(
    const Env& env, absl::string_view version) const {
  int64_t number = env.info.latest_revision;
  if (!version.empty() && version != kLatest) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(version[0]))) {
      if (!absl::SimpleAtoi(version, &number) || number < 1) {
        return absl::InvalidArgumentError(absl::StrCat("invalid revision \"", version, "\""));
      }
    } else {
      auto tag = env.revision_tags.find(std::string(version));
      if (tag == env.revision_tags.end()) {
        return absl::NotFoundError(
            absl::StrCat("revision tag ", version, " not found on ", env.info.ref.ToString()));
      }
      number = tag->second.revision;
    }
  }
  if (number < 1 || number > static_cast<int64_t>(env.revisions.size())) {
    return absl::NotFoundError(
        absl::StrCat("revision ", number, " of ", env.info.ref.ToString(), " not found"));
  }
  return &env.revisions[number - 1];
}

void FakeBackend::Touch(Env* env) {
  env->info.modified = clock_->Now();
  ++mutations_;
}

std::string FakeBackend::NextEtag() { return absl::StrCat("etag-", ++serial_); }

absl::StatusOr<std::pair<EnvironmentRef, std::string>> FakeBackend::ParseRef(
    absl::string_view text) const {
  ASSIGN_OR_RETURN(backend::ParsedRef parsed,
                   backend::ParseEnvironmentRef(text, organization_, project_));
  return std::make_pair(std::move(parsed.ref), std::move(parsed.version));
}

// --- environments ------------------------------------------------------------

absl::StatusOr<backend::EnvironmentInfo> FakeBackend::CreateEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("CreateEnvironment"));
  absl::MutexLock lock(&mu_);
  if (FindEnv(ref) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("environment ", ref.ToString(), " exists"));
  }
  // Revision 1 is the empty definition, as in ESC.
  Env env;
  env.info.ref = ref;
  env.info.created = clock_->Now();
  env.info.latest_revision = 1;
  env.info.etag = NextEtag();
  env.revisions.push_back({"", env.info.etag, env.info.created});
  Touch(&env);
  return envs_.emplace(ref.ToString(), std::move(env)).first->second.info;
}

absl::StatusOr<backend::EnvironmentInfo> FakeBackend::GetEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("GetEnvironment"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  return env->info;
}

absl::StatusOr<std::vector<backend::EnvironmentInfo>> FakeBackend::ListEnvironments(
    absl::string_view organization, absl::string_view project) {
  RETURN_IF_ERROR(Enter("ListEnvironments"));
  absl::MutexLock lock(&mu_);
  std::vector<backend::EnvironmentInfo> out;
  for (const auto& [key, env] : envs_) {
    if (env.info.ref.organization == organization &&
        (project.empty() || env.info.ref.project == project)) {
      out.push_back(env.info);
    }
  }
  return out;
}

absl::Status FakeBackend::DeleteEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("DeleteEnvironment"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (env->info.deletion_protected) {
    return absl::FailedPreconditionError(
        absl::StrCat("environment ", ref.ToString(), " is deletion protected"));
  }
  envs_.erase(ref.ToString());
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeBackend::SetDeletionProtected(const EnvironmentRef& ref, bool is_protected) {
  RETURN_IF_ERROR(Enter("SetDeletionProtected"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  env->info.deletion_protected = is_protected;
  Touch(env);
  return absl::OkStatus();
}

// --- definitions -------------------------------------------------------------

absl::StatusOr<backend::Definition> FakeBackend::GetDefinition(const EnvironmentRef& ref,
                                                               absl::string_view version,
                                                               bool decrypt) {
  RETURN_IF_ERROR(Enter("GetDefinition"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  ASSIGN_OR_RETURN(const Revision* rev, FindRevision(*env, version));
  backend::Definition out;
  out.yaml = rev->yaml;
  out.revision = static_cast<int64_t>(rev - env->revisions.data()) + 1;
  out.etag = rev->etag;
  if (decrypt) {
    ASSIGN_OR_RETURN(out.yaml,
                     esc::DecryptSecrets(out.yaml, ref.name, FakeCrypter(ref.ToString())));
  }
  return out;
}

absl::StatusOr<backend::NewRevision> FakeBackend::UpdateDefinition(
    const EnvironmentRef& ref, absl::string_view yaml, std::optional<std::string> etag) {
  RETURN_IF_ERROR(Enter("UpdateDefinition"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (etag.has_value() && *etag != env->info.etag) {
    return absl::AbortedError(
        absl::StrCat("environment ", ref.ToString(), " changed since it was read (stale etag)"));
  }
  RETURN_IF_ERROR(Validate(ref, yaml));
  const FakeCrypter crypter(ref.ToString());
  // Ciphertext copied from another environment is refused, as on LocalBackend.
  if (auto plain = esc::DecryptSecrets(S(yaml), ref.name, crypter); !plain.ok()) {
    return backend::InvalidDefinitionError(
        absl::StrCat("updating ", ref.ToString(), ": ", plain.status().message()), {});
  }
  ASSIGN_OR_RETURN(std::string stored, esc::EncryptSecrets(S(yaml), ref.name, crypter));
  env->info.etag = NextEtag();
  env->revisions.push_back({std::move(stored), env->info.etag, clock_->Now()});
  env->info.latest_revision = static_cast<int64_t>(env->revisions.size());
  Touch(env);
  return backend::NewRevision{env->info.latest_revision, env->info.etag, {}};
}

// Imports of the environment being evaluated, as LocalBackend resolves
// them: `name` or `project/name` (in the importer's project and
// organization), with an optional @version. Runs inside Evaluate, which
// holds mu_ for the whole evaluation.
class FakeBackend::Loader final : public esc::EnvironmentLoader {
 public:
  Loader(const FakeBackend* backend, EnvironmentRef root)
      : backend_(backend), root_(std::move(root)) {}

  absl::StatusOr<esc::LoadedEnvironment> Load(std::string_view text) const override
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    absl::string_view body(text.data(), text.size());
    std::string version;
    if (size_t at = body.find_first_of("@:"); at != absl::string_view::npos) {
      version = std::string(body.substr(at + 1));
      body = body.substr(0, at);
    }
    const size_t slash = body.find('/');
    EnvironmentRef ref{
        root_.organization,
        slash == absl::string_view::npos ? root_.project : std::string(body.substr(0, slash)),
        std::string(slash == absl::string_view::npos ? body : body.substr(slash + 1))};
    auto it = backend_->envs_.find(ref.ToString());
    if (it == backend_->envs_.end()) {
      return absl::NotFoundError(absl::StrCat("environment \"", body, "\" not found"));
    }
    ASSIGN_OR_RETURN(const Revision* rev, backend_->FindRevision(it->second, version));
    crypters_.push_back(std::make_unique<FakeCrypter>(ref.ToString()));
    return esc::LoadedEnvironment{std::string(text), rev->yaml, crypters_.back().get()};
  }

 private:
  const FakeBackend* const backend_;
  const EnvironmentRef root_;
  mutable std::vector<std::unique_ptr<FakeCrypter>> crypters_;
};

absl::StatusOr<backend::Evaluation> FakeBackend::Evaluate(const EnvironmentRef& ref,
                                                          absl::string_view version, bool open,
                                                          bool show_secrets) {
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  ASSIGN_OR_RETURN(const Revision* rev, FindRevision(*env, version));
  Loader loader(this, ref);
  FakeCrypter crypter(ref.ToString());
  esc::EvalOptions opts;
  opts.mode = open ? esc::EvalMode::kOpen : esc::EvalMode::kCheck;
  opts.show_secrets = show_secrets;
  opts.loader = &loader;
  opts.decrypter = &crypter;
  esc::EvalResult result = esc::Evaluate(absl::StrCat(ref.project, "/", ref.name), rev->yaml, opts);
  if (result.HasErrors()) {
    return backend::InvalidDefinitionError(absl::StrCat("evaluating ", ref.ToString()),
                                           result.diagnostics);
  }
  return backend::Evaluation{std::move(result.root), std::move(result.diagnostics), ""};
}

absl::StatusOr<backend::Evaluation> FakeBackend::CheckEnvironment(const EnvironmentRef& ref,
                                                                  absl::string_view version,
                                                                  bool show_secrets) {
  RETURN_IF_ERROR(Enter("CheckEnvironment"));
  return Evaluate(ref, version, /*open=*/false, show_secrets);
}

absl::StatusOr<backend::Evaluation> FakeBackend::CheckDefinition(const EnvironmentRef& ref,
                                                                 absl::string_view yaml, bool) {
  RETURN_IF_ERROR(Enter("CheckDefinition"));
  // Syntax only: the fake has no evaluator. Tests inject evaluation errors
  // with FailNext("CheckDefinition", InvalidDefinitionError(...)).
  RETURN_IF_ERROR(Validate(ref, yaml));
  return backend::Evaluation{esc::MakeObject({}), {}, ""};
}

absl::StatusOr<backend::Evaluation> FakeBackend::OpenEnvironment(const EnvironmentRef& ref,
                                                                 absl::string_view version) {
  RETURN_IF_ERROR(Enter("OpenEnvironment"));
  return Evaluate(ref, version, /*open=*/true, /*show_secrets=*/true);
}

}  // namespace escnative::resources::testing
