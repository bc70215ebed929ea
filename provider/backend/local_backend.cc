#include "provider/backend/local_backend.h"

#include <future>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/api/names.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/definition_edit.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"
#include "provider/util/status_macros.h"

namespace escnative::backend {
namespace {

// No `fn::open::*` provider runs locally: they all need credentials for an
// outside service, so an environment that uses one gets an "unknown
// provider" diagnostic instead of a silent empty value.
class NoProviders final : public esc::ProviderRegistry {
 public:
  const esc::Provider* FindProvider(std::string_view) const override { return nullptr; }
  const esc::Rotator* FindRotator(std::string_view) const override { return nullptr; }
};

const NoProviders& EmptyRegistry() {
  static const NoProviders* registry = new NoProviders();
  return *registry;
}

// "project/name": how environments are named in diagnostics and imports.
std::string ShortName(const EnvironmentRef& ref) {
  return absl::StrCat(ref.project, "/", ref.name);
}

absl::Status Denied(const EnvironmentRef& ref, store::Permission needed) {
  return absl::PermissionDeniedError(absl::StrCat(
      "access token does not grant \"", store::PermissionName(needed), "\" on ", ref.ToString()));
}

}  // namespace

std::string LocalBackend::SecretAssociatedData(const EnvironmentRef& ref) {
  return absl::StrCat("esc-secret:v1:", ref.ToString());
}

// The inner cipher of one environment's `escx` envelopes: the store's secrets
// AEAD with the environment bound in as associated data.
class LocalBackend::Crypter final : public esc::Crypter {
 public:
  Crypter(const crypto::Aead& aead, std::string associated_data)
      : aead_(aead), associated_data_(std::move(associated_data)) {}

  absl::StatusOr<std::string> Encrypt(std::string_view plaintext) const override {
    return aead_.Encrypt(util::ToAbsl(plaintext), associated_data_);
  }
  absl::StatusOr<std::string> Decrypt(std::string_view ciphertext) const override {
    // The message is the AEAD's fixed "decryption failed": no oracle, no value.
    ASSIGN_OR_RETURN(crypto::SecretBytes plain, aead_.Decrypt(util::ToAbsl(ciphertext), associated_data_));
    return std::string(plain.Reveal());
  }

 private:
  const crypto::Aead& aead_;
  const std::string associated_data_;
};

struct LocalBackend::Caller {
  crypto::SecretBytes value;
  std::string id;
};

// Resolves imports within the importing root's organization: `name` (the
// root's project), `project/name`, each with `@version`/`:version`.
class LocalBackend::Loader final : public esc::EnvironmentLoader {
 public:
  Loader(LocalBackend* backend, EnvironmentRef root, bool check_scopes)
      : backend_(backend), root_(std::move(root)), check_scopes_(check_scopes) {}

  // What Load returned so far: the evaluation's import closure.
  const std::vector<OpenCache::Member>& loaded() const { return loaded_; }

  std::shared_ptr<const esc::ParseResult> Parsed(const esc::LoadedEnvironment& env) const override {
    auto it = etags_.find(env.name);
    if (it == etags_.end()) return nullptr;
    return backend_->Parsed(env.name, it->second, env.yaml);
  }

