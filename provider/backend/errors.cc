#include <nlohmann/json.hpp>

#include "provider/backend/backend.h"

namespace escnative::backend {
namespace {

constexpr char kDiagnosticsPayloadUrl[] = "type.escnative/diagnostics";

nlohmann::json PosJson(const esc::Pos& p) {
  return {{"line", p.line}, {"column", p.column}, {"byte", p.byte}};
}

esc::Pos PosFromJson(const nlohmann::json& j) {
  esc::Pos p;
  p.line = j.value("line", 0);
  p.column = j.value("column", 0);
  p.byte = j.value("byte", 0);
  return p;
}

}  // namespace

absl::Status InvalidDefinitionError(absl::string_view summary, const esc::Diagnostics& diags) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : diags) {
    list.push_back({{"severity", d.severity == esc::Severity::kError ? "error" : "warning"},
                    {"summary", d.summary},
                    {"detail", d.detail},
                    {"path", d.path},
                    {"environment", d.range.environment},
                    {"begin", PosJson(d.range.begin)},
                    {"end", PosJson(d.range.end)}});
    if (d.omitted_errors + d.omitted_warnings > 0) {
      list.back()["omittedErrors"] = d.omitted_errors;
      list.back()["omittedWarnings"] = d.omitted_warnings;
    }
  }
  absl::Status s = absl::InvalidArgumentError(summary);
  s.SetPayload(kDiagnosticsPayloadUrl, absl::Cord(list.dump()));
  return s;
}

esc::Diagnostics DiagnosticsFromStatus(const absl::Status& status) {
  esc::Diagnostics out;
  auto payload = status.GetPayload(kDiagnosticsPayloadUrl);
  if (!payload.has_value()) return out;
  nlohmann::json list = nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!list.is_array()) return out;
  for (const auto& j : list) {
    esc::Diagnostic d;
    d.severity =
        j.value("severity", "error") == "error" ? esc::Severity::kError : esc::Severity::kWarning;
    d.summary = j.value("summary", "");
    d.detail = j.value("detail", "");
    d.path = j.value("path", "");
    d.range.environment = j.value("environment", "");
    if (j.contains("begin")) d.range.begin = PosFromJson(j["begin"]);
    if (j.contains("end")) d.range.end = PosFromJson(j["end"]);
    d.omitted_errors = j.value("omittedErrors", size_t{0});
    d.omitted_warnings = j.value("omittedWarnings", size_t{0});
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace escnative::backend
