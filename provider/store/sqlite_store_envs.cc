// SqliteStore: the store itself (rekey, integrity), environments and revisions.
#include "provider/store/sqlite_store.h"

namespace escnative::store::internal {

absl::Status SqliteStore::Rekey(const crypto::Credential& old_credential,
                                const crypto::Credential& new_credential,
                                const crypto::KdfParams& params, absl::string_view actor) {
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<crypto::WrappedDataKey> current, LoadKeyring(db));
    if (!current.has_value()) return absl::DataLossError("store has no keyring");
    ASSIGN_OR_RETURN(crypto::WrappedDataKey next,
                     crypto::RewrapKeyring(*current, old_credential, new_credential, params));
    RETURN_IF_ERROR(SaveKeyring(db, next, NowUs()));
    return Audit(db, actor, "store.rekey", "store", "");
  });
}

absl::Status SqliteStore::IntegrityCheck() {
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  std::string problems;
  {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("PRAGMA integrity_check(20)"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const std::string line = st.Text(0);
      if (line != "ok") absl::StrAppend(&problems, line, "; ");
    }
  }
  {
    ASSIGN_OR_RETURN(Statement st, db.Prepare("PRAGMA foreign_key_check"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      absl::StrAppend(&problems, "foreign key violation in ", st.Text(0), "; ");
    }
  }
  if (!problems.empty()) {
    return absl::DataLossError(absl::StrCat("integrity check failed: ", problems));
  }
  return absl::OkStatus();
}
absl::StatusOr<EnvironmentInfo> SqliteStore::CreateEnvironment(const EnvironmentRef& ref,
                                                               absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  EnvironmentInfo info;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        absl::StatusOr<EnvRow> existing = LoadEnv(db, ref);
        if (existing.ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat("environment ", ref.ToString(), " already exists"));
        }
        if (!absl::IsNotFound(existing.status())) return existing.status();
        const int64_t now = NowUs();
        {
          ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO environments (org, project, name, "
                                                    "created_us, modified_us, latest_revision) "
                                                    "VALUES (?1, ?2, ?3, ?4, ?4, 0)"));
          st.Bind(1, ref.organization).Bind(2, ref.project).Bind(3, ref.name).Bind(4, now);
          RETURN_IF_ERROR(st.Run());
        }
        ASSIGN_OR_RETURN(EnvRow env, LoadEnvRowOnly(db, ref));
        // Revision 1 is the empty definition, as in ESC.
        ASSIGN_OR_RETURN(RevisionInfo rev, AppendRevision(db, env, "", actor));
        RETURN_IF_ERROR(Audit(db, actor, "environment.create", ref.ToString(), ""));
        info.ref = ref;
        info.created = info.modified = FromUs(now);
        info.latest_revision = rev.number;
        info.etag = rev.etag;
        return absl::OkStatus();
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return info;
}

absl::StatusOr<EnvironmentInfo> SqliteStore::GetEnvironment(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
  return ToInfo(ref, env);
}

absl::StatusOr<std::vector<EnvironmentInfo>> SqliteStore::ListEnvironments(
    absl::string_view organization, absl::string_view project) {
  RETURN_IF_ERROR(api::ValidateOrganizationName(organization, "listing environments"));
  if (!project.empty()) RETURN_IF_ERROR(api::ValidateProjectName(project, "listing environments"));
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  std::vector<EnvironmentInfo> out;
  if (absl::Status txn_status = RunReadTxn(
          db, retries_,
          [&]() -> absl::Status {
            out.clear();
            ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("SELECT e.project, e.name, e.created_us, e.modified_us, "
                                        "e.deletion_protected, e.latest_revision, r.etag "
                                        "FROM environments e JOIN revisions r "
                                        "ON r.env_id = e.id AND r.number = e.latest_revision "
                                        "WHERE e.org = ?1 AND (?2 = '' OR e.project = ?2) "
                                        "ORDER BY e.project, e.name"));
            st.Bind(1, organization).Bind(2, project);
            while (true) {
              ASSIGN_OR_RETURN(bool row, st.Step());
              if (!row) break;
              EnvironmentInfo info;
              info.ref = {std::string(organization), st.Text(0), st.Text(1)};
              info.created = FromUs(st.Int(2));
              info.modified = FromUs(st.Int(3));
              info.deletion_protected = st.Int(4) != 0;
              info.latest_revision = st.Int(5);
              info.etag = st.Text(6);
              out.push_back(std::move(info));
            }
            return absl::OkStatus();
          });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status SqliteStore::DeleteEnvironment(const EnvironmentRef& ref, absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    if (env.deletion_protected) {
      return absl::FailedPreconditionError(
          absl::StrCat("environment ", ref.ToString(),
                       " is deletion protected; turn deletion protection off first"));
    }
    ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM environments WHERE id = ?1"));
    st.Bind(1, env.id);
    RETURN_IF_ERROR(st.Run());
    return Audit(db, actor, "environment.delete", ref.ToString(), "");
  });
}