  absl::StatusOr<esc::LoadedEnvironment> Load(std::string_view text) const override {
    absl::string_view body = util::ToAbsl(text);
    std::string version;
    size_t at = body.find_first_of("@:");
    if (at != absl::string_view::npos) {
      version = std::string(body.substr(at + 1));
      body = body.substr(0, at);
    }
    std::vector<absl::string_view> parts = absl::StrSplit(body, '/');
    if (parts.size() > 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid import \"", util::Echo(text),
                       "\": expected name or project/name[@version] in the same organization"));
    }
    EnvironmentRef ref{root_.organization,
                       parts.size() == 2 ? std::string(parts[0]) : root_.project,
                       std::string(parts.back())};
    RETURN_IF_ERROR(api::ValidateProjectName(ref.project, util::ToAbsl(text)));
    RETURN_IF_ERROR(api::ValidateEnvironmentName(ref.name, util::ToAbsl(text)));
    RETURN_IF_ERROR(api::ValidateVersion(version, util::ToAbsl(text)));
    if (check_scopes_) RETURN_IF_ERROR(backend_->Authorize(ref, store::Permission::kOpen));
    absl::StatusOr<store::Definition> def = backend_->store_->ReadDefinition(ref, version);
    if (!def.ok()) {
      if (absl::IsNotFound(def.status())) {
        return absl::NotFoundError(
            version.empty() ? absl::StrCat("environment \"", ShortName(ref), "\" not found")
                            : absl::StrCat("environment \"", ShortName(ref), "\" has no version \"",
                                           version, "\""));
      }
      return def.status();
    }
    crypters_.push_back(backend_->CrypterFor(ref));
    esc::LoadedEnvironment out;
    out.name = version.empty() ? ShortName(ref) : absl::StrCat(ShortName(ref), "@", version);
    out.yaml = std::move(def->yaml);
    loaded_.push_back({ref, version, def->etag});
    etags_[out.name] = std::move(def->etag);
    out.decrypter = crypters_.back().get();
    return out;
  }

 private:
  LocalBackend* const backend_;
  const EnvironmentRef root_;
  const bool check_scopes_;
  // One per loaded environment; they must outlive the evaluation. A Loader
  // serves one evaluation on one thread.
  mutable std::vector<std::unique_ptr<Crypter>> crypters_;
  mutable std::map<std::string, std::string> etags_;  // loaded name -> revision etag
  mutable std::vector<OpenCache::Member> loaded_;
};

LocalBackend::LocalBackend(LocalBackendOptions options, std::shared_ptr<store::Store> store,
                           std::unique_ptr<Caller> caller, const LocalBackend* parent)
    : options_(std::move(options)),
      store_(std::move(store)),
      caller_(std::move(caller)),
      parent_(parent) {
  absl::MutexLock lock(&rekey_mu_);
  credential_ = options_.credential->Clone();
}

LocalBackend::~LocalBackend() = default;

absl::StatusOr<std::unique_ptr<LocalBackend>> LocalBackend::Open(LocalBackendOptions options) {
  if (!options.credential.has_value()) {
    return absl::InvalidArgumentError(
        "the local backend needs a passphrase (ESC_PASSPHRASE, ESC_PASSPHRASE_FILE, "
        "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)");
  }
  RETURN_IF_ERROR(api::ValidateOrganizationName(options.organization, "default organization"));
  RETURN_IF_ERROR(api::ValidateProjectName(options.project, "default project"));
  if (options.clock == nullptr) options.clock = store::Clock::Real();
  store::StoreOptions so;
  so.credential = options.credential->Clone();
  so.kdf_params = options.kdf_params;
  so.create_if_missing = options.create_if_missing;
  so.clock = options.clock;
  so.audit_failed_unlock = true;
  so.actor = options.actor;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                   store::Store::Open(options.path, std::move(so)));

  std::unique_ptr<Caller> caller;
  if (options.caller_token.has_value()) {
    absl::StatusOr<AccessToken> verified = store->VerifyAccessToken(options.caller_token->Reveal());
    if (!verified.ok()) {
      // Who tried is unknown (the token is not valid); the OS user is recorded.
      (void)store->AppendAuditEvent(options.actor, "token.denied", "token", "");
      return verified.status();
    }
    AccessToken token = *std::move(verified);
    caller = std::make_unique<Caller>();
    caller->value = options.caller_token->Clone();
    caller->id = token.id;
    options.caller_token.reset();
  }
  return std::unique_ptr<LocalBackend>(
      new LocalBackend(std::move(options), std::move(store), std::move(caller)));
}

