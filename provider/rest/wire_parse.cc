// Reading the wire shapes of wire.h back into store and esc types: what a
// REST client (the cloud backend) does with response bodies.
#include <utility>

#include "absl/strings/str_cat.h"
#include "provider/rest/wire.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

constexpr int kMaxValueDepth = 128;

absl::Status Bad(absl::string_view what, absl::string_view field, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": field \"", field, "\" must be ", expected));
}

absl::StatusOr<std::string> Str(const nlohmann::json& j, const char* field, absl::string_view what,
                                bool required = true) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return Bad(what, field, "a string");
    return std::string();
  }
  if (!it->is_string()) return Bad(what, field, "a string");
  return it->get<std::string>();
}

absl::StatusOr<int64_t> Int(const nlohmann::json& j, const char* field, absl::string_view what,
                            bool required = true) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return Bad(what, field, "an integer");
    return 0;
  }
  if (!it->is_number_integer()) return Bad(what, field, "an integer");
  return it->get<int64_t>();
}

// An optional time member; the epoch when absent or in a format we do not
// know (times are informational: a service's format change must not break
// every read).
absl::StatusOr<absl::Time> Time(const nlohmann::json& j, const char* field,
                                absl::string_view what) {
  ASSIGN_OR_RETURN(std::string text, Str(j, field, what, /*required=*/false));
  if (text.empty()) return absl::UnixEpoch();
  absl::StatusOr<absl::Time> t = ParseTimeString(text);
  return t.ok() ? *t : absl::UnixEpoch();
}

absl::Status Object(const nlohmann::json& j, absl::string_view what) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(what, " must be an object"));
  return absl::OkStatus();
}

esc::Pos PosFrom(const nlohmann::json& j) {
  esc::Pos p;
  if (!j.is_object()) return p;
  auto num = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  p.line = num("line");
  p.column = num("column");
  p.byte = num("byte");
  return p;
}

esc::Range RangeFrom(const nlohmann::json& j) {
  esc::Range r;
  if (!j.is_object()) return r;
  if (j.contains("environment") && j["environment"].is_string()) {
    r.environment = j["environment"].get<std::string>();
  }
  if (j.contains("begin")) r.begin = PosFrom(j["begin"]);
  if (j.contains("end")) r.end = PosFrom(j["end"]);
  return r;
}

absl::StatusOr<esc::ValuePtr> ValueFrom(const nlohmann::json& j, int depth) {
  if (depth > kMaxValueDepth) {
    return absl::InvalidArgumentError("environment value: nested too deeply");
  }
  if (!j.is_object()) return absl::InvalidArgumentError("environment value: expected an object");
  esc::Range def;
  if (auto t = j.find("trace"); t != j.end() && t->is_object() && t->contains("def")) {
    def = RangeFrom((*t)["def"]);
  }
  bool secret = j.value("secret", false) == true;
  esc::ValuePtr v;
  if (j.value("unknown", false) == true) {
    v = esc::MakeUnknown(def);
  } else {
    auto it = j.find("value");
    const nlohmann::json null_json;
    const nlohmann::json& raw = it == j.end() ? null_json : *it;
    switch (raw.type()) {
      case nlohmann::json::value_t::null:
        v = esc::MakeNull(def);
        break;
      case nlohmann::json::value_t::boolean:
        v = esc::MakeBool(raw.get<bool>(), def);
        break;
      case nlohmann::json::value_t::number_integer:
      case nlohmann::json::value_t::number_unsigned:
      case nlohmann::json::value_t::number_float:
        v = esc::MakeNumber(raw.dump(), def);
        break;
      case nlohmann::json::value_t::string:
        v = esc::MakeString(raw.get<std::string>(), def);
        break;
      case nlohmann::json::value_t::array: {
        std::vector<esc::ValuePtr> items;
        for (const auto& e : raw) {
          ASSIGN_OR_RETURN(esc::ValuePtr item, ValueFrom(e, depth + 1));
          items.push_back(std::move(item));
        }
        v = esc::MakeArray(std::move(items), def);
        break;
      }
      case nlohmann::json::value_t::object: {
        std::map<std::string, esc::ValuePtr> props;
        for (auto e = raw.begin(); e != raw.end(); ++e) {
          ASSIGN_OR_RETURN(esc::ValuePtr item, ValueFrom(e.value(), depth + 1));
          props[e.key()] = std::move(item);
        }
        v = esc::MakeObject(std::move(props), def);
        break;
      }
      default:
        return absl::InvalidArgumentError("environment value: unexpected JSON type");
    }
  }
  if (secret) v = esc::MarkSecret(v, /*deep=*/false);
  return v;
}

}  // namespace

