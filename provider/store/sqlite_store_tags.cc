// SqliteStore: revision tags and environment tags.
#include "provider/store/sqlite_store.h"

namespace escnative::store::internal {

absl::StatusOr<RevisionTag> SqliteStore::CreateRevisionTag(const EnvironmentRef& ref,
                                                           absl::string_view name,
                                                           std::optional<int64_t> revision,
                                                           absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  if (name == kLatest) {
    return absl::AlreadyExistsError("the revision tag \"latest\" is built in");
  }
  RETURN_IF_ERROR(ValidateRevisionTagName(name));
  RevisionTag out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        if (LoadRevisionTag(db, env, name).ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat("revision tag ", name, " already exists on ", ref.ToString()));
        }
        const int64_t number = revision.value_or(env.latest);
        RETURN_IF_ERROR(CheckTaggable(db, ref, env, number));
        const int64_t now = NowUs();
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("INSERT INTO revision_tags (env_id, name, revision, "
                                    "created_us, modified_us, editor) "
                                    "VALUES (?1, ?2, ?3, ?4, ?4, ?5)"));
        st.Bind(1, env.id).Bind(2, name).Bind(3, number).Bind(4, now).Bind(5, actor);
        RETURN_IF_ERROR(st.Run());
        out = {std::string(name), number, FromUs(now), FromUs(now), std::string(actor)};
        return Audit(db, actor, "revision_tag.create", ref.ToString(), absl::StrCat("tag:", name));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<RevisionTag> SqliteStore::UpdateRevisionTag(const EnvironmentRef& ref,
                                                           absl::string_view name, int64_t revision,
                                                           absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  RETURN_IF_ERROR(ValidateRevisionTagName(name));
  RevisionTag out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        ASSIGN_OR_RETURN(out, LoadRevisionTag(db, env, name));
        RETURN_IF_ERROR(CheckTaggable(db, ref, env, revision));
        const int64_t now = NowUs();
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("UPDATE revision_tags SET revision = ?3, modified_us = "
                                    "?4, editor = ?5 WHERE env_id = ?1 AND name = ?2"));
        st.Bind(1, env.id).Bind(2, name).Bind(3, revision).Bind(4, now).Bind(5, actor);
        RETURN_IF_ERROR(st.Run());
        out.revision = revision;
        out.modified = FromUs(now);
        out.editor = std::string(actor);
        return Audit(db, actor, "revision_tag.update", ref.ToString(), absl::StrCat("tag:", name));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status SqliteStore::DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                            absl::string_view actor) {
  RETURN_IF_ERROR(ValidateRevisionTagName(name));
  return DeleteTag(ref, name, actor, kRevisionTags);
}

absl::Status SqliteStore::DeleteTag(const EnvironmentRef& ref, absl::string_view name,
                                    absl::string_view actor, const TagKind& kind) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    // The table names are constants of this file, never input.
    ASSIGN_OR_RETURN(Statement st, db.Prepare(absl::StrCat("DELETE FROM ", kind.table,
                                                           " WHERE env_id = ?1 AND name = ?2")));
    st.Bind(1, env.id).Bind(2, name);
    RETURN_IF_ERROR(st.Run());
    if (db.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat(kind.noun, " ", name, " not found"));
    }
    return Audit(db, actor, kind.audit_action, ref.ToString(), absl::StrCat("tag:", name));
  });
}

