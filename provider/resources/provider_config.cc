#include "provider/resources/provider_config.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/crypto/credential_file.h"
#include "provider/resources/input_check.h"
#include "provider/resources/property_diff.h"
#include "provider/resources/package_schema.h"

namespace escnative::resources {
namespace {

using json = nlohmann::json;

// Keys the engine adds to provider inputs; never validated or changed.
bool IsEngineKey(absl::string_view key) {
  return key == "version" || key == "pluginDownloadURL" || key == "pluginChecksums" ||
         key == "__internal";
}

PropertyValue FromJson(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return PropertyValue();
    case json::value_t::boolean:
      return PropertyValue(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return PropertyValue(j.get<double>());
    case json::value_t::string:
      return PropertyValue(j.get<std::string>());
    case json::value_t::array: {
      PropertyArray a;
      for (const auto& e : j) a.push_back(FromJson(e));
      return PropertyValue(std::move(a));
    }
    case json::value_t::object: {
      PropertyMap m;
      for (const auto& [k, v] : j.items()) m.emplace(k, FromJson(v));
      return PropertyValue(std::move(m));
    }
    default:
      return PropertyValue();
  }
}

// Coerces one string to `type`. Returns nullopt (and a failure) when the text
// does not parse; the failure never quotes the text, which may be a secret.
std::optional<PropertyValue> CoerceString(const TypeSpec& type, const std::string& text,
                                          const std::string& key,
                                          std::vector<CheckFailure>* failures) {
  switch (type.kind) {
    case TypeSpec::Kind::kBoolean: {
      std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
      if (t == "true") return PropertyValue(true);
      if (t == "false") return PropertyValue(false);
      failures->push_back({key, "expected a boolean (true or false)"});
      return std::nullopt;
    }
    case TypeSpec::Kind::kInteger:
    case TypeSpec::Kind::kNumber: {
      double d;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &d) || !std::isfinite(d)) {
        failures->push_back({key, absl::StrCat("expected ", Describe(type))});
        return std::nullopt;
      }
      return PropertyValue(d);
    }
    case TypeSpec::Kind::kArray:
    case TypeSpec::Kind::kMap:
    case TypeSpec::Kind::kObject: {
      json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
      bool want_array = type.kind == TypeSpec::Kind::kArray;
      if (j.is_discarded() || (want_array ? !j.is_array() : !j.is_object())) {
        failures->push_back(
            {key, absl::StrCat("expected ", Describe(type), " or its JSON encoding")});
        return std::nullopt;
      }
      return FromJson(j);
    }
    default:
      return PropertyValue(text);
  }
}

bool ValidUrl(absl::string_view url) {
  return (absl::StartsWith(url, "https://") && url.size() > 8) ||
         (absl::StartsWith(url, "http://") && url.size() > 7);
}

bool IsLoopbackUrl(absl::string_view url) {
  absl::string_view rest = url.substr(url.find("://") + 3);
  return absl::StartsWith(rest, "localhost") || absl::StartsWith(rest, "127.") ||
         absl::StartsWith(rest, "[::1]");
}

// Reads a string arg, looking through a secret wrapper. Unknowns never reach
// Configure (the engine skips it), so they are treated as absent.
std::optional<std::string> StringArg(const PropertyMap& args, absl::string_view key) {
  const PropertyValue* v = Find(args, key);
  if (v == nullptr) return std::nullopt;
  PropertyValue plain = v->Unsecret();
  if (!plain.IsString()) return std::nullopt;
  return plain.AsString();
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (path == "~" || absl::StartsWith(path, "~/")) {
    std::string home = env("HOME").value_or("");
    return home + path.substr(1);
  }
  return path;
}

// Regular files only, bounded (crypto::ReadCredentialFile); the error keeps
// the key that named the file, e.g. `esc:passphraseFile: passphrase file ...`.
absl::StatusOr<std::string> ReadPassphraseFile(const std::string& path, absl::string_view key) {
  auto read = crypto::ReadCredentialFile(path, "passphrase");
  if (!read.ok()) {
    return absl::Status(read.status().code(), absl::StrCat(key, ": ", read.status().message()));
  }
  return std::string(read->Reveal());
}

}  // namespace

std::string ProviderConfig::Describe() const {
  if (backend == Backend::kLocal) {
    return absl::StrCat("esc: using the local backend (", local_path, "), organization \"",
                        organization, "\", project \"", project, "\"");
  }
  return absl::StrCat(
      "esc: using the cloud backend (", backend_url, ")",
      organization.empty() ? "" : absl::StrCat(", organization \"", organization, "\""),
      ", project \"", project, "\"");
}

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

absl::Status MissingKeysError(const std::vector<MissingConfigKey>& keys) {
  std::string names;
  json payload = json::array();
  for (const auto& k : keys) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", k.name);
    payload.push_back({{"name", k.name}, {"description", k.description}});
  }
  absl::Status s =
      absl::FailedPreconditionError(absl::StrCat("missing required configuration: ", names));
  s.SetPayload(kMissingKeysPayloadUrl, absl::Cord(payload.dump()));
  return s;
}