absl::Status SqliteStore::SetDeletionProtected(const EnvironmentRef& ref, bool is_protected,
                                               absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE environments SET deletion_protected "
                                              "= ?2, modified_us = ?3 WHERE id = ?1"));
    st.Bind(1, env.id).Bind(2, int64_t{is_protected ? 1 : 0}).Bind(3, NowUs());
    RETURN_IF_ERROR(st.Run());
    return Audit(db, actor, "environment.settings", ref.ToString(),
                 is_protected ? "deletionProtected=true" : "deletionProtected=false");
  });
}
absl::StatusOr<RevisionInfo> SqliteStore::UpdateDefinition(const EnvironmentRef& ref,
                                                           absl::string_view yaml,
                                                           const UpdateOptions& options) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(options.actor));
  RETURN_IF_ERROR(CheckNoPlaintextSecrets(yaml));
  RevisionInfo out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        RETURN_IF_ERROR(CheckEtag(ref, env, options));
        ASSIGN_OR_RETURN(out, AppendRevision(db, env, yaml, options.actor));
        return Audit(db, options.actor, "environment.update", ref.ToString(), options.audit_path,
                     JoinPaths(options.changed_paths));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<Definition> SqliteStore::ReadDefinition(const EnvironmentRef& ref,
                                                       absl::string_view version) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  Definition out;
  if (absl::Status txn_status =
          RunReadTxn(db, retries_,
                     [&]() -> absl::Status {
                       ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                       ASSIGN_OR_RETURN(int64_t number, ResolveVersion(db, ref, env, version));
                       ASSIGN_OR_RETURN(out, LoadDefinition(db, ref, env, number));
                       return absl::OkStatus();
                     });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<RevisionInfo> SqliteStore::GetRevision(const EnvironmentRef& ref, int64_t number) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  RevisionInfo out;
  if (absl::Status txn_status = RunReadTxn(db, retries_,
                                           [&]() -> absl::Status {
                                             ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
                                             ASSIGN_OR_RETURN(out,
                                                              LoadRevision(db, ref, env, number));
                                             return absl::OkStatus();
                                           });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<std::vector<RevisionInfo>> SqliteStore::ListRevisions(const EnvironmentRef& ref,
                                                                     std::optional<int64_t> before,
                                                                     int count) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  std::vector<RevisionInfo> out;
  if (absl::Status txn_status = RunReadTxn(
          db, retries_,
          [&]() -> absl::Status {
            out.clear();
            ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
            int64_t next = before.has_value() ? std::min(*before - 1, env.latest) : env.latest;
            for (; next >= 1 && (count <= 0 || static_cast<int>(out.size()) < count); --next) {
              ASSIGN_OR_RETURN(RevisionInfo rev, LoadRevision(db, ref, env, next));
              out.push_back(std::move(rev));
            }
            return absl::OkStatus();
          });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<RevisionInfo> SqliteStore::Rollback(const EnvironmentRef& ref,
                                                   absl::string_view version,
                                                   const UpdateOptions& options) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(options.actor));
  RevisionInfo out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        RETURN_IF_ERROR(CheckEtag(ref, env, options));
        ASSIGN_OR_RETURN(int64_t number, ResolveVersion(db, ref, env, version));
        ASSIGN_OR_RETURN(Definition def, LoadDefinition(db, ref, env, number));
        ASSIGN_OR_RETURN(out, AppendRevision(db, env, def.yaml, options.actor));
        return Audit(db, options.actor, "environment.rollback", ref.ToString(),
                     absl::StrCat("revision:", number), JoinPaths(options.changed_paths));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status SqliteStore::RetractRevision(const EnvironmentRef& ref, int64_t number,
                                          std::optional<int64_t> replacement,
                                          absl::string_view reason, absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    ASSIGN_OR_RETURN(RevisionInfo rev, LoadRevision(db, ref, env, number));
    if (number == env.latest) {
      return absl::FailedPreconditionError("cannot retract the latest revision");
    }
    if (rev.retraction.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", number, " of ", ref.ToString(), " is already retracted"));
    }
    int64_t target = 0;
    if (replacement.has_value()) {
      if (*replacement == number) {
        return absl::InvalidArgumentError("a revision cannot be its own replacement");
      }
      absl::StatusOr<RevisionInfo> r = LoadRevision(db, ref, env, *replacement);
      if (!r.ok() || r->retraction.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("replacement revision ", *replacement, " does not exist or is retracted"));
      }
      target = *replacement;
    } else {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT max(number) FROM revisions WHERE env_id = ?1 "
                                  "AND number < ?2 AND retracted_us IS NULL"));
      st.Bind(1, env.id).Bind(2, number);
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row || st.IsNull(0)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "revision ", number, " has no earlier non-retracted revision; name a replacement"));
      }
      target = st.Int(0);
    }
    const int64_t now = NowUs();
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("UPDATE revisions SET retracted_us = ?3, retracted_by "
                                  "= ?4, retraction_reason = ?5, replacement = ?6 "
                                  "WHERE env_id = ?1 AND number = ?2"));
      st.Bind(1, env.id).Bind(2, number).Bind(3, now).Bind(4, actor).Bind(5, reason).Bind(6,
                                                                                          target);
      RETURN_IF_ERROR(st.Run());
    }
    {
      ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("UPDATE revision_tags SET revision = ?3, modified_us = "
                                  "?4, editor = ?5 WHERE env_id = ?1 AND revision = ?2"));
      st.Bind(1, env.id).Bind(2, number).Bind(3, target).Bind(4, now).Bind(5, actor);
      RETURN_IF_ERROR(st.Run());
    }
    return Audit(db, actor, "revision.retract", ref.ToString(), absl::StrCat("revision:", number));
  });
}

}  // namespace escnative::store::internal
