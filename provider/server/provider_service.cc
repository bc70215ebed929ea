#include "provider/server/provider_service.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "absl/strings/str_cat.h"
#include "provider/resources/backend_factory.h"
#include "provider/resources/package_schema.h"
#include "provider/server/status_convert.h"
#include "provider/server/struct_codec.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/version.h"

namespace escnative::server {
namespace {

using resources::CheckFailure;
using resources::CheckResult;
using resources::DiffResult;
using resources::PropertyDiff;

// Decodes an optional Struct field: absent -> empty map.
absl::StatusOr<PropertyMap> DecodeField(bool present, const google::protobuf::Struct& s,
                                        absl::string_view what) {
  if (!present) return PropertyMap{};
  return DecodeStruct(s, what);
}

void FillCheckResponse(const CheckResult& result, pulumirpc::CheckResponse* resp) {
  // inputs must always be set (an unset Struct makes the engine assert later).
  EncodeStruct(result.inputs, resp->mutable_inputs());
  for (const CheckFailure& f : result.failures) {
    auto* out = resp->add_failures();
    out->set_property(f.property);
    out->set_reason(f.reason);
  }
}

pulumirpc::PropertyDiff::Kind ToProto(PropertyDiff::Kind k) {
  switch (k) {
    case PropertyDiff::Kind::kAdd:
      return pulumirpc::PropertyDiff::ADD;
    case PropertyDiff::Kind::kAddReplace:
      return pulumirpc::PropertyDiff::ADD_REPLACE;
    case PropertyDiff::Kind::kDelete:
      return pulumirpc::PropertyDiff::DELETE;
    case PropertyDiff::Kind::kDeleteReplace:
      return pulumirpc::PropertyDiff::DELETE_REPLACE;
    case PropertyDiff::Kind::kUpdate:
      return pulumirpc::PropertyDiff::UPDATE;
    case PropertyDiff::Kind::kUpdateReplace:
      return pulumirpc::PropertyDiff::UPDATE_REPLACE;
  }
  return pulumirpc::PropertyDiff::UPDATE;
}

void FillDiffResponse(const DiffResult& result, pulumirpc::DiffResponse* resp) {
  switch (result.changes) {
    case DiffResult::Changes::kUnknown:
      resp->set_changes(pulumirpc::DiffResponse::DIFF_UNKNOWN);
      break;
    case DiffResult::Changes::kNone:
      resp->set_changes(pulumirpc::DiffResponse::DIFF_NONE);
      break;
    case DiffResult::Changes::kSome:
      resp->set_changes(pulumirpc::DiffResponse::DIFF_SOME);
      break;
  }
  for (const auto& k : result.replaces) resp->add_replaces(k);
  for (const auto& k : result.stables) resp->add_stables(k);
  for (const auto& k : result.diffs) resp->add_diffs(k);
  resp->set_deletebeforereplace(result.delete_before_replace);
  resp->set_hasdetaileddiff(true);
  auto* detailed = resp->mutable_detaileddiff();
  for (const auto& [path, d] : result.detailed_diff) {
    auto& out = (*detailed)[path];
    out.set_kind(ToProto(d.kind));
    out.set_inputdiff(d.input_diff);
  }
}

std::string Demangle(const char* mangled) {
  int status = 0;
  char* name = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && name != nullptr ? name : mangled;
  std::free(name);
  return out;
}

std::vector<std::string> Repeated(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
}

}  // namespace

template <typename Body>
grpc::Status ProviderService::Guarded(const char* method, Body&& body) {
  // The boundary: no C++ exception may reach gRPC (which would answer
  // UNKNOWN) or end the process. The message may hold input, so only the
  // exception's type is logged.
  std::string type;
  try {
    return body();
  } catch (const std::exception& e) {
    type = Demangle(typeid(e).name());
  } catch (...) {
    type = "a non-standard exception";
  }
  logger_->Log(resources::LogSeverity::kError,
               absl::StrCat("pulumi-resource-esc: internal error in ", method, ": unexpected ",
                            type, "; this is a bug, please report it"),
               "");
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      absl::StrCat("internal error in ", method, "; see the provider's log"));
}