absl::StatusOr<std::unique_ptr<LocalBackend>> LocalBackend::AsToken(absl::string_view value) const {
  absl::StatusOr<AccessToken> verified = store_->VerifyAccessToken(value);
  if (!verified.ok()) {
    // As in Open: who tried is unknown; the server's OS user is recorded.
    (void)store_->AppendAuditEvent(options_.actor, "token.denied", "token", "");
    return verified.status();
  }
  AccessToken token = *std::move(verified);
  auto caller = std::make_unique<Caller>();
  caller->value = crypto::SecretBytes::CopyFrom(value);
  caller->id = token.id;
  LocalBackendOptions o;
  o.path = options_.path;
  {
    absl::MutexLock lock(&rekey_mu_);
    o.credential = credential_->Clone();
  }
  o.organization = options_.organization;
  o.project = options_.project;
  o.actor = options_.actor;
  o.clock = options_.clock;
  o.create_if_missing = false;
  o.kdf_params = options_.kdf_params;
  const LocalBackend* root = parent_ != nullptr ? parent_ : this;
  return std::unique_ptr<LocalBackend>(
      new LocalBackend(std::move(o), store_, std::move(caller), root));
}

std::string LocalBackend::CallerId() const { return caller_ == nullptr ? "" : caller_->id; }

std::string LocalBackend::Describe() const { return absl::StrCat("local store ", options_.path); }

absl::StatusOr<std::pair<EnvironmentRef, std::string>> LocalBackend::ParseRef(
    absl::string_view text) const {
  ASSIGN_OR_RETURN(ParsedRef parsed,
                   ParseEnvironmentRef(text, options_.organization, options_.project));
  return std::make_pair(std::move(parsed.ref), std::move(parsed.version));
}

absl::Status LocalBackend::Authorize(const EnvironmentRef& ref, store::Permission needed) const {
  if (caller_ == nullptr) return absl::OkStatus();
  // Re-verified on every call so that revocation and expiry take effect at
  // once, not at the next process start.
  absl::StatusOr<AccessToken> token = store_->VerifyAccessToken(caller_->value.Reveal());
  if (!token.ok()) {
    (void)store_->AppendAuditEvent(Actor(), "token.denied", ref.ToString(), "");
    return token.status();
  }
  if (!store::TokenAllows(*token, ref, needed)) {
    // Denials are audited (best effort: the caller gets the denial regardless).
    (void)store_->AppendAuditEvent(Actor(), "access.denied", ref.ToString(),
                                   absl::StrCat("needs:", store::PermissionName(needed)));
    return Denied(ref, needed);
  }
  return absl::OkStatus();
}

absl::Status LocalBackend::AuthorizeOrganization() const {
  return Authorize(EnvironmentRef{options_.organization, "*", "*"}, store::Permission::kAdmin);
}

std::string LocalBackend::Actor() const {
  return caller_ == nullptr ? options_.actor : absl::StrCat("token:", caller_->id);
}

std::unique_ptr<LocalBackend::Crypter> LocalBackend::CrypterFor(const EnvironmentRef& ref) const {
  return std::make_unique<Crypter>(store_->SecretsAead(), SecretAssociatedData(ref));
}

std::shared_ptr<const esc::ParseResult> LocalBackend::Parsed(const std::string& name,
                                                             absl::string_view etag,
                                                             absl::string_view yaml) const {
  if (parent_ != nullptr) return parent_->Parsed(name, etag, yaml);
  // Bounded: cleared when full (a hot working set refills at once).
  constexpr size_t kMaxEntries = 4096;
  std::string key = absl::StrCat(name, "\n", etag);
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = parse_cache_.find(key);
    if (it != parse_cache_.end()) return it->second;
  }
  auto parsed = std::make_shared<const esc::ParseResult>(esc::Parse(name, util::ToStd(yaml)));
  absl::MutexLock lock(&cache_mu_);
  if (parse_cache_.size() >= kMaxEntries) parse_cache_.clear();
  parse_cache_.emplace(std::move(key), parsed);
  return parsed;
}

