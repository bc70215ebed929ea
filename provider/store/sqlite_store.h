// SqliteStore, the Store on one SQLite file: its class, shared by the files
// that define its operations (sqlite_store_envs.cc: the store, environments
// and revisions; sqlite_store_tags.cc: revision and environment tags;
// sqlite_store_tokens.cc: access tokens and audit). Store::Open (store_impl.cc)
// makes one; nothing else should include this.
#ifndef PROVIDER_STORE_SQLITE_STORE_H_
#define PROVIDER_STORE_SQLITE_STORE_H_

#include "provider/store/store_internal.h"

namespace escnative::store::internal {

// ---------------------------------------------------------------------------

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteDb> db, std::unique_ptr<SqliteDb> read_db, const Clock* clock,
              int retries, int schema_version, std::unique_ptr<crypto::Aead> secrets_aead,
              std::unique_ptr<crypto::AccessTokenHasher> hasher)
      : db_(std::move(db)),
        read_db_(std::move(read_db)),
        clock_(clock),
        retries_(retries),
        schema_version_(schema_version),
        secrets_aead_(std::move(secrets_aead)),
        hasher_(std::move(hasher)) {}

  int SchemaVersion() const override { return schema_version_; }
  const crypto::Aead& SecretsAead() const override { return *secrets_aead_; }

  absl::Status Rekey(const crypto::Credential& old_credential,
                     const crypto::Credential& new_credential, const crypto::KdfParams& params,
                     absl::string_view actor) override;

  absl::Status IntegrityCheck() override;

  // --- environments ----------------------------------------------------------

  absl::StatusOr<EnvironmentInfo> CreateEnvironment(const EnvironmentRef& ref,
                                                    absl::string_view actor) override;

  absl::StatusOr<EnvironmentInfo> GetEnvironment(const EnvironmentRef& ref) override;

  absl::StatusOr<std::vector<EnvironmentInfo>> ListEnvironments(absl::string_view organization,
                                                                absl::string_view project) override;

  absl::Status DeleteEnvironment(const EnvironmentRef& ref, absl::string_view actor) override;

  absl::Status SetDeletionProtected(const EnvironmentRef& ref, bool is_protected,
                                    absl::string_view actor) override;

  // --- revisions -------------------------------------------------------------

  absl::StatusOr<RevisionInfo> UpdateDefinition(const EnvironmentRef& ref, absl::string_view yaml,
                                                const UpdateOptions& options) override;

  absl::StatusOr<Definition> ReadDefinition(const EnvironmentRef& ref,
                                            absl::string_view version) override;

  absl::StatusOr<RevisionInfo> GetRevision(const EnvironmentRef& ref, int64_t number) override;

  absl::StatusOr<std::vector<RevisionInfo>> ListRevisions(const EnvironmentRef& ref,
                                                          std::optional<int64_t> before,
                                                          int count) override;

  absl::StatusOr<RevisionInfo> Rollback(const EnvironmentRef& ref, absl::string_view version,
                                        const UpdateOptions& options) override;

  absl::Status RetractRevision(const EnvironmentRef& ref, int64_t number,
                               std::optional<int64_t> replacement, absl::string_view reason,
                               absl::string_view actor) override;

  // --- revision tags ---------------------------------------------------------

  absl::StatusOr<RevisionTag> CreateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                std::optional<int64_t> revision,
                                                absl::string_view actor) override;

  absl::StatusOr<RevisionTag> UpdateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                int64_t revision, absl::string_view actor) override;

  absl::Status DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                 absl::string_view actor) override;

  absl::StatusOr<RevisionTag> GetRevisionTag(const EnvironmentRef& ref,
                                             absl::string_view name) override;

  absl::StatusOr<std::vector<RevisionTag>> ListRevisionTags(const EnvironmentRef& ref) override;

  // --- environment tags ------------------------------------------------------

  absl::StatusOr<EnvironmentTag> CreateEnvironmentTag(const EnvironmentRef& ref,
                                                      absl::string_view name,
                                                      absl::string_view value,
                                                      absl::string_view actor) override;

  absl::StatusOr<EnvironmentTag> UpdateEnvironmentTag(const EnvironmentRef& ref,
                                                      absl::string_view current_name,
                                                      absl::string_view new_name,
                                                      absl::string_view new_value,
                                                      absl::string_view actor) override;

  absl::Status DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                    absl::string_view actor) override;

  absl::StatusOr<EnvironmentTag> GetEnvironmentTag(const EnvironmentRef& ref,
                                                   absl::string_view name) override;

  absl::StatusOr<std::vector<EnvironmentTag>> ListEnvironmentTags(
      const EnvironmentRef& ref) override;

  // --- access tokens ---------------------------------------------------------

  absl::StatusOr<CreatedAccessToken> CreateAccessToken(const AccessTokenSpec& spec,
                                                       absl::string_view actor) override;

  absl::StatusOr<AccessToken> GetAccessToken(absl::string_view id) override;

  absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive) override;

  absl::Status RevokeAccessToken(absl::string_view id, absl::string_view actor) override;

  absl::StatusOr<AccessToken> VerifyAccessToken(absl::string_view value) override;

  // --- audit -----------------------------------------------------------------

  absl::Status AppendAuditEvent(absl::string_view actor, absl::string_view action,
                                absl::string_view target, absl::string_view path) override;

  absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) override;

 private:
  struct EnvRow {
    int64_t id = 0;
    int64_t latest = 0;
    bool deletion_protected = false;
    int64_t created_us = 0;
    int64_t modified_us = 0;
    std::string etag;  // of the latest revision
  };

  struct TokenRow {
    AccessToken token;
    std::string salt;
    std::string hash;
  };

  int64_t NowUs() const { return ToUs(clock_->Now()); }

  // One write waiting to be committed. Lives on the caller's stack.
  struct PendingWrite {
    const std::function<absl::Status(SqliteDb&)>* body;
    absl::Status result;
    bool done = false;
  };

  // Group commit: runs `body` in a durable write transaction and returns its
  // status once the transaction is on disk. Concurrent callers in this
  // process share transactions: the first waiter becomes the leader, takes
  // every queued write, runs each inside its own SAVEPOINT (so one write's
  // failure, e.g. a stale etag, rolls back only that write) and commits them
  // all with a single fsync. Each write still sees the effects of the writes
  // queued before it, exactly as if they had committed one after another.
  // Must be called without mu_ held; the leader takes it.
  absl::Status Commit(const std::function<absl::Status(SqliteDb&)>& body)
      ABSL_LOCKS_EXCLUDED(mu_, queue_mu_) {
    PendingWrite self{&body, absl::OkStatus(), false};
    queue_mu_.Lock();
    queue_.push_back(&self);
    auto can_proceed = [this, &self]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
      return self.done || (!leader_active_ && !queue_.empty() && queue_.front() == &self);
    };
    queue_mu_.Await(absl::Condition(&can_proceed));
    if (self.done) {
      queue_mu_.Unlock();
      return self.result;
    }
    leader_active_ = true;
    std::vector<PendingWrite*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    queue_mu_.Unlock();

    RunBatch(batch);

    queue_mu_.Lock();
    for (PendingWrite* w : batch) w->done = true;
    leader_active_ = false;
    queue_mu_.Unlock();
    return self.result;
  }

  void RunBatch(const std::vector<PendingWrite*>& batch) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    SqliteDb& db = *db_;
    absl::Status txn = RunWriteTxn(db, retries_, [&]() -> absl::Status {
      for (PendingWrite* w : batch) {
        RETURN_IF_ERROR(db.Run("SAVEPOINT write"));
        w->result = (*w->body)(db);
        if (sqlite3_get_autocommit(db.raw()) != 0) {
          // SQLite rolled the whole transaction back itself (I/O error, disk
          // full): nothing of the batch survives; fail it as a whole.
          return w->result.ok() ? absl::InternalError("write transaction was rolled back")
                                : w->result;
        }
        if (!w->result.ok()) RETURN_IF_ERROR(db.Run("ROLLBACK TO write"));
        RETURN_IF_ERROR(db.Run("RELEASE write"));
      }
      return absl::OkStatus();
    });
    if (!txn.ok()) {
      // Nothing was committed: every write in the batch reports the failure.
      for (PendingWrite* w : batch) {
        if (w->result.ok()) w->result = txn;
      }
    }
  }

  absl::Status Audit(SqliteDb& db, absl::string_view actor, absl::string_view action,
                     absl::string_view target, absl::string_view path,
                     absl::string_view paths = "") {
    return InsertAudit(db, NowUs(), actor, action, target, path, paths);
  }

  EnvironmentInfo ToInfo(const EnvironmentRef& ref, const EnvRow& env) const {
    EnvironmentInfo info;
    info.ref = ref;
    info.created = FromUs(env.created_us);
    info.modified = FromUs(env.modified_us);
    info.deletion_protected = env.deletion_protected;
    info.latest_revision = env.latest;
    info.etag = env.etag;
    return info;
  }

  RevisionTag LatestTag(const EnvRow& env) const {
    return {std::string(kLatest), env.latest, FromUs(env.created_us), FromUs(env.modified_us), ""};
  }

  absl::StatusOr<EnvRow> LoadEnvRowOnly(SqliteDb& db, const EnvironmentRef& ref) {
    return LoadEnvRow(db, ref, /*with_etag=*/false);
  }

  absl::StatusOr<EnvRow> LoadEnv(SqliteDb& db, const EnvironmentRef& ref) {
    return LoadEnvRow(db, ref, /*with_etag=*/true);
  }

  // The environment's row; with `with_etag` also its latest revision's etag,
  // which needs a join on revisions (LoadEnvRowOnly serves callers that may
  // run before that revision exists).
  absl::StatusOr<EnvRow> LoadEnvRow(SqliteDb& db, const EnvironmentRef& ref, bool with_etag) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare(with_etag
                                    ? "SELECT e.id, e.latest_revision, e.deletion_protected, "
                                      "e.created_us, e.modified_us, r.etag FROM environments e "
                                      "JOIN revisions r ON r.env_id = e.id AND "
                                      "r.number = e.latest_revision "
                                      "WHERE e.org = ?1 AND e.project = ?2 AND e.name = ?3"
                                    : "SELECT id, latest_revision, deletion_protected, "
                                      "created_us, modified_us FROM environments "
                                      "WHERE org = ?1 AND project = ?2 AND name = ?3"));
    st.Bind(1, ref.organization).Bind(2, ref.project).Bind(3, ref.name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("environment ", ref.ToString(), " not found"));
    }
    EnvRow env;
    env.id = st.Int(0);
    env.latest = st.Int(1);
    env.deletion_protected = st.Int(2) != 0;
    env.created_us = st.Int(3);
    env.modified_us = st.Int(4);
    if (with_etag) env.etag = st.Text(5);
    return env;
  }

  absl::Status CheckEtag(const EnvironmentRef& ref, const EnvRow& env,
                         const UpdateOptions& options) const {
    if (options.etag.has_value() && *options.etag != env.etag) {
      return absl::AbortedError(absl::StrCat("etag mismatch: environment ", ref.ToString(),
                                             " has changed since it was read (now at revision ",
                                             env.latest, "); re-read it and retry"));
    }
    return absl::OkStatus();
  }

  // Inserts revision latest+1 and makes it the latest.
  absl::StatusOr<RevisionInfo> AppendRevision(SqliteDb& db, EnvRow& env, absl::string_view yaml,
                                              absl::string_view creator) {
    RevisionInfo rev;
    rev.number = env.latest + 1;
    rev.etag = crypto::RandomHex(16);
    rev.creator = std::string(creator);
    const int64_t now = NowUs();
    rev.created = FromUs(now);
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("INSERT INTO revisions (env_id, number, definition, etag, "
                                  "creator, created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
      st.Bind(1, env.id)
          .Bind(2, rev.number)
          .Bind(3, yaml)
          .Bind(4, rev.etag)
          .Bind(5, creator)
          .Bind(6, now);
      RETURN_IF_ERROR(st.Run());
    }
    {
      ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE environments SET latest_revision = ?2, "
                                                "modified_us = ?3 WHERE id = ?1"));
      st.Bind(1, env.id).Bind(2, rev.number).Bind(3, now);
      RETURN_IF_ERROR(st.Run());
    }
    env.latest = rev.number;
    env.etag = rev.etag;
    env.modified_us = now;
    rev.tags.push_back(std::string(kLatest));
    return rev;
  }

  absl::StatusOr<int64_t> ResolveVersion(SqliteDb& db, const EnvironmentRef& ref, const EnvRow& env,
                                         absl::string_view version) {
    if (version.empty() || version == kLatest) return env.latest;
    if (absl::ascii_isdigit(static_cast<unsigned char>(version[0]))) {
      int64_t number = 0;
      if (!absl::SimpleAtoi(version, &number) || number < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("version \"", version, "\" is not a revision number or tag name"));
      }
      return number;
    }
    absl::StatusOr<RevisionTag> tag = LoadRevisionTag(db, env, version);
    if (!tag.ok()) {
      if (absl::IsNotFound(tag.status())) {
        return absl::NotFoundError(
            absl::StrCat("revision tag ", version, " not found on ", ref.ToString()));
      }
      return tag.status();
    }
    return tag->revision;
  }

  absl::StatusOr<Definition> LoadDefinition(SqliteDb& db, const EnvironmentRef& ref,
                                            const EnvRow& env, int64_t number) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT definition, etag, retracted_us FROM revisions "
                                "WHERE env_id = ?1 AND number = ?2"));
    st.Bind(1, env.id).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " not found"));
    }
    if (!st.IsNull(2)) {
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " is retracted"));
    }
    return Definition{st.Text(0), number, st.Text(1)};
  }

  absl::StatusOr<RevisionInfo> LoadRevision(SqliteDb& db, const EnvironmentRef& ref,
                                            const EnvRow& env, int64_t number) {
    RevisionInfo rev;
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT etag, creator, created_us, retracted_us, "
                                  "retracted_by, retraction_reason, replacement "
                                  "FROM revisions WHERE env_id = ?1 AND number = ?2"));
      st.Bind(1, env.id).Bind(2, number);
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) {
        return absl::NotFoundError(
            absl::StrCat("revision ", number, " of ", ref.ToString(), " not found"));
      }
      rev.number = number;
      rev.etag = st.Text(0);
      rev.creator = st.Text(1);
      rev.created = FromUs(st.Int(2));
      if (!st.IsNull(3)) {
        rev.retraction = Retraction{st.Int(6), FromUs(st.Int(3)), st.Text(4), st.Text(5)};
      }
    }
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT name FROM revision_tags WHERE env_id = "
                                              "?1 AND revision = ?2 ORDER BY name"));
    st.Bind(1, env.id).Bind(2, number);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      rev.tags.push_back(st.Text(0));
    }
    if (number == env.latest) rev.tags.push_back(std::string(kLatest));
    return rev;
  }

  // A tag may point at any existing, non-retracted revision.
  absl::Status CheckTaggable(SqliteDb& db, const EnvironmentRef& ref, const EnvRow& env,
                             int64_t number) {
    absl::StatusOr<RevisionInfo> rev = LoadRevision(db, ref, env, number);
    if (!rev.ok()) return rev.status();
    if (rev->retraction.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " is retracted"));
    }
    return absl::OkStatus();
  }

  // Both kinds of tags are rows keyed (env_id, name) in their own table, so
  // deleting one is the same steps for either kind.
  struct TagKind {
    const char* table;         // "revision_tags" | "environment_tags"
    const char* noun;          // in NotFound: "revision tag" | "environment tag"
    const char* audit_action;  // "revision_tag.delete" | "environment_tag.delete"
  };
  static constexpr TagKind kRevisionTags{"revision_tags", "revision tag", "revision_tag.delete"};
  static constexpr TagKind kEnvironmentTags{"environment_tags", "environment tag",
                                            "environment_tag.delete"};
  absl::Status DeleteTag(const EnvironmentRef& ref, absl::string_view name,
                         absl::string_view actor, const TagKind& kind);

  // `body(db, &out)` in one read transaction on the read connection (retried
  // while the database is busy); `out` starts empty on every attempt.
  template <typename T, typename Fn>
  absl::StatusOr<T> ReadInTxn(Fn&& body) ABSL_LOCKS_EXCLUDED(read_mu_) {
    absl::MutexLock lock(&read_mu_);
    SqliteDb& db = *read_db_;
    T out;
    RETURN_IF_ERROR(RunReadTxn(db, retries_, [&]() -> absl::Status {
      out = T();
      return body(db, &out);
    }));
    return out;
  }

  absl::StatusOr<RevisionTag> LoadRevisionTag(SqliteDb& db, const EnvRow& env,
                                              absl::string_view name) {
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT revision, created_us, modified_us, editor FROM "
                                "revision_tags WHERE env_id = ?1 AND name = ?2"));
    st.Bind(1, env.id).Bind(2, name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("revision tag ", name, " not found"));
    }
    return RevisionTag{std::string(name), st.Int(0), FromUs(st.Int(1)), FromUs(st.Int(2)),
                       st.Text(3)};
  }

  absl::StatusOr<EnvironmentTag> LoadEnvTag(SqliteDb& db, const EnvRow& env,
                                            absl::string_view name) {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT value, created_us, modified_us, editor FROM "
                                              "environment_tags WHERE env_id = ?1 AND name = ?2"));
    st.Bind(1, env.id).Bind(2, name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("environment tag ", name, " not found"));
    }
    return EnvironmentTag{std::string(name), st.Text(0), FromUs(st.Int(1)), FromUs(st.Int(2)),
                          st.Text(3)};
  }

  absl::StatusOr<TokenRow> LoadToken(SqliteDb& db, absl::string_view id) {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT kind, name, description, scopes, salt, hash, "
                                              "created_by, created_us, expires_us, last_used_us, "
                                              "revoked_us FROM access_tokens WHERE id = ?1"));
    st.Bind(1, id);
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("access token ", id, " not found"));
    }
    TokenRow out;
    out.token.id = std::string(id);
    out.token.kind = st.Text(0);
    out.token.name = st.Text(1);
    out.token.description = st.Text(2);
    ASSIGN_OR_RETURN(out.token.scopes, ScopesFromJson(st.Text(3)));
    out.salt = st.Blob(4);
    out.hash = st.Blob(5);
    out.token.created_by = st.Text(6);
    out.token.created = FromUs(st.Int(7));
    out.token.expires_at = FromOptUs(st.OptionalInt(8));
    out.token.last_used = FromOptUs(st.OptionalInt(9));
    out.token.revoked_at = FromOptUs(st.OptionalInt(10));
    return out;
  }

  // One connection serialised by mu_: SQLite connections are not safe for
  // concurrent use, and the write lock is per file anyway.
  static constexpr size_t kMaxBatch = 64;

  // Two connections: writes (batched by Commit) go through db_, everything
  // else through read_db_. In WAL mode a reader never waits for a writer, so
  // reads are not stuck behind a batch's fsync. Each connection is used by
  // one thread at a time, under its own mutex.
  absl::Mutex mu_;
  const std::unique_ptr<SqliteDb> db_ ABSL_PT_GUARDED_BY(mu_);
  absl::Mutex read_mu_;
  const std::unique_ptr<SqliteDb> read_db_ ABSL_PT_GUARDED_BY(read_mu_);
  // Group-commit queue; see Commit(). Lock order: queue_mu_ is never held
  // while taking mu_.
  absl::Mutex queue_mu_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leader_active_ ABSL_GUARDED_BY(queue_mu_) = false;
  const Clock* const clock_;
  const int retries_;
  const int schema_version_;
  const std::unique_ptr<crypto::Aead> secrets_aead_;
  const std::unique_ptr<crypto::AccessTokenHasher> hasher_;
};

}  // namespace escnative::store::internal

#endif  // PROVIDER_STORE_SQLITE_STORE_H_