absl::StatusOr<absl::Time> ParseTimeString(absl::string_view text) {
  absl::Time t;
  std::string err;
  // RFC 3339, or "2024-04-04 16:35:49.000" (UTC) as some services write it.
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%d %H:%M:%E*S"}) {
    if (absl::ParseTime(format, std::string(text), absl::UTCTimeZone(), &t, &err)) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat("not an RFC 3339 time: ", err));
}

absl::StatusOr<api::EnvironmentInfo> OrgEnvironmentFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "environment list entry";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::EnvironmentInfo info;
  ASSIGN_OR_RETURN(info.ref.organization, Str(j, "organization", kWhat, /*required=*/false));
  ASSIGN_OR_RETURN(info.ref.project, Str(j, "project", kWhat));
  ASSIGN_OR_RETURN(info.ref.name, Str(j, "name", kWhat));
  ASSIGN_OR_RETURN(info.created, Time(j, "created", kWhat));
  ASSIGN_OR_RETURN(info.modified, Time(j, "modified", kWhat));
  info.deletion_protected = j.value("deletionProtected", false) == true;
  return info;
}

absl::StatusOr<api::RevisionInfo> RevisionFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "environment revision";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::RevisionInfo rev;
  ASSIGN_OR_RETURN(rev.number, Int(j, "number", kWhat));
  ASSIGN_OR_RETURN(rev.created, Time(j, "created", kWhat));
  ASSIGN_OR_RETURN(rev.creator, Str(j, "creatorLogin", kWhat, /*required=*/false));
  if (auto tags = j.find("tags"); tags != j.end() && tags->is_array()) {
    for (const auto& t : *tags) {
      if (t.is_string()) rev.tags.push_back(t.get<std::string>());
    }
  }
  if (auto r = j.find("retracted"); r != j.end() && r->is_object()) {
    api::Retraction ret;
    ASSIGN_OR_RETURN(ret.replacement, Int(*r, "replacement", kWhat, /*required=*/false));
    ASSIGN_OR_RETURN(ret.at, Time(*r, "at", kWhat));
    ASSIGN_OR_RETURN(ret.by, Str(*r, "byLogin", kWhat, /*required=*/false));
    ASSIGN_OR_RETURN(ret.reason, Str(*r, "reason", kWhat, /*required=*/false));
    rev.retraction = std::move(ret);
  }
  return rev;
}

absl::StatusOr<api::RevisionTag> RevisionTagFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "revision tag";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::RevisionTag tag;
  ASSIGN_OR_RETURN(tag.name, Str(j, "name", kWhat));
  ASSIGN_OR_RETURN(tag.revision, Int(j, "revision", kWhat));
  ASSIGN_OR_RETURN(tag.created, Time(j, "created", kWhat));
  ASSIGN_OR_RETURN(tag.modified, Time(j, "modified", kWhat));
  ASSIGN_OR_RETURN(tag.editor, Str(j, "editorLogin", kWhat, /*required=*/false));
  return tag;
}

absl::StatusOr<api::EnvironmentTag> EnvironmentTagFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "environment tag";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::EnvironmentTag tag;
  ASSIGN_OR_RETURN(tag.name, Str(j, "name", kWhat));
  ASSIGN_OR_RETURN(tag.value, Str(j, "value", kWhat));
  ASSIGN_OR_RETURN(tag.created, Time(j, "created", kWhat));
  ASSIGN_OR_RETURN(tag.modified, Time(j, "modified", kWhat));
  ASSIGN_OR_RETURN(tag.editor, Str(j, "editorLogin", kWhat, /*required=*/false));
  return tag;
}

absl::StatusOr<api::AccessToken> AccessTokenFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "access token";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::AccessToken t;
  ASSIGN_OR_RETURN(t.id, Str(j, "id", kWhat));
  ASSIGN_OR_RETURN(t.kind, Str(j, "kind", kWhat, /*required=*/false));
  if (t.kind.empty()) t.kind = "organization";
  ASSIGN_OR_RETURN(t.name, Str(j, "name", kWhat, /*required=*/false));
  ASSIGN_OR_RETURN(t.description, Str(j, "description", kWhat, /*required=*/false));
  ASSIGN_OR_RETURN(t.created_by, Str(j, "createdBy", kWhat, /*required=*/false));
  ASSIGN_OR_RETURN(t.created, Time(j, "created", kWhat));
  ASSIGN_OR_RETURN(int64_t expires, Int(j, "expires", kWhat, /*required=*/false));
  if (expires > 0) t.expires_at = absl::FromUnixSeconds(expires);
  ASSIGN_OR_RETURN(int64_t used, Int(j, "lastUsed", kWhat, /*required=*/false));
  if (used > 0) t.last_used = absl::FromUnixSeconds(used);
  ASSIGN_OR_RETURN(int64_t revoked, Int(j, "revoked", kWhat, /*required=*/false));
  if (revoked > 0) t.revoked_at = absl::FromUnixSeconds(revoked);
  if (auto s = j.find("scopes"); s != j.end() && s->is_array()) {
    for (const auto& e : *s) {
      RETURN_IF_ERROR(Object(e, "access token scope"));
      api::TokenScope scope;
      ASSIGN_OR_RETURN(scope.environment, Str(e, "environment", "access token scope"));
      ASSIGN_OR_RETURN(std::string perm, Str(e, "permission", "access token scope"));
      ASSIGN_OR_RETURN(scope.permission, api::ParsePermission(perm));
      t.scopes.push_back(std::move(scope));
    }
  }
  return t;
}

