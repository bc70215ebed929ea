// SqliteStore: access tokens and the audit log.
#include "provider/store/sqlite_store.h"

#include "absl/strings/str_cat.h"

namespace escnative::store::internal {

absl::StatusOr<CreatedAccessToken> SqliteStore::CreateAccessToken(const AccessTokenSpec& spec,
                                                                  absl::string_view actor) {
  RETURN_IF_ERROR(ValidateActor(actor));
  if (spec.kind != "personal" && spec.kind != "team" && spec.kind != "organization" &&
      spec.kind != "environment") {
    return absl::InvalidArgumentError(absl::StrCat(
        "token kind \"", spec.kind, "\" is not one of personal, team, organization, environment"));
  }
  if (spec.name.size() > 100) {
    return absl::InvalidArgumentError("token name is longer than 100 characters");
  }
  if (spec.description.size() > 1000) {
    return absl::InvalidArgumentError("token description is longer than 1000 characters");
  }
  if (spec.kind == "environment" && spec.scopes.empty()) {
    return absl::InvalidArgumentError("an environment token needs at least one scope");
  }
  for (const TokenScope& s : spec.scopes) {
    RETURN_IF_ERROR(ValidateScopePattern(s.environment));
    RETURN_IF_ERROR(ParsePermission(PermissionName(s.permission)).status());
  }
  const absl::Time now = clock_->Now();
  if (spec.expires_at.has_value() && *spec.expires_at <= now) {
    return absl::InvalidArgumentError("token expiry must be in the future");
  }
  crypto::GeneratedAccessToken generated = crypto::GenerateAccessToken();
  const std::string salt = crypto::AccessTokenHasher::NewSalt();
  const std::string hash = hasher_->Hash(generated.value.Reveal(), salt);

  CreatedAccessToken out;
  out.token.id = generated.id;
  out.token.kind = spec.kind;
  out.token.name = spec.name;
  out.token.description = spec.description;
  out.token.scopes = spec.scopes;
  out.token.created_by = std::string(actor);
  out.token.created = FromUs(ToUs(now));
  out.token.expires_at = spec.expires_at;
  if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
        ASSIGN_OR_RETURN(Statement st,
                         db.Prepare("INSERT INTO access_tokens (id, kind, name, description, "
                                    "scopes, salt, hash, created_by, created_us, expires_us) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
        std::optional<int64_t> expires;
        if (spec.expires_at.has_value()) expires = ToUs(*spec.expires_at);
        st.Bind(1, generated.id)
            .Bind(2, spec.kind)
            .Bind(3, spec.name)
            .Bind(4, spec.description)
            .Bind(5, ScopesToJson(spec.scopes))
            .BindBlob(6, salt)
            .BindBlob(7, hash)
            .Bind(8, actor)
            .Bind(9, ToUs(now))
            .Bind(10, expires);
        RETURN_IF_ERROR(st.Run());
        return Audit(db, actor, "token.create", absl::StrCat("token:", generated.id), "");
      });
      !txn_status.ok()) {
    return txn_status;
  }
  out.value = std::move(generated.value);
  return out;
}

absl::StatusOr<AccessToken> SqliteStore::GetAccessToken(absl::string_view id) {
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
  return std::move(row.token);
}

absl::StatusOr<std::vector<AccessToken>> SqliteStore::ListAccessTokens(bool include_inactive) {
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  const int64_t now = NowUs();
  std::vector<AccessToken> out;
  if (absl::Status txn_status =
          RunReadTxn(db, retries_,
                     [&]() -> absl::Status {
                       out.clear();
                       ASSIGN_OR_RETURN(Statement st,
                                        db.Prepare("SELECT id FROM access_tokens WHERE ?1 OR "
                                                   "(revoked_us IS NULL AND (expires_us IS NULL OR "
                                                   "expires_us > ?2)) ORDER BY created_us, id"));
                       st.Bind(1, int64_t{include_inactive ? 1 : 0}).Bind(2, now);
                       std::vector<std::string> ids;
                       while (true) {
                         ASSIGN_OR_RETURN(bool row, st.Step());
                         if (!row) break;
                         ids.push_back(st.Text(0));
                       }
                       for (const std::string& id : ids) {
                         ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
                         out.push_back(std::move(row.token));
                       }
                       return absl::OkStatus();
                     });
      !txn_status.ok()) {
    return txn_status;
  }
  return out;
}