std::vector<MissingConfigKey> MissingKeysFromStatus(const absl::Status& status) {
  std::vector<MissingConfigKey> out;
  auto payload = status.GetPayload(kMissingKeysPayloadUrl);
  if (!payload.has_value()) return out;
  json j = json::parse(std::string(*payload), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    out.push_back({e.value("name", ""), e.value("description", "")});
  }
  return out;
}

PropertyMap CoerceConfig(const ObjectSpec& spec, const PropertyMap& news,
                         std::vector<CheckFailure>* failures) {
  PropertyMap out;
  for (const auto& [key, value] : news) {
    auto it = spec.properties.find(key);
    if (IsEngineKey(key) || it == spec.properties.end() || value.IsComputed()) {
      out.emplace(key, value);
      continue;
    }
    const bool secret = value.IsSecret();
    PropertyValue plain = secret ? value.Unsecret() : value;
    if (plain.IsString() && it->second.type.kind != TypeSpec::Kind::kString &&
        it->second.type.kind != TypeSpec::Kind::kEnum &&
        it->second.type.kind != TypeSpec::Kind::kAny) {
      auto coerced = CoerceString(it->second.type, plain.AsString(), key, failures);
      if (!coerced.has_value()) {
        out.emplace(key, value);
        continue;
      }
      plain = *std::move(coerced);
    }
    out.emplace(key, secret ? PropertyValue::MakeSecret(std::move(plain)) : std::move(plain));
  }
  return out;
}

namespace {

// Coercion and validation; the caller wraps the secrets afterwards.
CheckResult CheckProviderConfigInputs(const ObjectSpec& spec, const PropertyMap& news) {
  CheckResult result;
  result.inputs = CoerceConfig(spec, news, &result.failures);
  if (!result.failures.empty()) return result;

  PropertyMap checked;
  for (const auto& [k, v] : result.inputs) {
    if (!IsEngineKey(k)) checked.emplace(k, v);
  }
  ValidateObject(spec, checked, &result.failures);

  if (auto backend = StringArg(result.inputs, "backend");
      backend.has_value() && *backend != "local" && *backend != "cloud") {
    result.failures.push_back({"backend", "expected \"local\" or \"cloud\""});
  }
  if (auto url = StringArg(result.inputs, "backendUrl"); url.has_value() && !ValidUrl(*url)) {
    result.failures.push_back({"backendUrl", "expected an http:// or https:// URL"});
  }
  if (const PropertyValue* r = Find(result.inputs, "httpRetries");
      r != nullptr && r->Unsecret().IsNumber() && r->Unsecret().AsNumber() < 0) {
    result.failures.push_back({"httpRetries", "expected a number of retries of 0 or more"});
  }
  if (const PropertyValue* t = Find(result.inputs, "httpTimeout");
      t != nullptr && t->Unsecret().IsNumber() && t->Unsecret().AsNumber() <= 0) {
    result.failures.push_back({"httpTimeout", "expected a number of seconds greater than 0"});
  }
  return result;
}

}  // namespace

CheckResult CheckProviderConfig(const PropertyMap& news) {
  const ObjectSpec& spec = PackageSchema::Get().config();
  CheckResult result = CheckProviderConfigInputs(spec, news);
  // On every path, failures included: the inputs go back to the engine.
  MarkSecrets(spec, &result.inputs);
  return result;
}

DiffResult DiffProviderConfig(const PropertyMap& olds, const PropertyMap& news) {
  ObjectSpec spec = PackageSchema::Get().config();
  for (const char* key : {"backend", "backendUrl", "localPath"}) {
    spec.properties[key].replace_on_changes = true;
  }
  PropertyMap o, n;
  for (const auto& [k, v] : olds) {
    if (!IsEngineKey(k)) o.emplace(k, v);
  }
  for (const auto& [k, v] : news) {
    if (!IsEngineKey(k)) n.emplace(k, v);
  }
  return DiffInputs(spec, o, n, {});
}

PropertyMap ArgsFromVariables(const std::vector<std::pair<std::string, std::string>>& variables) {
  PropertyMap out;
  for (const auto& [name, value] : variables) {
    std::vector<std::string> parts = absl::StrSplit(name, absl::MaxSplits(':', 2));
    std::string key = parts.size() == 3 ? parts[2] : parts.back();
    out.emplace(key, PropertyValue(value));
  }
  std::vector<CheckFailure> ignored;  // Configure re-validates what matters
  return CoerceConfig(PackageSchema::Get().config(), out, &ignored);
}