std::shared_ptr<const LocalBackend::StoredForm> LocalBackend::Stored(const EnvironmentRef& ref,
                                                                     absl::string_view etag) const {
  if (parent_ != nullptr) return parent_->Stored(ref, etag);
  absl::MutexLock lock(&cache_mu_);
  auto it = stored_.find(ref.ToString());
  if (it == stored_.end() || it->second.first != etag) return nullptr;
  return it->second.second;
}

void LocalBackend::RememberStored(const EnvironmentRef& ref, absl::string_view etag,
                                  nlohmann::ordered_json data) const {
  RememberStoredForm(ref, etag, NewStoredForm(std::move(data)));
}

std::shared_ptr<const LocalBackend::StoredForm> LocalBackend::NewStoredForm(
    nlohmann::ordered_json data) {
  auto form = std::make_shared<StoredForm>();
  form->data = std::make_shared<const nlohmann::ordered_json>(std::move(data));
  form->leaves = esc::DefinitionLeaves(*form->data);
  return form;
}

void LocalBackend::RememberStoredForm(const EnvironmentRef& ref, absl::string_view etag,
                                      std::shared_ptr<const StoredForm> form) const {
  if (parent_ != nullptr) return parent_->RememberStoredForm(ref, etag, std::move(form));
  // Bounded like the parse cache; ciphertext only, so nothing to wipe.
  constexpr size_t kMaxEntries = 64;
  absl::MutexLock lock(&cache_mu_);
  if (stored_.size() >= kMaxEntries) stored_.clear();
  stored_[ref.ToString()] = {std::string(etag), std::move(form)};
}

std::shared_ptr<const esc::ParseResult> LocalBackend::ParsedRevision(
    const EnvironmentRef& ref, const store::Definition& def) const {
  return Parsed(ShortName(ref), def.etag, def.yaml);
}

absl::StatusOr<Evaluation> LocalBackend::Evaluate(const EnvironmentRef& ref,
                                                  std::shared_ptr<const esc::ParseResult> parsed,
                                                  absl::string_view version, esc::EvalMode mode,
                                                  bool show_secrets, bool check_import_scopes,
                                                  absl::string_view what,
                                                  std::vector<OpenCache::Member>* closure) {
  Loader loader(this, ref, check_import_scopes);
  std::unique_ptr<Crypter> crypter = CrypterFor(ref);
  esc::EvalOptions opts;
  opts.mode = mode;
  opts.show_secrets = show_secrets;
  opts.loader = &loader;
  opts.providers = &EmptyRegistry();
  opts.decrypter = crypter.get();
  opts.context = {{"pulumi", {{"user", {{"login", Actor()}}}}}};
  // As Loader::Load names what it loads.
  opts.root_import_name =
      version.empty() ? ShortName(ref) : absl::StrCat(ShortName(ref), "@", version);
  esc::EvalResult result;
  if (parsed->syntax_ok) result = esc::Evaluate(*parsed, opts);
  if (result.root == nullptr) result.root = esc::MakeObject({});
  result.diagnostics.insert(result.diagnostics.begin(), parsed->diagnostics.begin(),
                            parsed->diagnostics.end());
  esc::CapDiagnostics(&result.diagnostics);
  if (closure != nullptr) *closure = loader.loaded();
  if (result.HasErrors()) {
    size_t errors = 0;
    const esc::Diagnostic* first = nullptr;
    for (const auto& d : result.diagnostics) {
      if (d.severity != esc::Severity::kError) continue;
      if (first == nullptr) first = &d;
      errors += d.omitted_errors > 0 ? d.omitted_errors : 1;  // a cap's summary entry
    }
    return InvalidDefinitionError(
        absl::StrCat(what, " ", ref.ToString(), ": ", errors, errors == 1 ? " error" : " errors",
                     " (first: ", first->summary, ")"),
        result.diagnostics);
  }
  return Evaluation{std::move(result.root), std::move(result.diagnostics), ""};
}

// --- environments ------------------------------------------------------------

absl::StatusOr<EnvironmentInfo> LocalBackend::CreateEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kAdmin));
  return store_->CreateEnvironment(ref, Actor());
}