absl::StatusOr<RevisionTag> SqliteStore::GetRevisionTag(const EnvironmentRef& ref,
                                                        absl::string_view name) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  return ReadInTxn<RevisionTag>([&](SqliteDb& db, RevisionTag* out) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    if (name == kLatest) {
      *out = LatestTag(env);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(*out, LoadRevisionTag(db, env, name));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RevisionTag>> SqliteStore::ListRevisionTags(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  using Tags = std::vector<RevisionTag>;
  return ReadInTxn<Tags>([&](SqliteDb& db, Tags* out) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT name, revision, created_us, modified_us, editor "
                                "FROM revision_tags WHERE env_id = ?1 ORDER BY name"));
    st.Bind(1, env.id);
    bool latest_added = false;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      RevisionTag t{st.Text(0), st.Int(1), FromUs(st.Int(2)), FromUs(st.Int(3)), st.Text(4)};
      if (!latest_added && t.name > kLatest) {
        out->push_back(LatestTag(env));
        latest_added = true;
      }
      out->push_back(std::move(t));
    }
    if (!latest_added) out->push_back(LatestTag(env));
    return absl::OkStatus();
  });
}
absl::StatusOr<EnvironmentTag> SqliteStore::CreateEnvironmentTag(const EnvironmentRef& ref,
                                                                 absl::string_view name,
                                                                 absl::string_view value,
                                                                 absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  RETURN_IF_ERROR(ValidateEnvironmentTag(name, value));
  EnvironmentTag out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        if (LoadEnvTag(db, env, name).ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat("environment tag ", name, " already exists on ", ref.ToString()));
        }
        const int64_t now = NowUs();
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("INSERT INTO environment_tags (env_id, name, value, "
                                    "created_us, modified_us, editor) "
                                    "VALUES (?1, ?2, ?3, ?4, ?4, ?5)"));
        st.Bind(1, env.id).Bind(2, name).Bind(3, value).Bind(4, now).Bind(5, actor);
        RETURN_IF_ERROR(st.Run());
        out = {std::string(name), std::string(value), FromUs(now), FromUs(now), std::string(actor)};
        return Audit(db, actor, "environment_tag.create", ref.ToString(),
                     absl::StrCat("tag:", name));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::StatusOr<EnvironmentTag> SqliteStore::UpdateEnvironmentTag(const EnvironmentRef& ref,
                                                                 absl::string_view current_name,
                                                                 absl::string_view new_name,
                                                                 absl::string_view new_value,
                                                                 absl::string_view actor) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  RETURN_IF_ERROR(ValidateActor(actor));
  RETURN_IF_ERROR(ValidateEnvironmentTag(new_name, new_value));
  EnvironmentTag out;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
        ASSIGN_OR_RETURN(out, LoadEnvTag(db, env, current_name));
        if (new_name != current_name && LoadEnvTag(db, env, new_name).ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat("environment tag ", new_name, " already exists on ", ref.ToString()));
        }
        const int64_t now = NowUs();
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("UPDATE environment_tags SET name = ?3, value = ?4, "
                                    "modified_us = ?5, editor = ?6 "
                                    "WHERE env_id = ?1 AND name = ?2"));
        st.Bind(1, env.id)
            .Bind(2, current_name)
            .Bind(3, new_name)
            .Bind(4, new_value)
            .Bind(5, now)
            .Bind(6, actor);
        RETURN_IF_ERROR(st.Run());
        out.name = std::string(new_name);
        out.value = std::string(new_value);
        out.modified = FromUs(now);
        out.editor = std::string(actor);
        return Audit(db, actor, "environment_tag.update", ref.ToString(),
                     absl::StrCat("tag:", current_name));
      });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status SqliteStore::DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                               absl::string_view actor) {
  return DeleteTag(ref, name, actor, kEnvironmentTags);
}

absl::StatusOr<EnvironmentTag> SqliteStore::GetEnvironmentTag(const EnvironmentRef& ref,
                                                              absl::string_view name) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  return ReadInTxn<EnvironmentTag>([&](SqliteDb& db, EnvironmentTag* out) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    ASSIGN_OR_RETURN(*out, LoadEnvTag(db, env, name));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<EnvironmentTag>> SqliteStore::ListEnvironmentTags(
    const EnvironmentRef& ref) {
  RETURN_IF_ERROR(ValidateEnvironmentRef(ref));
  using Tags = std::vector<EnvironmentTag>;
  return ReadInTxn<Tags>([&](SqliteDb& db, Tags* out) -> absl::Status {
    ASSIGN_OR_RETURN(EnvRow env, LoadEnv(db, ref));
    ASSIGN_OR_RETURN(Statement st,
                     db.Prepare("SELECT name, value, created_us, modified_us, editor "
                                "FROM environment_tags WHERE env_id = ?1 ORDER BY name"));
    st.Bind(1, env.id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out->push_back({st.Text(0), st.Text(1), FromUs(st.Int(2)), FromUs(st.Int(3)), st.Text(4)});
    }
    return absl::OkStatus();
  });
}

}  // namespace escnative::store::internal
