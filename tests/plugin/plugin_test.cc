// Process-level tests: launch pulumi-resource-esc as the engine does and talk
// to it over gRPC with the engine's wire encoding (secret and unknown
// sentinels included).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/plugin/plugin_fixture.h"

namespace escnative::testing {
namespace {

TEST_F(PluginTest, HandshakeInfoAndSchema) {
  pulumirpc::ProviderHandshakeRequest hreq;
  hreq.set_engine_address(engine_->address());
  hreq.set_configure_with_urn(true);
  hreq.set_accepts_byte_string(true);
  pulumirpc::ProviderHandshakeResponse hresp;
  ASSERT_TRUE(plugin_->stub().Handshake(CallContext().get(), hreq, &hresp).ok());
  EXPECT_TRUE(hresp.accept_secrets());
  EXPECT_TRUE(hresp.accept_resources());
  EXPECT_FALSE(hresp.accept_outputs());
  EXPECT_FALSE(hresp.accepts_byte_string());

  pulumirpc::PluginInfo info;
  ASSERT_TRUE(plugin_->stub().GetPluginInfo(CallContext().get(), Empty(), &info).ok());
  EXPECT_EQ(info.version(), ESC_EXPECTED_VERSION);

  // GetSchema works without Configure.
  pulumirpc::GetSchemaRequest sreq;
  pulumirpc::GetSchemaResponse sresp;
  ASSERT_TRUE(plugin_->stub().GetSchema(CallContext().get(), sreq, &sresp).ok());
  auto schema = nlohmann::json::parse(sresp.schema());
  EXPECT_EQ(schema["name"], "esc");
  EXPECT_EQ(schema["version"], ESC_EXPECTED_VERSION);
  for (const char* tok : {"esc:index:Environment", "esc:index:Secret", "esc:index:AccessToken",
                          "esc:index:EnvironmentVersionTag"}) {
    EXPECT_TRUE(schema["resources"].contains(tok)) << tok;
  }
  for (const char* tok :
       {"esc:index:openEnvironment", "esc:index:getSecret", "esc:index:getEnvironment"}) {
    EXPECT_TRUE(schema["functions"].contains(tok)) << tok;
  }
  sreq.set_subpackage_name("nope");
  EXPECT_EQ(plugin_->stub().GetSchema(CallContext().get(), sreq, &sresp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PluginTest, OptionalMethodsAreUnimplemented) {
  {
    pulumirpc::ConstructResponse r;
    EXPECT_EQ(plugin_->stub()
                  .Construct(CallContext().get(), pulumirpc::ConstructRequest(), &r)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    pulumirpc::CallResponse r;
    EXPECT_EQ(plugin_->stub().Call(CallContext().get(), pulumirpc::CallRequest(), &r).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    pulumirpc::GetMappingResponse r;
    EXPECT_EQ(plugin_->stub()
                  .GetMapping(CallContext().get(), pulumirpc::GetMappingRequest(), &r)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    pulumirpc::ParameterizeResponse r;
    EXPECT_EQ(plugin_->stub()
                  .Parameterize(CallContext().get(), pulumirpc::ParameterizeRequest(), &r)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST_F(PluginTest, CheckConfigCoercesStringsAndKeepsSecrets) {
  pulumirpc::CheckRequest req;
  req.set_urn("urn:pulumi:dev::proj::pulumi:providers:esc::default");
  *req.mutable_news() = Json(R"({"httpRetries":"5","allowInsecureHttp":"true","httpTimeout":"2.5",)"
                             R"("version":"0.1.0","organization":")" +
                             std::string(wire::kUnknownString) + R"(","passphrase":)" +
                             SecretJson(Quoted(kPassphrase)) + "}");
  pulumirpc::CheckResponse resp;
  ASSERT_TRUE(plugin_->stub().CheckConfig(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.failures_size(), 0);
  const auto& in = resp.inputs().fields();
  EXPECT_EQ(in.at("httpRetries").number_value(), 5);
  EXPECT_TRUE(in.at("allowInsecureHttp").bool_value());
  EXPECT_EQ(in.at("httpTimeout").number_value(), 2.5);
  EXPECT_EQ(in.at("version").string_value(), "0.1.0");
  EXPECT_EQ(in.at("organization").string_value(), wire::kUnknownString);
  const auto& pass = in.at("passphrase").struct_value().fields();
  EXPECT_EQ(pass.at(wire::kSigKey).string_value(), wire::kSigSecret);
  EXPECT_EQ(pass.at("value").string_value(), kPassphrase);

  // The engine sends config secrets as plaintext: they come back wrapped.
  *req.mutable_news() = Json(std::string(R"({"accessToken":")") + kToken + R"("})");
  ASSERT_TRUE(plugin_->stub().CheckConfig(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.inputs()
                .fields()
                .at("accessToken")
                .struct_value()
                .fields()
                .at(wire::kSigKey)
                .string_value(),
            wire::kSigSecret);
}

TEST_F(PluginTest, CheckConfigFailuresNameTheKey) {
  pulumirpc::CheckRequest req;
  *req.mutable_news() = Json(R"({"backend":"s3","backnd":"local","httpRetries":"many"})");
  pulumirpc::CheckResponse resp;
  ASSERT_TRUE(plugin_->stub().CheckConfig(CallContext().get(), req, &resp).ok());
  Record(resp);
  ASSERT_EQ(resp.failures_size(), 1) << "coercion failures are reported first";
  EXPECT_EQ(resp.failures(0).property(), "httpRetries");
  *req.mutable_news() = Json(R"({"backend":"s3","backnd":"local"})");
  ASSERT_TRUE(plugin_->stub().CheckConfig(CallContext().get(), req, &resp).ok());
  std::map<std::string, std::string> failures;
  for (const auto& f : resp.failures()) failures[f.property()] = f.reason();
  EXPECT_EQ(failures["backend"], "expected \"local\" or \"cloud\"");
  EXPECT_THAT(failures["backnd"], HasSubstr("did you mean \"backend\""));
  EXPECT_TRUE(resp.has_inputs()) << "inputs are always set";
}

TEST_F(PluginTest, DiffConfigReplacesOnlyWhenTheStoreMoves) {
  pulumirpc::DiffRequest req;
  *req.mutable_olds() =
      Json(R"({"localPath":"/a","passphrase":)" + SecretJson(Quoted(kPassphrase)) + "}");
  *req.mutable_news() = Json(R"({"localPath":"/a","passphrase":)" + SecretJson(R"("other")") + "}");
  pulumirpc::DiffResponse resp;
  ASSERT_TRUE(plugin_->stub().DiffConfig(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.changes(), pulumirpc::DiffResponse::DIFF_SOME);
  EXPECT_EQ(resp.replaces_size(), 0);
  EXPECT_TRUE(resp.hasdetaileddiff());
  EXPECT_EQ(resp.detaileddiff().at("passphrase").kind(), pulumirpc::PropertyDiff::UPDATE);

  *req.mutable_news() =
      Json(R"({"localPath":"/b","passphrase":)" + SecretJson(Quoted(kPassphrase)) + "}");
  ASSERT_TRUE(plugin_->stub().DiffConfig(CallContext().get(), req, &resp).ok());
  ASSERT_EQ(resp.replaces_size(), 1);
  EXPECT_EQ(resp.replaces(0), "localPath");
  EXPECT_EQ(resp.detaileddiff().at("localPath").kind(), pulumirpc::PropertyDiff::UPDATE_REPLACE);
}

TEST_F(PluginTest, ConfigureReportsMissingKeysAsTheEngineExpects) {
  pulumirpc::ConfigureRequest req;
  *req.mutable_args() = Json(R"({"backend":"local","localPath":"/tmp/esc-test.db"})");
  req.set_acceptsecrets(true);
  pulumirpc::ConfigureResponse resp;
  grpc::Status st = plugin_->stub().Configure(CallContext().get(), req, &resp);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("esc:passphrase"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(st.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  pulumirpc::ConfigureErrorMissingKeys missing;
  ASSERT_TRUE(details.details(0).UnpackTo(&missing));
  ASSERT_EQ(missing.missingkeys_size(), 1);
  EXPECT_EQ(missing.missingkeys(0).name(), "esc:passphrase");
  EXPECT_THAT(missing.missingkeys(0).description(), HasSubstr("pulumi config set --secret"));
}

TEST_F(PluginTest, ConfigureSelectsTheBackendAndLogsItWithoutSecrets) {
  pulumirpc::ConfigureRequest req;
  req.set_urn("urn:pulumi:dev::proj::pulumi:providers:esc::default");
  const std::string store = ::testing::TempDir() + "/plugin-test-configure.db";
  std::remove(store.c_str());
  *req.mutable_args() = Json(R"({"localPath":")" + store + R"(","passphrase":)" +
                             SecretJson(Quoted(kPassphrase)) + "}");
  pulumirpc::ConfigureResponse resp;
  ASSERT_TRUE(plugin_->stub().Configure(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_TRUE(resp.acceptsecrets());
  EXPECT_TRUE(resp.supportspreview());
  EXPECT_TRUE(resp.acceptresources());
  EXPECT_FALSE(resp.acceptoutputs());
  auto logs = engine_->logs();
  ASSERT_FALSE(logs.empty()) << "Configure logs the backend to the engine";
  EXPECT_THAT(logs.back().message(), HasSubstr("local backend (" + store + ")"));
  EXPECT_EQ(logs.back().urn(), req.urn());
}

TEST_F(PluginTest, ConfigureFallsBackToTheEnvironmentAndRejectsBadValues) {
  plugin_->SignalAndWait(SIGTERM, absl::Seconds(5));
  Launch({{"PULUMI_ACCESS_TOKEN", kToken}});
  pulumirpc::ConfigureRequest req;
  *req.mutable_args() = Json(R"({"organization":"acme"})");
  pulumirpc::ConfigureResponse resp;
  ASSERT_TRUE(plugin_->stub().Configure(CallContext().get(), req, &resp).ok());
  auto logs = engine_->logs();
  ASSERT_FALSE(logs.empty());
  EXPECT_THAT(logs.back().message(), HasSubstr("cloud backend (https://api.pulumi.com)"));

  *req.mutable_args() = Json(R"({"backendUrl":"http://esc.example.com"})");
  grpc::Status st = plugin_->stub().Configure(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("esc:backendUrl"));
  EXPECT_EQ(st.error_message().find(kToken), std::string::npos);

  *req.mutable_args() = Json(R"({"httpRetries":"lots"})");
  st = plugin_->stub().Configure(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("esc:httpRetries"));
}

TEST_F(PluginTest, CheckPreservesSecretsAndUnknownsAtDepth) {
  pulumirpc::CheckRequest req;
  req.set_urn("urn:pulumi:dev::proj::esc:index:Environment::dev");
  req.set_type("esc:index:Environment");
  *req.mutable_olds() = Json("{}");
  std::string news = R"({"name":"dev","imports":[")" + std::string(wire::kUnknownString) +
                     R"("],"values":{"secrets":{"openai":)" + SecretJson(Quoted(kSecretValue)) +
                     R"(,"later":")" + wire::kUnknownObject + R"("},"list":[1,{"deep":)" +
                     SecretJson(Quoted(kSecretValue)) + "}]}}";
  *req.mutable_news() = Json(news);
  pulumirpc::CheckResponse resp;
  ASSERT_TRUE(plugin_->stub().Check(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.failures_size(), 0);
  // What was sent comes back, wrappers and sentinels intact, plus the
  // project default.
  auto inputs = nlohmann::json::parse(ToJson(resp.inputs()));
  EXPECT_EQ(inputs["project"], "default");
  inputs.erase("project");
  EXPECT_EQ(inputs, nlohmann::json::parse(news));

  // A secret object cannot be one fn::secret: a failure naming the path.
  *req.mutable_news() = Json(R"({"name":"dev","values":{"obj":)" +
                             SecretJson(R"({"a":")" + std::string(kSecretValue) + R"("})") + "}}");
  ASSERT_TRUE(plugin_->stub().Check(CallContext().get(), req, &resp).ok());
  Record(resp);
  ASSERT_EQ(resp.failures_size(), 1);
  EXPECT_EQ(resp.failures(0).property(), "values.obj");
  EXPECT_THAT(resp.failures(0).reason(), HasSubstr("a secret must be a string"));
}

TEST_F(PluginTest, CheckReportsWrongTypesAsFailuresNotErrors) {
  pulumirpc::CheckRequest req;
  req.set_urn("urn:pulumi:dev::proj::esc:index:AccessToken::ci");  // no type: parsed from URN
  *req.mutable_news() =
      Json(R"({"kind":"enviroment","scopes":[{"environment":5,"permission":"read"}],"bogus":1})");
  pulumirpc::CheckResponse resp;
  ASSERT_TRUE(plugin_->stub().Check(CallContext().get(), req, &resp).ok());
  Record(resp);
  std::map<std::string, std::string> failures;
  for (const auto& f : resp.failures()) failures[f.property()] = f.reason();
  EXPECT_THAT(failures["kind"], HasSubstr("did you mean \"environment\""));
  EXPECT_EQ(failures["scopes[0].environment"], "expected a string, got a number");
  EXPECT_THAT(failures["bogus"], HasSubstr("unknown property \"bogus\""));
}

TEST_F(PluginTest, DiffIsValueFreeAndHonoursReplaceOnChanges) {
  pulumirpc::DiffRequest req;
  req.set_id("organization/default/dev");
  req.set_urn("urn:pulumi:dev::proj::esc:index:Environment::dev");
  req.set_type("esc:index:Environment");
  std::string olds =
      R"({"name":"dev","values":{"k":)" + SecretJson(Quoted(kSecretValue)) + R"(,"plain":"a"}})";
  *req.mutable_olds() = Json(olds);
  *req.mutable_old_inputs() = Json(olds);
  *req.mutable_news() = Json(R"({"name":"prod","values":{"k":)" + SecretJson(R"("rotated")") +
                             R"(,"plain":"a","new":")" + wire::kUnknownString + R"("}})");
  pulumirpc::DiffResponse resp;
  ASSERT_TRUE(plugin_->stub().Diff(CallContext().get(), req, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.changes(), pulumirpc::DiffResponse::DIFF_SOME);
  EXPECT_TRUE(resp.hasdetaileddiff());
  std::map<std::string, int> kinds;
  for (const auto& [path, d] : resp.detaileddiff()) kinds[path] = d.kind();
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"name", pulumirpc::PropertyDiff::UPDATE_REPLACE},
                                               {"values.k", pulumirpc::PropertyDiff::UPDATE},
                                               {"values.new", pulumirpc::PropertyDiff::ADD}}));
  EXPECT_EQ(std::vector<std::string>(resp.replaces().begin(), resp.replaces().end()),
            std::vector<std::string>{"name"});
  EXPECT_EQ(ToJson(resp).find("rotated"), std::string::npos) << "no values in a diff";

  // No change: DIFF_NONE, never the proto default DIFF_UNKNOWN.
  *req.mutable_news() = Json(olds);
  ASSERT_TRUE(plugin_->stub().Diff(CallContext().get(), req, &resp).ok());
  EXPECT_EQ(resp.changes(), pulumirpc::DiffResponse::DIFF_NONE);
}

TEST_F(PluginTest, MalformedInputIsAnErrorNotACrash) {
  struct Case {
    std::string news;
    std::string expected;
  } cases[] = {
      {R"({"values":{"k":{")" + std::string(wire::kSigKey) + R"(":")" + wire::kSigSecret +
           R"("}}})",
       "news.values.k: secret is missing its \"value\" field"},
      {R"({"values":{"k":{")" + std::string(wire::kSigKey) + R"(":"0000"}}})",
       "news.values.k: unrecognized signature"},
      {R"({"values":{"k":{")" + std::string(wire::kSigKey) + R"(":true}}})",
       "news.values.k: signature key must hold a string"},
  };
  for (const auto& c : cases) {
    pulumirpc::CheckRequest req;
    req.set_type("esc:index:Environment");
    *req.mutable_news() = Json(c.news);
    pulumirpc::CheckResponse resp;
    grpc::Status st = plugin_->stub().Check(CallContext().get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.news;
    EXPECT_EQ(st.error_message(), c.expected);
  }
  // Unknown type token, and a request with neither type nor a parseable URN.
  pulumirpc::CheckRequest req;
  req.set_type("esc:index:Nope");
  pulumirpc::CheckResponse resp;
  grpc::Status st = plugin_->stub().Check(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("unknown resource type \"esc:index:Nope\""));
  req.clear_type();
  req.set_urn("garbage");
  st = plugin_->stub().Check(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  pulumirpc::InvokeRequest ireq;
  ireq.set_tok("esc:index:openEnvironmnet");
  pulumirpc::InvokeResponse iresp;
  st = plugin_->stub().Invoke(CallContext().get(), ireq, &iresp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("did you mean \"esc:index:openEnvironment\""));

  // Nesting deeper than the provider's limit: INVALID_ARGUMENT naming it
  // (gRPC's default parser said INTERNAL with no message).
  req.set_type("esc:index:Environment");
  *req.mutable_news() = NestedStruct(300);
  st = plugin_->stub().Check(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("deeper than 256 levels"));
  // Still alive and answering.
  pulumirpc::PluginInfo info;
  EXPECT_TRUE(plugin_->stub().GetPluginInfo(CallContext().get(), Empty(), &info).ok());
  EXPECT_TRUE(plugin_->Running());
}

TEST_F(PluginTest, LargeMessagesBeyondTheGrpcDefaultLimit) {
  pulumirpc::CheckRequest req;
  req.set_type("esc:index:Environment");
  std::string big(8 * 1024 * 1024, 'x');  // 8 MiB > gRPC's default 4 MiB
  (*req.mutable_news()->mutable_fields())["name"].set_string_value("dev");
  (*req.mutable_news()->mutable_fields())["yaml"].set_string_value(big);
  pulumirpc::CheckResponse resp;
  grpc::Status st = plugin_->stub().Check(CallContext(absl::Seconds(30)).get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  // Not a definition, so it comes back as a secret (it cannot be proven free
  // of fn::secret); the text is intact inside.
  const auto& yaml = resp.inputs().fields().at("yaml").struct_value().fields();
  EXPECT_EQ(yaml.at(wire::kSigKey).string_value(), wire::kSigSecret);
  EXPECT_EQ(yaml.at("value").string_value().size(), big.size());
}

TEST_F(PluginTest, CrudBeforeConfigureFailsCleanly) {
  pulumirpc::CreateRequest req;
  req.set_urn("urn:pulumi:dev::proj::esc:index:Environment::dev");
  req.set_type("esc:index:Environment");
  *req.mutable_properties() = Json(R"({"name":"dev"})");
  pulumirpc::CreateResponse resp;
  grpc::Status st = plugin_->stub().Create(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("not configured"));
}

TEST_F(PluginTest, CancelThenSigintShutsDownCleanly) {
  Empty e;
  ASSERT_TRUE(plugin_->stub().Cancel(CallContext().get(), Empty(), &e).ok());
  // Still serving after Cancel until the engine closes it.
  pulumirpc::PluginInfo info;
  EXPECT_TRUE(plugin_->stub().GetPluginInfo(CallContext().get(), Empty(), &info).ok());
  // TearDown sends SIGINT and checks the exit status and stdout.
}

TEST_F(PluginTest, SigtermShutsDownCleanly) {
  auto status = plugin_->SignalAndWait(SIGTERM, absl::Seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(plugin_->stdout_after_port(), "");
  plugin_.reset();
}

// The scan itself must be able to fail: a plaintext outside a wrapper is found.
TEST(LeakScan, FindsPlaintextOnlyOutsideSecretWrappers) {
  std::string inside = R"({"a":)" + SecretJson(Quoted(kSecretValue)) + "}";
  std::string outside = R"({"a":")" + std::string(kSecretValue) + R"("})";
  EXPECT_EQ(StripSecrets(inside + "\n" + inside).find(kSecretValue), std::string::npos);
  EXPECT_NE(StripSecrets(inside + "\n" + outside).find(kSecretValue), std::string::npos);
}

TEST(PluginAttach, ServesWithoutAnEngineAddressAndAcceptsAttach) {
  auto engine = FakeEngine::Start();
  ASSERT_NE(engine, nullptr);
  LaunchOptions opts;  // no engine address: debug/attach mode
  const std::string store = ::testing::TempDir() + "/plugin-test-attach.db";
  std::remove(store.c_str());
  opts.env = {{"ESC_PASSPHRASE", "attach-pass"}, {"ESC_LOCAL_PATH", store}};
  auto p = PluginProcess::Launch(opts);
  ASSERT_TRUE(p.ok()) << p.status();
  auto& plugin = **p;
  pulumirpc::PluginAttach attach;
  attach.set_address(engine->address());
  Empty e;
  ASSERT_TRUE(plugin.stub().Attach(CallContext().get(), attach, &e).ok());
  pulumirpc::ConfigureRequest req;
  *req.mutable_args() = Json("{}");
  pulumirpc::ConfigureResponse resp;
  ASSERT_TRUE(plugin.stub().Configure(CallContext().get(), req, &resp).ok());
  EXPECT_FALSE(engine->logs().empty()) << "logs reach the attached engine";
  auto status = plugin.SignalAndWait(SIGINT, absl::Seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(plugin.stdout_after_port(), "");
}

TEST(PluginCli, VersionAndHelp) {
  // --version is for people; it is the one case where stdout carries more
  // than a port.
  LaunchOptions opts;
  opts.extra_args = {"--version"};
  auto p = PluginProcess::Launch(opts);
  ASSERT_FALSE(p.ok()) << "prints a version, not a port";
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("invalid port"));
}

}  // namespace
}  // namespace escnative::testing