absl::Status LocalBackend::AuditTokenRead(absl::string_view action, absl::string_view target,
                                          absl::string_view detail) const {
  // The passphrase holder can read the file anyway; a token's reads are its
  // holder's trail.
  if (caller_ == nullptr) return absl::OkStatus();
  return store_->AppendAuditEvent(Actor(), action, target, detail);
}

absl::StatusOr<EnvironmentInfo> LocalBackend::GetEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kRead));
  ASSIGN_OR_RETURN(EnvironmentInfo info, store_->GetEnvironment(ref));
  RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(), "metadata"));
  return info;
}

absl::StatusOr<std::vector<EnvironmentInfo>> LocalBackend::ListEnvironments(
    absl::string_view organization, absl::string_view project) {
  ASSIGN_OR_RETURN(std::vector<EnvironmentInfo> all,
                   store_->ListEnvironments(organization, project));
  if (caller_ == nullptr) return all;
  RETURN_IF_ERROR(AuditTokenRead("environment.list", organization, project));
  ASSIGN_OR_RETURN(AccessToken token, store_->VerifyAccessToken(caller_->value.Reveal()));
  std::vector<EnvironmentInfo> visible;
  for (auto& info : all) {
    if (store::TokenAllows(token, info.ref, store::Permission::kRead)) {
      visible.push_back(std::move(info));
    }
  }
  return visible;
}

absl::Status LocalBackend::DeleteEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kAdmin));
  return store_->DeleteEnvironment(ref, Actor());
}

absl::Status LocalBackend::SetDeletionProtected(const EnvironmentRef& ref, bool is_protected) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kAdmin));
  return store_->SetDeletionProtected(ref, is_protected, Actor());
}

// --- definitions -------------------------------------------------------------

absl::StatusOr<Definition> LocalBackend::GetDefinition(const EnvironmentRef& ref,
                                                       absl::string_view version, bool decrypt) {
  RETURN_IF_ERROR(Authorize(ref, decrypt ? store::Permission::kOpen : store::Permission::kRead));
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  ASSIGN_OR_RETURN(store::Definition def, store_->ReadDefinition(ref, version));
  Definition out{std::move(def.yaml), def.revision, std::move(def.etag), nullptr};
  if (!decrypt) {
    if (std::shared_ptr<const StoredForm> stored = Stored(ref, out.etag)) out.data = stored->data;
  }
  if (decrypt) {
    ASSIGN_OR_RETURN(out.yaml, esc::DecryptSecrets(out.yaml, ShortName(ref), *CrypterFor(ref)));
    RETURN_IF_ERROR(store_->AppendAuditEvent(Actor(), "environment.decrypt", ref.ToString(),
                                             absl::StrCat("revision:", out.revision)));
  } else {
    RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(),
                                   absl::StrCat("revision:", out.revision)));
  }
  return out;
}

std::vector<std::string> LocalBackend::ChangedPaths(const EnvironmentRef& ref,
                                                    absl::string_view latest_etag,
                                                    const Leaves& next) {
  // Against the latest revision: with an etag the store refuses the write if
  // that moved; without one the list is as exact as last-writer-wins is.
  std::shared_ptr<const StoredForm> latest = Stored(ref, latest_etag);
  if (latest == nullptr) {
    absl::StatusOr<store::Definition> def = store_->ReadDefinition(ref, "");
    if (!def.ok()) return {};
    absl::StatusOr<nlohmann::ordered_json> data = esc::DefinitionToJson(util::ToStd(def->yaml));
    if (!data.ok()) return {"(not computed)"};
    RememberStored(ref, def->etag, *std::move(data));
    latest = Stored(ref, def->etag);
    if (latest == nullptr) return {"(not computed)"};
  }
  return esc::ChangedLeafPaths(latest->leaves, next, *CrypterFor(ref));
}