absl::Status SqliteStore::RevokeAccessToken(absl::string_view id, absl::string_view actor) {
  RETURN_IF_ERROR(ValidateActor(actor));
  return Commit([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(TokenRow row, LoadToken(db, id));
    if (row.token.revoked_at.has_value()) return absl::OkStatus();
    ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE access_tokens SET revoked_us = ?2 "
                                              "WHERE id = ?1"));
    st.Bind(1, id).Bind(2, NowUs());
    RETURN_IF_ERROR(st.Run());
    return Audit(db, actor, "token.revoke", absl::StrCat("token:", id), "");
  });
}

absl::StatusOr<AccessToken> SqliteStore::VerifyAccessToken(absl::string_view value) {
  absl::StatusOr<std::string> id = crypto::AccessTokenIdFromValue(value);
  if (!id.ok()) return absl::UnauthenticatedError(kInvalidToken);
  absl::StatusOr<TokenRow> row;
  {
    absl::MutexLock lock(&read_mu_);
    row = LoadToken(*read_db_, *id);
  }
  if (!row.ok()) {
    if (absl::IsNotFound(row.status())) {
      return absl::UnauthenticatedError(kInvalidToken);
    }
    return row.status();
  }
  const absl::Time now = clock_->Now();
  if (!hasher_->Verify(value, row->salt, row->hash) || row->token.revoked_at.has_value() ||
      (row->token.expires_at.has_value() && *row->token.expires_at <= now)) {
    return absl::UnauthenticatedError(kInvalidToken);
  }
  // Record use, but not on every request: a durable write per verification
  // would make reads as expensive as writes.
  if (!row->token.last_used.has_value() || now - *row->token.last_used >= kLastUsedGranularity) {
    const int64_t now_us = ToUs(now);
    if (absl::Status txn_status = Commit([&](SqliteDb& db) -> absl::Status {
          ASSIGN_OR_RETURN(Statement st, db.Prepare("UPDATE access_tokens SET last_used_us = "
                                                    "?2 WHERE id = ?1"));
          st.Bind(1, *id).Bind(2, now_us);
          return st.Run();
        });
        !txn_status.ok()) {
      return txn_status;
    }
    row->token.last_used = FromUs(now_us);
  }
  return std::move(row->token);
}
absl::Status SqliteStore::AppendAuditEvent(absl::string_view actor, absl::string_view action,
                                           absl::string_view target, absl::string_view path) {
  RETURN_IF_ERROR(ValidateActor(actor));
  if (action.empty()) return absl::InvalidArgumentError("audit action must not be empty");
  return Commit([&](SqliteDb& db) { return Audit(db, actor, action, target, path); });
}

absl::StatusOr<std::vector<AuditEvent>> SqliteStore::ListAuditEvents(const AuditQuery& query) {
  if (query.limit <= 0) return absl::InvalidArgumentError("audit limit must be positive");
  absl::MutexLock lock(&read_mu_);
  SqliteDb& db = *read_db_;
  std::vector<AuditEvent> out;
  // ORDER BY cannot be bound: one statement per direction.
  ASSIGN_OR_RETURN(Statement st,
                   db.Prepare(absl::StrCat("SELECT seq, time_us, actor, action, target, path, paths "
                                           "FROM audit_log WHERE seq > ?1 "
                                           "AND (?2 = '' OR actor = ?2) AND (?3 = '' OR action = ?3) "
                                           "AND (?4 = '' OR substr(target, 1, length(?4)) = ?4) "
                                           "AND time_us >= ?5 AND time_us < ?6 AND seq < ?7 "
                                           "ORDER BY seq ",
                                           query.newest_first ? "DESC" : "ASC", " LIMIT ?8")));
  st.Bind(1, query.after_sequence)
      .Bind(2, query.actor)
      .Bind(3, query.action)
      .Bind(4, query.target_prefix)
      .Bind(5, query.since.has_value() ? ToUs(*query.since) : std::numeric_limits<int64_t>::min())
      .Bind(6, query.before.has_value() ? ToUs(*query.before) : std::numeric_limits<int64_t>::max())
      .Bind(7, query.before_sequence > 0 ? query.before_sequence
                                         : std::numeric_limits<int64_t>::max())
      .Bind(8, int64_t{query.limit});
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    AuditEvent e{st.Int(0), FromUs(st.Int(1)), st.Text(2), st.Text(3), st.Text(4), st.Text(5), {}};
    std::string paths = st.Text(6);
    if (!paths.empty()) e.paths = absl::StrSplit(paths, '\n');
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace escnative::store::internal
