// esc-plugin-probe: starts pulumi-resource-esc exactly as the Pulumi engine
// does and walks the first calls of a deployment (Handshake, GetPluginInfo,
// GetSchema, CheckConfig), printing what the plugin answered. Used by the
// README's first command to show the plugin speaking the engine's protocol.
//
//   esc-plugin-probe [PATH_TO_PLUGIN]
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "tests/harness/plugin_process.h"

int main(int argc, char** argv) {
  using escnative::testing::CallContext;
  using escnative::testing::FakeEngine;
  using escnative::testing::LaunchOptions;
  using escnative::testing::PluginProcess;

  auto engine = FakeEngine::Start();
  LaunchOptions opts;
  if (argc > 1) opts.binary = argv[1];
  opts.engine_address = engine->address();
  auto launched = PluginProcess::Launch(opts);
  if (!launched.ok()) {
    std::fprintf(stderr, "esc-plugin-probe: %s\n", std::string(launched.status().message()).c_str());
    return 1;
  }
  PluginProcess& plugin = **launched;
  std::printf("launched %s %s\n", (opts.binary.empty() ? escnative::testing::PluginBinaryPath()
                                                       : opts.binary).c_str(),
              engine->address().c_str());
  std::printf("  port line read after %.1f ms: %d\n",
              absl::ToDoubleMilliseconds(plugin.startup_time()), plugin.port());

  pulumirpc::ProviderHandshakeRequest hreq;
  hreq.set_engine_address(engine->address());
  hreq.set_configure_with_urn(true);
  pulumirpc::ProviderHandshakeResponse hresp;
  grpc::Status st = plugin.stub().Handshake(CallContext().get(), hreq, &hresp);
  if (!st.ok()) {
    std::fprintf(stderr, "Handshake failed: %s\n", st.error_message().c_str());
    return 1;
  }
  std::printf("  Handshake: acceptSecrets=%d acceptResources=%d acceptOutputs=%d\n",
              hresp.accept_secrets(), hresp.accept_resources(), hresp.accept_outputs());

  pulumirpc::PluginInfo info;
  st = plugin.stub().GetPluginInfo(CallContext().get(), google::protobuf::Empty(), &info);
  if (!st.ok()) return 1;
  std::printf("  GetPluginInfo: version %s\n", info.version().c_str());

  pulumirpc::GetSchemaResponse schema;
  st = plugin.stub().GetSchema(CallContext().get(), pulumirpc::GetSchemaRequest(), &schema);
  if (!st.ok()) return 1;
  auto j = nlohmann::json::parse(schema.schema());
  std::printf("  GetSchema: package %s %s, %zu resources, %zu functions\n",
              j["name"].get<std::string>().c_str(), j["version"].get<std::string>().c_str(),
              j["resources"].size(), j["functions"].size());
  for (const auto& [tok, r] : j["resources"].items()) std::printf("    resource %s\n", tok.c_str());
  for (const auto& [tok, f] : j["functions"].items()) std::printf("    function %s\n", tok.c_str());

  pulumirpc::CheckRequest creq;
  (*creq.mutable_news()->mutable_fields())["httpRetries"].set_string_value("5");
  pulumirpc::CheckResponse cresp;
  st = plugin.stub().CheckConfig(CallContext().get(), creq, &cresp);
  if (!st.ok()) return 1;
  std::printf("  CheckConfig {httpRetries: \"5\"} -> httpRetries = %g (coerced to a number)\n",
              cresp.inputs().fields().at("httpRetries").number_value());

  auto status = plugin.SignalAndWait(SIGINT, absl::Seconds(5));
  bool clean = status.has_value() && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  std::printf("  SIGINT: %s\n", clean ? "exited cleanly" : "did not exit cleanly");
  return clean ? 0 : 1;
}