ProviderService::ProviderService(EngineLogger* logger, resources::EnvLookup env,
                                 BackendFactory open_backend)
    : logger_(logger),
      env_(std::move(env)),
      open_backend_(std::move(open_backend)),
      registry_(resources::Registry::NewDefault(&context_)) {}

absl::StatusOr<resources::CustomResource*> ProviderService::ResourceFor(
    const std::string& type, const std::string& urn) const {
  // `type` is empty on engines before v3.132: fall back to the URN.
  std::string token = type.empty() ? resources::TypeFromUrn(urn) : type;
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot tell the resource type: the request has no type and the URN \"", urn,
                     "\" is malformed"));
  }
  return registry_->FindResource(token);
}

grpc::Status ProviderService::Handshake(grpc::ServerContext*,
                                        const pulumirpc::ProviderHandshakeRequest* req,
                                        pulumirpc::ProviderHandshakeResponse* resp) {
  return Guarded("Handshake", [&]() -> grpc::Status {
    logger_->SetEngineAddress(req->engine_address());
    resp->set_accept_secrets(true);
    resp->set_accept_resources(true);
    resp->set_accept_outputs(false);
    resp->set_supports_autonaming_configuration(false);
    resp->set_accepts_byte_string(false);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::GetPluginInfo(grpc::ServerContext*, const google::protobuf::Empty*,
                                            pulumirpc::PluginInfo* resp) {
  return Guarded("GetPluginInfo", [&]() -> grpc::Status {
    resp->set_version(kProviderVersion);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Attach(grpc::ServerContext*, const pulumirpc::PluginAttach* req,
                                     google::protobuf::Empty*) {
  return Guarded("Attach", [&]() -> grpc::Status {
    logger_->SetEngineAddress(req->address());
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Cancel(grpc::ServerContext*, const google::protobuf::Empty*,
                                     google::protobuf::Empty*) {
  // Advisory and non-blocking: in-flight calls poll CallContext::IsCancelled.
  cancelled_.store(true);
  return grpc::Status::OK;
}

grpc::Status ProviderService::GetSchema(grpc::ServerContext*,
                                        const pulumirpc::GetSchemaRequest* req,
                                        pulumirpc::GetSchemaResponse* resp) {
  return Guarded("GetSchema", [&]() -> grpc::Status {
    if (!req->subpackage_name().empty()) {
      return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
          "package esc has no subpackage \"", util::Echo(req->subpackage_name()), "\"")));
    }
    resp->set_schema(resources::PackageSchema::Get().Json(kProviderVersion));
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::CheckConfig(grpc::ServerContext*, const pulumirpc::CheckRequest* req,
                                          pulumirpc::CheckResponse* resp) {
  return Guarded("CheckConfig", [&]() -> grpc::Status {
    auto news = DecodeField(req->has_news(), req->news(), "news");
    if (!news.ok()) return ToGrpcStatus(news.status());
    FillCheckResponse(resources::CheckProviderConfig(*news), resp);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::DiffConfig(grpc::ServerContext*, const pulumirpc::DiffRequest* req,
                                         pulumirpc::DiffResponse* resp) {
  return Guarded("DiffConfig", [&]() -> grpc::Status {
    // Compare old inputs when the engine sends them; outputs otherwise.
    auto olds = req->has_old_inputs() ? DecodeStruct(req->old_inputs(), "old_inputs")
                                      : DecodeField(req->has_olds(), req->olds(), "olds");
    if (!olds.ok()) return ToGrpcStatus(olds.status());
    auto news = DecodeField(req->has_news(), req->news(), "news");
    if (!news.ok()) return ToGrpcStatus(news.status());
    FillDiffResponse(resources::DiffProviderConfig(*olds, *news), resp);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Configure(grpc::ServerContext*,
                                        const pulumirpc::ConfigureRequest* req,
                                        pulumirpc::ConfigureResponse* resp) {
  return Guarded("Configure", [&]() -> grpc::Status {
    PropertyMap args;
    if (req->has_args()) {
      auto decoded = DecodeStruct(req->args(), "args");
      if (!decoded.ok()) return ToGrpcStatus(decoded.status());
      args = *std::move(decoded);
    } else {
      std::vector<std::pair<std::string, std::string>> vars(req->variables().begin(),
                                                            req->variables().end());
      args = resources::ArgsFromVariables(vars);
    }
    // Re-check: explicit providers may reach Configure with values CheckConfig
    // never saw (older engines), and bad values must fail before any write.
    CheckResult checked = resources::CheckProviderConfig(args);
    if (!checked.failures.empty()) {
      const CheckFailure& f = checked.failures.front();
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("invalid provider configuration: esc:", f.property, ": ", f.reason)));
    }
    auto config = resources::ResolveProviderConfig(checked.inputs, env_);
    if (!config.ok()) return ToGrpcStatus(config.status());
    // Open the store (or check the cloud) now, so a wrong passphrase fails the
    // deployment up front instead of on the first resource.
    auto opened = open_backend_(*config);
    if (!opened.ok()) return ToGrpcStatus(opened.status());
    if (absl::Status org = resources::ResolveDefaultOrganization(&*config, opened->get());
        !org.ok()) {
      return ToGrpcStatus(org);
    }
    logger_->Log(resources::LogSeverity::kDebug, config->Describe(), req->urn());
    context_.Configure(*std::move(config), *std::move(opened));
    resp->set_acceptsecrets(true);
    resp->set_supportspreview(true);
    resp->set_acceptresources(true);
    resp->set_acceptoutputs(false);
    resp->set_supports_autonaming_configuration(false);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Invoke(grpc::ServerContext*, const pulumirpc::InvokeRequest* req,
                                     pulumirpc::InvokeResponse* resp) {
  return Guarded("Invoke", [&]() -> grpc::Status {
    auto fn = registry_->FindFunction(req->tok());
    if (!fn.ok()) return ToGrpcStatus(fn.status());
    auto args = DecodeField(req->has_args(), req->args(), "args");
    if (!args.ok()) return ToGrpcStatus(args.status());
    resources::InvokeRequest in{req->tok(), *std::move(args), req->preview()};
    auto result = (*fn)->Invoke(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    EncodeStruct(result->outputs, resp->mutable_return_());
    for (const auto& f : result->failures) {
      auto* out = resp->add_failures();
      out->set_property(f.property);
      out->set_reason(f.reason);
    }
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Check(grpc::ServerContext*, const pulumirpc::CheckRequest* req,
                                    pulumirpc::CheckResponse* resp) {
  return Guarded("Check", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    resources::CheckRequest in;
    in.urn = req->urn();
    in.name = req->name();
    in.type = req->type();
    in.random_seed = req->randomseed();
    auto olds = DecodeField(req->has_olds(), req->olds(), "olds");
    if (!olds.ok()) return ToGrpcStatus(olds.status());
    auto news = DecodeField(req->has_news(), req->news(), "news");
    if (!news.ok()) return ToGrpcStatus(news.status());
    in.olds = *std::move(olds);
    in.news = *std::move(news);
    auto result = (*resource)->Check(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    FillCheckResponse(*result, resp);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Diff(grpc::ServerContext*, const pulumirpc::DiffRequest* req,
                                   pulumirpc::DiffResponse* resp) {
  return Guarded("Diff", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    resources::DiffRequest in;
    in.id = req->id();
    in.urn = req->urn();
    in.ignore_changes = Repeated(req->ignorechanges());
    auto olds = DecodeField(req->has_olds(), req->olds(), "olds");
    if (!olds.ok()) return ToGrpcStatus(olds.status());
    auto news = DecodeField(req->has_news(), req->news(), "news");
    if (!news.ok()) return ToGrpcStatus(news.status());
    // Engines before v3.74 send no old inputs; outputs are the best stand-in.
    auto old_inputs = req->has_old_inputs() ? DecodeStruct(req->old_inputs(), "old_inputs")
                                            : absl::StatusOr<PropertyMap>(*olds);
    if (!old_inputs.ok()) return ToGrpcStatus(old_inputs.status());
    in.olds = *std::move(olds);
    in.news = *std::move(news);
    in.old_inputs = *std::move(old_inputs);
    auto result = (*resource)->Diff(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    FillDiffResponse(*result, resp);
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Create(grpc::ServerContext*, const pulumirpc::CreateRequest* req,
                                     pulumirpc::CreateResponse* resp) {
  return Guarded("Create", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    auto props = DecodeField(req->has_properties(), req->properties(), "properties");
    if (!props.ok()) return ToGrpcStatus(props.status());
    resources::CreateRequest in{req->urn(), *std::move(props), req->timeout(), req->preview()};
    auto result = (*resource)->Create(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    if (result->id.empty() && !req->preview()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "provider produced an empty resource id");
    }
    resp->set_id(result->id);
    EncodeStruct(result->outputs, resp->mutable_properties());
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Read(grpc::ServerContext*, const pulumirpc::ReadRequest* req,
                                   pulumirpc::ReadResponse* resp) {
  return Guarded("Read", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    resources::ReadRequest in;
    in.id = req->id();
    in.urn = req->urn();
    if (req->has_properties()) {
      auto props = DecodeStruct(req->properties(), "properties");
      if (!props.ok()) return ToGrpcStatus(props.status());
      in.properties = *std::move(props);
    }
    if (req->has_inputs()) {
      auto inputs = DecodeStruct(req->inputs(), "inputs");
      if (!inputs.ok()) return ToGrpcStatus(inputs.status());
      in.inputs = *std::move(inputs);
    }
    auto result = (*resource)->Read(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    resp->set_id(result->id);
    // Not found: empty id and properties/inputs left unset (an empty-but-set
    // struct makes import report a misleading error).
    if (!result->id.empty()) {
      if (result->outputs.has_value()) EncodeStruct(*result->outputs, resp->mutable_properties());
      if (result->inputs.has_value()) EncodeStruct(*result->inputs, resp->mutable_inputs());
    }
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Update(grpc::ServerContext*, const pulumirpc::UpdateRequest* req,
                                     pulumirpc::UpdateResponse* resp) {
  return Guarded("Update", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    resources::UpdateRequest in;
    in.id = req->id();
    in.urn = req->urn();
    in.ignore_changes = Repeated(req->ignorechanges());
    in.timeout = req->timeout();
    in.preview = req->preview();
    auto olds = DecodeField(req->has_olds(), req->olds(), "olds");
    if (!olds.ok()) return ToGrpcStatus(olds.status());
    auto news = DecodeField(req->has_news(), req->news(), "news");
    if (!news.ok()) return ToGrpcStatus(news.status());
    auto old_inputs = DecodeField(req->has_old_inputs(), req->old_inputs(), "old_inputs");
    if (!old_inputs.ok()) return ToGrpcStatus(old_inputs.status());
    in.olds = *std::move(olds);
    in.news = *std::move(news);
    in.old_inputs = *std::move(old_inputs);
    auto result = (*resource)->Update(Context(), in);
    if (!result.ok()) return ToGrpcStatus(result.status());
    EncodeStruct(result->outputs, resp->mutable_properties());
    return grpc::Status::OK;
  });
}

grpc::Status ProviderService::Delete(grpc::ServerContext*, const pulumirpc::DeleteRequest* req,
                                     google::protobuf::Empty*) {
  return Guarded("Delete", [&]() -> grpc::Status {
    auto resource = ResourceFor(req->type(), req->urn());
    if (!resource.ok()) return ToGrpcStatus(resource.status());
    resources::DeleteRequest in;
    in.id = req->id();
    in.urn = req->urn();
    in.timeout = req->timeout();
    auto props = DecodeField(req->has_properties(), req->properties(), "properties");
    if (!props.ok()) return ToGrpcStatus(props.status());
    auto old_inputs = DecodeField(req->has_old_inputs(), req->old_inputs(), "old_inputs");
    if (!old_inputs.ok()) return ToGrpcStatus(old_inputs.status());
    in.properties = *std::move(props);
    in.old_inputs = *std::move(old_inputs);
    return ToGrpcStatus((*resource)->Delete(Context(), in));
  });
}

}  // namespace escnative::server