absl::StatusOr<ProviderConfig> ResolveProviderConfig(const PropertyMap& args,
                                                     const EnvLookup& env) {
  ProviderConfig c;
  std::optional<std::string> token = StringArg(args, "accessToken");
  if (!token.has_value()) token = env("PULUMI_ACCESS_TOKEN");

  std::optional<std::string> backend = StringArg(args, "backend");
  if (!backend.has_value()) backend = token.has_value() ? "cloud" : "local";
  if (*backend == "local") {
    c.backend = ProviderConfig::Backend::kLocal;
  } else if (*backend == "cloud") {
    c.backend = ProviderConfig::Backend::kCloud;
  } else {
    return absl::InvalidArgumentError("esc:backend: expected \"local\" or \"cloud\"");
  }

  c.project = StringArg(args, "project").value_or("default");
  if (c.project.empty()) c.project = "default";
  c.organization = StringArg(args, "organization").value_or("");

  if (const PropertyValue* t = Find(args, "httpTimeout"); t != nullptr) {
    PropertyValue v = t->Unsecret();
    if (!v.IsNumber() || v.AsNumber() <= 0) {
      return absl::InvalidArgumentError(
          "esc:httpTimeout: expected a number of seconds greater than 0");
    }
    c.http_timeout_seconds = v.AsNumber();
  }
  if (const PropertyValue* r = Find(args, "httpRetries"); r != nullptr) {
    PropertyValue v = r->Unsecret();
    if (!v.IsNumber() || v.AsNumber() < 0 || std::trunc(v.AsNumber()) != v.AsNumber() ||
        v.AsNumber() > 100) {
      return absl::InvalidArgumentError("esc:httpRetries: expected an integer from 0 to 100");
    }
    c.http_retries = static_cast<int>(v.AsNumber());
  }
  if (const PropertyValue* a = Find(args, "allowInsecureHttp"); a != nullptr) {
    PropertyValue v = a->Unsecret();
    if (!v.IsBool()) return absl::InvalidArgumentError("esc:allowInsecureHttp: expected a boolean");
    c.allow_insecure_http = v.AsBool();
  }

  c.ca_file = StringArg(args, "caFile").value_or("");

  std::vector<MissingConfigKey> missing;
  if (c.backend == ProviderConfig::Backend::kCloud) {
    c.backend_url = StringArg(args, "backendUrl")
                        .value_or(env("PULUMI_BACKEND_URL").value_or("https://api.pulumi.com"));
    while (absl::EndsWith(c.backend_url, "/")) c.backend_url.pop_back();
    if (!ValidUrl(c.backend_url)) {
      return absl::InvalidArgumentError("esc:backendUrl: expected an http:// or https:// URL");
    }
    if (absl::StartsWith(c.backend_url, "http://") && !IsLoopbackUrl(c.backend_url) &&
        !c.allow_insecure_http) {
      return absl::InvalidArgumentError(
          "esc:backendUrl: refusing to send the access token over plain http:// to a "
          "non-loopback host; use https:// or set esc:allowInsecureHttp to true");
    }
    if (!token.has_value()) {
      missing.push_back({"esc:accessToken",
                         "a Pulumi Cloud access token for the cloud backend; set it with "
                         "`pulumi config set --secret esc:accessToken <token>` or "
                         "PULUMI_ACCESS_TOKEN"});
    } else {
      c.access_token = *token;
    }
  } else {
    if (c.organization.empty()) c.organization = "organization";
    std::string path = StringArg(args, "localPath")
                           .value_or(env("ESC_LOCAL_PATH").value_or("~/.pulumi-esc/store.db"));
    if (path.empty()) return absl::InvalidArgumentError("esc:localPath: expected a file path");
    c.local_path = ExpandHome(path, env);

    std::optional<std::string> pass = StringArg(args, "passphrase");
    if (!pass.has_value()) {
      if (auto file = StringArg(args, "passphraseFile"); file.has_value()) {
        auto read = ReadPassphraseFile(ExpandHome(*file, env), "esc:passphraseFile");
        if (!read.ok()) return read.status();
        pass = *std::move(read);
      }
    }
    if (!pass.has_value()) pass = env("ESC_PASSPHRASE");
    if (!pass.has_value()) {
      if (auto file = env("ESC_PASSPHRASE_FILE"); file.has_value()) {
        auto read = ReadPassphraseFile(ExpandHome(*file, env), "ESC_PASSPHRASE_FILE");
        if (!read.ok()) return read.status();
        pass = *std::move(read);
      }
    }
    if (!pass.has_value()) pass = env("PULUMI_CONFIG_PASSPHRASE");
    if (!pass.has_value()) {
      if (auto file = env("PULUMI_CONFIG_PASSPHRASE_FILE"); file.has_value()) {
        auto read = ReadPassphraseFile(ExpandHome(*file, env), "PULUMI_CONFIG_PASSPHRASE_FILE");
        if (!read.ok()) return read.status();
        pass = *std::move(read);
      }
    }
    if (!pass.has_value() || pass->empty()) {
      missing.push_back({"esc:passphrase",
                         "the passphrase that unlocks the local store; set it with "
                         "`pulumi config set --secret esc:passphrase <passphrase>`, "
                         "esc:passphraseFile, or ESC_PASSPHRASE"});
    } else {
      c.passphrase = *std::move(pass);
    }
  }
  if (!missing.empty()) return MissingKeysError(missing);
  return c;
}

}  // namespace escnative::resources