absl::StatusOr<api::AuditEvent> AuditEventFromJson(const nlohmann::json& j) {
  constexpr absl::string_view kWhat = "audit log event";
  RETURN_IF_ERROR(Object(j, kWhat));
  api::AuditEvent e;
  ASSIGN_OR_RETURN(e.action, Str(j, "event", kWhat));
  ASSIGN_OR_RETURN(e.sequence, Int(j, "sequence", kWhat, /*required=*/false));
  if (j.contains("time")) {
    ASSIGN_OR_RETURN(e.time, Time(j, "time", kWhat));
  } else {
    ASSIGN_OR_RETURN(int64_t at, Int(j, "timestamp", kWhat));
    e.time = absl::FromUnixSeconds(at);
  }
  if (auto u = j.find("user"); u != j.end() && u->is_object()) {
    ASSIGN_OR_RETURN(e.actor, Str(*u, "name", "audit log event user", /*required=*/false));
  }
  if (j.contains("target")) {
    ASSIGN_OR_RETURN(e.target, Str(j, "target", kWhat));
    ASSIGN_OR_RETURN(e.path, Str(j, "path", kWhat, /*required=*/false));
  } else {
    // Pulumi Cloud's events: the description says what was acted on.
    ASSIGN_OR_RETURN(e.target, Str(j, "description", kWhat, /*required=*/false));
  }
  if (auto p = j.find("paths"); p != j.end()) {
    if (!p->is_array()) return absl::InvalidArgumentError("audit log event: \"paths\" must be an array");
    for (const auto& path : *p) {
      if (!path.is_string()) {
        return absl::InvalidArgumentError("audit log event: \"paths\" must hold strings");
      }
      e.paths.push_back(path.get<std::string>());
    }
  }
  return e;
}

esc::Diagnostics DiagnosticsFromJson(const nlohmann::json& list) {
  esc::Diagnostics out;
  if (!list.is_array()) return out;
  for (const auto& j : list) {
    if (!j.is_object()) continue;
    esc::Diagnostic d;
    d.severity =
        j.value("severity", "error") == "warning" ? esc::Severity::kWarning : esc::Severity::kError;
    auto str = [&](const char* k) {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    d.summary = str("summary");
    d.detail = str("detail");
    d.path = str("path");
    if (j.contains("range")) d.range = RangeFrom(j["range"]);
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<esc::ValuePtr> EnvironmentFromJson(const nlohmann::json& j) {
  RETURN_IF_ERROR(Object(j, "environment"));
  std::map<std::string, esc::ValuePtr> props;
  if (auto p = j.find("properties"); p != j.end() && !p->is_null()) {
    RETURN_IF_ERROR(Object(*p, "environment properties"));
    for (auto e = p->begin(); e != p->end(); ++e) {
      ASSIGN_OR_RETURN(esc::ValuePtr v, ValueFrom(e.value(), 1));
      props[e.key()] = std::move(v);
    }
  }
  return esc::MakeObject(std::move(props));
}

nlohmann::json AccessTokenSpecJson(const api::AccessTokenSpec& spec) {
  nlohmann::json scopes = nlohmann::json::array();
  for (const auto& s : spec.scopes) {
    scopes.push_back({{"environment", s.environment},
                      {"permission", std::string(api::PermissionName(s.permission))}});
  }
  nlohmann::json j = {
      {"name", spec.name},
      {"description", spec.description},
      {"scopes", std::move(scopes)},
      {"expires",
       spec.expires_at.has_value() ? absl::ToUnixSeconds(*spec.expires_at) : int64_t{0}}};
  if (spec.name.empty()) j.erase("name");
  return j;
}

}  // namespace escnative::rest