absl::StatusOr<NewRevision> LocalBackend::UpdateDefinition(const EnvironmentRef& ref,
                                                            absl::string_view yaml,
                                                            std::optional<std::string> etag) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  // NotFound before validation, so a typo in the name is not reported as a
  // problem with the definition.
  ASSIGN_OR_RETURN(EnvironmentInfo info, store_->GetEnvironment(ref));
  // One parse of `yaml` serves validation, the changed paths, encryption and
  // the stored form remembered for the next write (each used to re-parse).
  esc::SyntaxParseResult syntax = esc::ParseYaml(util::ToStd(ShortName(ref)), util::ToStd(yaml));
  absl::StatusOr<nlohmann::ordered_json> next = esc::DefinitionToJson(syntax);
  return WriteParsed(ref, info, yaml, std::move(syntax), next.ok() ? &*next : nullptr,
                     std::move(etag));
}

absl::StatusOr<NewRevision> LocalBackend::UpdateDefinitionData(
    const EnvironmentRef& ref, const nlohmann::ordered_json& definition,
    std::optional<std::string> etag) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  ASSIGN_OR_RETURN(EnvironmentInfo info, store_->GetEnvironment(ref));
  // The tree straight from the data: no YAML text to emit and parse again.
  esc::SyntaxParseResult syntax = esc::DefinitionDataToSyntax(ShortName(ref), definition);
  return WriteParsed(ref, info, "", std::move(syntax), &definition, std::move(etag));
}

absl::StatusOr<NewRevision> LocalBackend::WriteParsed(
    const EnvironmentRef& ref, const EnvironmentInfo& info, absl::string_view yaml,
    esc::SyntaxParseResult syntax, const nlohmann::ordered_json* next,
    std::optional<std::string> etag) {
  const std::string name = ShortName(ref);
  auto parsed = std::make_shared<const esc::ParseResult>(esc::Parse(name, syntax));
  // show_secrets: ciphertext already in `yaml` is decrypted, so one copied
  // from another environment (bound to it, see SecretAssociatedData) is an
  // error diagnostic at its path now rather than at the next open. Only the
  // diagnostics leave this function, never the evaluated values.
  auto check = [&] {
    return Evaluate(ref, parsed, "", esc::EvalMode::kCheck, /*show_secrets=*/true,
                    /*check_import_scopes=*/caller_ != nullptr, "updating");
  };
  // The check runs on a second thread while this one encrypts and prepares
  // the audit's paths and the stored form: independent work, so a revision
  // takes the longer of the two rather than their sum. Nothing is written
  // until both are done and the check found no error. (A std::async future
  // waits for its task when destroyed, so `check`'s references stay valid.)
  std::future<absl::StatusOr<Evaluation>> checking;
  try {
    checking = std::async(std::launch::async, check);
  } catch (const std::system_error&) {
    // No thread to spare: checked below on this one.
  }
  esc::SyntaxNode stored;
  absl::StatusOr<std::string> encrypted =
      esc::EncryptSecrets(util::ToStd(yaml), std::move(syntax), name, *CrypterFor(ref), &stored);
  store::UpdateOptions uo;
  std::shared_ptr<const StoredForm> form;
  if (encrypted.ok()) {
    // Against the revision `info.etag` names (the latest when this began).
    uo.changed_paths = next != nullptr ? ChangedPaths(ref, info.etag, esc::DefinitionLeaves(*next))
                                       : std::vector<std::string>{"(not computed)"};
    form = NewStoredForm(esc::DefinitionTreeToJson(stored));
  }
  absl::StatusOr<Evaluation> checked = checking.valid() ? checking.get() : check();
  RETURN_IF_ERROR(checked.status());  // the definition's errors come first
  RETURN_IF_ERROR(encrypted.status());
  uo.actor = Actor();
  uo.etag = std::move(etag);
  ASSIGN_OR_RETURN(RevisionInfo rev, store_->UpdateDefinition(ref, *encrypted, uo));
  RememberStoredForm(ref, rev.etag, std::move(form));
  return NewRevision{rev.number, rev.etag, std::move(checked->diagnostics)};
}

