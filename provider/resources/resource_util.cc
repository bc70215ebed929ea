#include "provider/resources/resource_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/esc/diagnostic.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"

namespace escnative::resources {

std::optional<std::string> StringInput(const PropertyMap& m, absl::string_view key) {
  const PropertyValue* v = Find(m, key);
  if (v == nullptr) return std::nullopt;
  PropertyValue plain = v->Unsecret();
  if (!plain.IsString()) return std::nullopt;
  return plain.AsString();
}

std::optional<bool> BoolInput(const PropertyMap& m, absl::string_view key) {
  const PropertyValue* v = Find(m, key);
  if (v == nullptr) return std::nullopt;
  PropertyValue plain = v->Unsecret();
  if (!plain.IsBool()) return std::nullopt;
  return plain.AsBool();
}

std::optional<double> NumberInput(const PropertyMap& m, absl::string_view key) {
  const PropertyValue* v = Find(m, key);
  if (v == nullptr) return std::nullopt;
  PropertyValue plain = v->Unsecret();
  if (!plain.IsNumber()) return std::nullopt;
  return plain.AsNumber();
}

bool IsUnknownInput(const PropertyMap& m, absl::string_view key) {
  const PropertyValue* v = Find(m, key);
  return v != nullptr && v->ContainsUnknowns();
}

std::string NameFromUrn(absl::string_view urn) {
  size_t pos = urn.rfind("::");
  return std::string(pos == absl::string_view::npos ? urn : urn.substr(pos + 2));
}

std::string RefString(const backend::EnvironmentRef& ref) {
  return absl::StrCat(ref.organization, "/", ref.project, "/", ref.name);
}

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return status;
  // `what` names the resource ("creating environment <id>"); the id is input
  // and may be huge or hold terminal escapes.
  std::string message =
      absl::StrCat(util::Echo(util::ToStd(what)), ": ", status.message());
  esc::Diagnostics diags = backend::DiagnosticsFromStatus(status);
  std::vector<std::string> lines;
  for (const auto& d : diags) {
    if (d.severity != esc::Severity::kError) continue;
    std::string where = util::Echo(d.path);
    if (!d.range.empty()) absl::StrAppend(&where, " (line ", d.range.begin.line, ")");
    lines.push_back(absl::StrCat(where.empty() ? "" : where + ": ", d.summary));
  }
  if (!lines.empty()) absl::StrAppend(&message, "\n  ", absl::StrJoin(lines, "\n  "));
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace escnative::resources