absl::StatusOr<Evaluation> LocalBackend::CheckEnvironment(const EnvironmentRef& ref,
                                                          absl::string_view version,
                                                          bool show_secrets) {
  RETURN_IF_ERROR(
      Authorize(ref, show_secrets ? store::Permission::kOpen : store::Permission::kRead));
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  ASSIGN_OR_RETURN(store::Definition def, store_->ReadDefinition(ref, version));
  ASSIGN_OR_RETURN(Evaluation checked,
                   Evaluate(ref, ParsedRevision(ref, def), version, esc::EvalMode::kCheck,
                            show_secrets, false, "checking"));
  if (show_secrets) {
    ASSIGN_OR_RETURN(checked.definition,
                     esc::DecryptSecrets(def.yaml, ShortName(ref), *CrypterFor(ref)));
    RETURN_IF_ERROR(store_->AppendAuditEvent(Actor(), "environment.decrypt", ref.ToString(),
                                             absl::StrCat("revision:", def.revision)));
  }
  return checked;
}

absl::StatusOr<Evaluation> LocalBackend::CheckDefinition(const EnvironmentRef& ref,
                                                         absl::string_view yaml,
                                                         bool show_secrets) {
  RETURN_IF_ERROR(
      Authorize(ref, show_secrets ? store::Permission::kOpen : store::Permission::kRead));
  ASSIGN_OR_RETURN(
      Evaluation checked,
      Evaluate(ref, std::make_shared<const esc::ParseResult>(esc::Parse(ShortName(ref), util::ToStd(yaml))),
               "", esc::EvalMode::kCheck, show_secrets, caller_ != nullptr, "checking"));
  if (show_secrets) {
    // What it imports was decrypted for the caller.
    RETURN_IF_ERROR(
        store_->AppendAuditEvent(Actor(), "environment.decrypt", ref.ToString(), "check"));
  }
  return checked;
}

absl::StatusOr<Evaluation> LocalBackend::OpenEnvironment(const EnvironmentRef& ref,
                                                         absl::string_view version) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kOpen));
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  // The actor is part of the result (context.pulumi.user.login).
  const std::string key = absl::StrCat(ref.ToString(), "@", version, "\n", Actor());
  std::optional<OpenCache::Entry> hit = Opens().Find(key, options_.clock->Now());
  Evaluation opened;
  int64_t revision = 0;
  if (hit.has_value() && ClosureCurrent(hit->closure)) {
    opened = Evaluation{std::move(hit->root), std::move(hit->diagnostics), ""};
    revision = hit->revision;
  } else {
    if (hit.has_value()) Opens().Forget(key);
    ASSIGN_OR_RETURN(store::Definition def, store_->ReadDefinition(ref, version));
    std::vector<OpenCache::Member> closure;
    ASSIGN_OR_RETURN(opened, Evaluate(ref, ParsedRevision(ref, def), version, esc::EvalMode::kOpen,
                                      true, false, "opening", &closure));
    closure.insert(closure.begin(), OpenCache::Member{ref, std::string(version), def.etag});
    revision = def.revision;
    Opens().Put(key,
                OpenCache::Entry{std::move(closure), revision, opened.root, opened.diagnostics},
                options_.clock->Now());
  }
  // Durable before the values leave: concurrent opens' events share one
  // transaction and fsync (the store's group commit).
  RETURN_IF_ERROR(store_->AppendAuditEvent(Actor(), "environment.open", ref.ToString(),
                                           absl::StrCat("revision:", revision)));
  return opened;
}

bool LocalBackend::ClosureCurrent(const std::vector<OpenCache::Member>& closure) const {
  for (const OpenCache::Member& m : closure) {
    if (m.version.empty()) {
      absl::StatusOr<EnvironmentInfo> info = store_->GetEnvironment(m.ref);
      if (!info.ok() || info->etag != m.etag) return false;
    } else {
      absl::StatusOr<store::Definition> def = store_->ReadDefinition(m.ref, m.version);
      if (!def.ok() || def->etag != m.etag) return false;
    }
  }
  return true;
}

}  // namespace escnative::backend
