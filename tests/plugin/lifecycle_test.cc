// Resource lifecycles through the plugin binary on each backend (local, and
// cloud against escctl serve), as the engine drives them: preview with
// unknowns -> create -> no-op diff ->
// update -> replace -> refresh with drift injected behind the provider's back
// (with escctl) -> refresh without drift -> import by id -> delete -> delete
// again. Every response, engine log line, stderr, escctl output and the
// database file are searched for the plaintext secrets at the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/plugin/lifecycle_fixture.h"

namespace escnative::testing {
namespace {

TEST_P(BackendLifecycleTest, EnvironmentStructuredForm) {
  const std::string id = "organization/default/dev";
  // Preview with an unknown import: Check passes it, Create(preview) writes nothing.
  json preview_in = Check(kEnv, "dev", json::object(),
                          {{"name", "dev"},
                           {"imports", {Unknown()}},
                           {"values", {{"greeting", "hi"}, {"apiKey", Secret(kApiKey)}}}});
  pulumirpc::CreateResponse pc;
  ASSERT_TRUE(Create(kEnv, "dev", preview_in, /*preview=*/true, &pc).ok());
  EXPECT_EQ(ToJ(pc.properties())["revision"], wire::kUnknownNumber);
  EXPECT_EQ(Escctl("env get dev"), 3) << "preview must not create anything";

  // Create (base first, dev imports it).
  json base_in = Check(kEnv, "base", json::object(),
                       {{"name", "base"}, {"values", {{"shared", "from-base"}}}});
  pulumirpc::CreateResponse bc;
  ASSERT_TRUE(Create(kEnv, "base", base_in, false, &bc).ok());
  json in =
      Check(kEnv, "dev", json::object(),
            {{"name", "dev"},
             {"imports", {"base"}},
             {"values",
              {{"greeting", "hi"}, {"apiKey", Secret(kApiKey)}, {"env", {{"API", "${apiKey}"}}}}}});
  EXPECT_EQ(in["organization"], "organization");
  EXPECT_EQ(in["project"], "default");
  EXPECT_TRUE(IsSecret(in["values"]["apiKey"]));
  pulumirpc::CreateResponse c;
  grpc::Status st = Create(kEnv, "dev", in, false, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(c.id(), id);
  json out = ToJ(c.properties());
  EXPECT_EQ(out["revision"], 2);
  EXPECT_TRUE(IsSecret(out["values"]["apiKey"])) << "secret leaves stay secret in outputs";
  std::string shown;
  ASSERT_EQ(Escctl("env get dev", &shown), 0);
  EXPECT_THAT(shown, HasSubstr("[secret]"));
  EXPECT_THAT(shown, HasSubstr("from-base")) << "dev inherits from base";

  // Creating it again names the import command.
  pulumirpc::CreateResponse dup;
  st = Create(kEnv, "dev2", in, false, &dup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(st.error_message(), HasSubstr("pulumi import esc:index:Environment dev2 " + id));

  // No-op diff.
  json again = Check(kEnv, "dev", in, in);
  EXPECT_EQ(Diff(kEnv, "dev", id, out, in, again).changes(), pulumirpc::DiffResponse::DIFF_NONE);

  // Someone else adds a key: the structured form leaves it alone.
  ASSERT_EQ(Escctl("env set dev other.key by-hand"), 0);

  // Update one leaf and remove another.
  json news = in;
  news["values"]["greeting"] = "hello";
  news["values"].erase("env");
  json checked = Check(kEnv, "dev", in, news);
  auto d = Diff(kEnv, "dev", id, out, in, checked);
  EXPECT_EQ(d.changes(), pulumirpc::DiffResponse::DIFF_SOME);
  EXPECT_EQ(Kinds(d),
            (std::map<std::string, int>{{"values.env", pulumirpc::PropertyDiff::DELETE},
                                        {"values.greeting", pulumirpc::PropertyDiff::UPDATE}}));
  pulumirpc::UpdateResponse u;
  ASSERT_TRUE(Update(kEnv, "dev", id, out, in, checked, true, &u).ok());  // preview
  ASSERT_TRUE(Update(kEnv, "dev", id, out, in, checked, false, &u).ok());
  json out2 = ToJ(u.properties());
  EXPECT_GT(out2["revision"].get<int>(), out["revision"].get<int>());
  std::string def;
  ASSERT_EQ(Escctl("env get dev --definition", &def), 0);
  EXPECT_THAT(def, HasSubstr("by-hand")) << "keys the resource does not own survive";
  EXPECT_THAT(def, HasSubstr("hello"));
  EXPECT_EQ(def.find("API"), std::string::npos) << "a key declared before and dropped is removed";

  // Replace on name change.
  json renamed = checked;
  renamed["name"] = "dev-renamed";
  auto rd = Diff(kEnv, "dev", id, out2, checked, Check(kEnv, "dev", checked, renamed));
  ASSERT_EQ(rd.replaces_size(), 1);
  EXPECT_EQ(rd.replaces(0), "name");

  // Refresh without drift: same inputs back, so the inverted diff is empty.
  auto r = Read(kEnv, "dev", id, &out2, &checked);
  EXPECT_EQ(r.id(), id);
  json read_in = ToJ(r.inputs());
  EXPECT_EQ(read_in, checked);
  EXPECT_EQ(Diff(kEnv, "dev", id, ToJ(r.properties()), read_in, checked).changes(),
            pulumirpc::DiffResponse::DIFF_NONE);

  // Refresh with drift injected by escctl on an owned secret leaf.
  ASSERT_EQ(Escctl(absl::StrCat("env set dev apiKey ", kDrift, " --secret")), 0);
  r = Read(kEnv, "dev", id, &out2, &checked);
  read_in = ToJ(r.inputs());
  ASSERT_TRUE(IsSecret(read_in["values"]["apiKey"]));
  EXPECT_EQ(read_in["values"]["apiKey"]["value"], kDrift);
  auto dd = Diff(kEnv, "dev", id, ToJ(r.properties()), read_in, checked);
  EXPECT_EQ(Kinds(dd),
            (std::map<std::string, int>{{"values.apiKey", pulumirpc::PropertyDiff::UPDATE}}));

  // Import by id: the yaml form, as a secret because it holds secrets.
  auto imp = Read(kEnv, "imported", id, nullptr, nullptr);
  EXPECT_EQ(imp.id(), id);
  json imp_in = ToJ(imp.inputs());
  EXPECT_TRUE(IsSecret(imp_in["yaml"]));
  EXPECT_EQ(imp_in["name"], "dev");

  // Delete, delete again, then it reads as gone with nothing set.
  EXPECT_TRUE(Delete(kEnv, "dev", id, out2).ok());
  EXPECT_TRUE(Delete(kEnv, "dev", id, out2).ok());
  auto gone = Read(kEnv, "dev", id, &out2, &checked);
  EXPECT_EQ(gone.id(), "");
  EXPECT_FALSE(gone.has_properties());
  EXPECT_FALSE(gone.has_inputs());
}

TEST_P(BackendLifecycleTest, EnvironmentYamlFormAndProtection) {
  const std::string id = "organization/default/app";
  std::string yaml = absl::StrCat("values:\n  token:\n    fn::secret: ", kApiKey, "\n  n: 1\n");
  // Plaintext fn::secret in a non-secret yaml: returned as a secret, with a warning.
  json in = Check(
      kEnv, "app", json::object(),
      {{"name", "app"}, {"yaml", yaml}, {"deletionProtected", true}, {"tags", {{"team", "esc"}}}});
  EXPECT_TRUE(IsSecret(in["yaml"]));
  bool warned = false;
  for (const auto& l : engine_->logs()) warned |= l.severity() == pulumirpc::WARNING;
  EXPECT_TRUE(warned);

  // A definition error is a CheckFailure at preview time.
  std::vector<std::pair<std::string, std::string>> failures;
  Check(kEnv, "bad", json::object(), {{"name", "bad"}, {"yaml", "values:\n  a: ${b\n"}}, &failures);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures[0].first, "yaml");
  // Evaluation errors too, at preview time, naming the path.
  failures.clear();
  Check(kEnv, "bad2", json::object(), {{"name", "bad2"}, {"yaml", "values:\n  a: ${nope.b}\n"}},
        &failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, "yaml");
  EXPECT_THAT(failures[0].second, HasSubstr("values.a"));
  EXPECT_THAT(failures[0].second, HasSubstr("unknown property"));
  failures.clear();
  Check(kEnv, "both", json::object(),
        {{"name", "both"}, {"yaml", "values: {}"}, {"values", {{"a", 1}}}}, &failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_THAT(failures[0].second, HasSubstr("cannot be combined"));

  pulumirpc::CreateResponse c;
  grpc::Status st = Create(kEnv, "app", in, false, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  json out = ToJ(c.properties());
  EXPECT_EQ(out["deletionProtected"], true);
  std::string tags;
  ASSERT_EQ(Escctl("env tag ls app", &tags), 0);
  EXPECT_THAT(tags, HasSubstr("team"));

  // A change behind the program's back makes the etag-guarded update fail clearly.
  ASSERT_EQ(Escctl("env set app extra x"), 0);
  json news = in;
  news["yaml"] =
      Secret(absl::StrCat("values:\n  token:\n    fn::secret: ", kApiKey2, "\n  n: 2\n"));
  json checked = Check(kEnv, "app", in, news);
  pulumirpc::UpdateResponse u;
  st = Update(kEnv, "app", id, out, in, checked, false, &u);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(st.error_message(), HasSubstr("pulumi refresh"));

  // Refresh shows the drift; then the update goes through.
  auto r = Read(kEnv, "app", id, &out, &in);
  json read_in = ToJ(r.inputs());
  EXPECT_NE(read_in["yaml"], in["yaml"]);
  st = Update(kEnv, "app", id, ToJ(r.properties()), read_in, checked, false, &u);
  ASSERT_TRUE(st.ok()) << st.error_message();
  json out2 = ToJ(u.properties());

  // Quiet refresh: the stored (re-serialised) text means the same as ours.
  r = Read(kEnv, "app", id, &out2, &checked);
  EXPECT_EQ(ToJ(r.inputs()), checked);

  // Deletion protection refuses, with the fix in the message.
  st = Delete(kEnv, "app", id, out2);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("deletionProtected: false"));
  json unprotect = checked;
  unprotect["deletionProtected"] = false;
  st = Update(kEnv, "app", id, out2, checked, Check(kEnv, "app", checked, unprotect), false, &u);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(Delete(kEnv, "app", id, ToJ(u.properties())).ok());
}

TEST_P(BackendLifecycleTest, SecretResource) {
  json env_in = Check(kEnv, "svc", json::object(), {{"name", "svc"}, {"values", {{"owned", "x"}}}});
  pulumirpc::CreateResponse ec;
  ASSERT_TRUE(Create(kEnv, "svc", env_in, false, &ec).ok());

  // Preview with an unknown value.
  json pin = Check(kSecret, "key", json::object(),
                   {{"environment", "svc"}, {"path", "secrets.openai"}, {"value", Unknown()}});
  pulumirpc::CreateResponse pc;
  ASSERT_TRUE(Create(kSecret, "key", pin, true, &pc).ok());
  EXPECT_EQ(ToJ(pc.properties())["revision"], wire::kUnknownNumber);

  json in =
      Check(kSecret, "key", json::object(),
            {{"environment", "svc"}, {"path", "values.secrets.openai"}, {"value", kSecretValue}});
  EXPECT_EQ(in["environment"], "organization/default/svc");
  EXPECT_EQ(in["path"], "secrets.openai");
  EXPECT_TRUE(IsSecret(in["value"])) << "value is secret even if the program forgot";
  EXPECT_EQ(in["secret"], true);
  pulumirpc::CreateResponse c;
  grpc::Status st = Create(kSecret, "key", in, false, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const std::string id = "organization/default/svc#secrets.openai";
  EXPECT_EQ(c.id(), id);
  json out = ToJ(c.properties());
  EXPECT_FALSE(out.contains("value")) << "no value echo";

  // Coexists with the structured Environment: refreshing that stays quiet.
  json env_out = ToJ(ec.properties());
  auto er = Read(kEnv, "svc", "organization/default/svc", &env_out, &env_in);
  EXPECT_EQ(ToJ(er.inputs()), env_in);

  // No-op, update, replace.
  EXPECT_EQ(Diff(kSecret, "key", id, out, in, Check(kSecret, "key", in, in)).changes(),
            pulumirpc::DiffResponse::DIFF_NONE);
  json news = in;
  news["value"] = Secret(kApiKey2);
  json checked = Check(kSecret, "key", in, news);
  auto d = Diff(kSecret, "key", id, out, in, checked);
  EXPECT_EQ(Kinds(d), (std::map<std::string, int>{{"value", pulumirpc::PropertyDiff::UPDATE}}));
  pulumirpc::UpdateResponse u;
  ASSERT_TRUE(Update(kSecret, "key", id, out, in, checked, false, &u).ok());
  json out2 = ToJ(u.properties());
  json moved = checked;
  moved["path"] = "secrets.other";
  EXPECT_EQ(
      Diff(kSecret, "key", id, out2, checked, Check(kSecret, "key", checked, moved)).replaces(0),
      "path");

  // Refresh: quiet, then drift by hand, then gone after removal by hand.
  auto r = Read(kSecret, "key", id, &out2, &checked);
  EXPECT_EQ(ToJ(r.inputs()), checked);
  ASSERT_EQ(Escctl(absl::StrCat("env set svc secrets.openai ", kDrift, " --secret")), 0);
  r = Read(kSecret, "key", id, &out2, &checked);
  EXPECT_EQ(ToJ(r.inputs())["value"]["value"], kDrift);
  EXPECT_EQ(Kinds(Diff(kSecret, "key", id, ToJ(r.properties()), ToJ(r.inputs()), checked)),
            (std::map<std::string, int>{{"value", pulumirpc::PropertyDiff::UPDATE}}));

  // Import by id.
  auto imp = Read(kSecret, "imported", id, nullptr, nullptr);
  ASSERT_EQ(imp.id(), id);
  json imp_in = ToJ(imp.inputs());
  EXPECT_EQ(imp_in["path"], "secrets.openai");
  EXPECT_TRUE(IsSecret(imp_in["value"]));

  // Creating over an existing value names the import command.
  pulumirpc::CreateResponse dup;
  st = Create(kSecret, "dup", in, false, &dup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(st.error_message(), HasSubstr("pulumi import esc:index:Secret dup"));

  // A missing environment names the fix.
  json orphan = Check(kSecret, "orphan", json::object(),
                      {{"environment", "nope"}, {"path", "a"}, {"value", "v"}});
  st = Create(kSecret, "orphan", orphan, false, &dup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("escctl env init"));

  // Removed behind the program's back: refresh reads it as gone.
  ASSERT_EQ(Escctl("env rm svc secrets.openai"), 0);
  auto removed = Read(kSecret, "key", id, &out2, &checked);
  EXPECT_EQ(removed.id(), "");
  EXPECT_FALSE(removed.has_inputs());
  EXPECT_TRUE(Delete(kSecret, "key", id, out2).ok());
  EXPECT_TRUE(Delete(kSecret, "key", id, out2).ok());
  EXPECT_EQ(Read(kSecret, "key", id, &out2, &checked).id(), "");
  std::string def;
  ASSERT_EQ(Escctl("env get svc --definition", &def), 0);
  EXPECT_THAT(def, HasSubstr("owned")) << "deleting the Secret leaves the rest";
}

TEST_P(BackendLifecycleTest, AccessTokenWithRotation) {
  std::vector<std::pair<std::string, std::string>> failures;
  Check(kTokenType, "ci", json::object(), {{"kind", "environment"}}, &failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, "scopes");

  json in = Check(kTokenType, "ci", json::object(),
                  {{"kind", "environment"},
                   {"name", "ci"},
                   {"scopes", {{{"environment", "dev"}, {"permission", "read"}}}},
                   {"expiresIn", "720h"},
                   {"rotateBefore", "168h"}});
  EXPECT_EQ(in["scopes"][0]["environment"], "organization/default/dev");
  pulumirpc::CreateResponse pc;
  ASSERT_TRUE(Create(kTokenType, "ci", in, true, &pc).ok());
  EXPECT_TRUE(IsSecret(ToJ(pc.properties())["value"]));

  pulumirpc::CreateResponse c;
  grpc::Status st = Create(kTokenType, "ci", in, false, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  json out = ToJ(c.properties());
  ASSERT_TRUE(IsSecret(out["value"]));
  EXPECT_THAT(out["value"]["value"].get<std::string>(), HasSubstr("esc_"));
  EXPECT_EQ(out["tokenId"], c.id());
  EXPECT_FALSE(out["expiresAt"].get<std::string>().empty());

  // Far from expiry: no change. Inside the window: replace, create before delete.
  EXPECT_EQ(Diff(kTokenType, "ci", c.id(), out, in, in).changes(),
            pulumirpc::DiffResponse::DIFF_NONE);
  json near = out;
  near["expiresAt"] = "2000-01-01T00:00:00Z";
  auto d = Diff(kTokenType, "ci", c.id(), near, in, in);
  EXPECT_EQ(d.changes(), pulumirpc::DiffResponse::DIFF_SOME);
  ASSERT_EQ(d.replaces_size(), 1);
  EXPECT_EQ(d.replaces(0), "expiresAt");
  EXPECT_FALSE(d.deletebeforereplace());

  // Changing only rotateBefore is an in-place update that keeps the token.
  json later = in;
  later["rotateBefore"] = "24h";
  json later_checked = Check(kTokenType, "ci", in, later);
  auto ud = Diff(kTokenType, "ci", c.id(), out, in, later_checked);
  EXPECT_EQ(ud.changes(), pulumirpc::DiffResponse::DIFF_SOME);
  EXPECT_EQ(ud.replaces_size(), 0);
  pulumirpc::UpdateResponse uu;
  ASSERT_TRUE(Update(kTokenType, "ci", c.id(), out, in, later_checked, false, &uu).ok());
  json updated = ToJ(uu.properties());
  EXPECT_EQ(updated["rotateBefore"], "24h");
  EXPECT_EQ(updated["tokenId"], out["tokenId"]);
  EXPECT_EQ(updated["value"], out["value"]);

  // Cloud-only kinds pass Check and fail Create naming the backend (escctl
  // serve has no personal tokens: the cloud backend's request gets a 404).
  json personal =
      Check(kTokenType, "me", json::object(), {{"kind", "personal"}, {"description", "d"}});
  pulumirpc::CreateResponse pr;
  st = Create(kTokenType, "me", personal, false, &pr);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.error_message(), HasSubstr(cloud() ? "creating a personal" : "local"));

  // Refresh keeps the value; import cannot recover it.
  auto r = Read(kTokenType, "ci", c.id(), &out, &in);
  EXPECT_EQ(r.id(), c.id());
  EXPECT_TRUE(IsSecret(ToJ(r.properties())["value"]));
  auto imp = Read(kTokenType, "imported", c.id(), nullptr, nullptr);
  EXPECT_FALSE(ToJ(imp.properties()).contains("value"));
  bool said = false;
  for (const auto& l : engine_->logs())
    said |= l.message().find("cannot be recovered") != std::string::npos;
  EXPECT_TRUE(said);

  // Revoked behind our back: reads as gone.
  ASSERT_EQ(Escctl("token revoke " + c.id()), 0);
  EXPECT_EQ(Read(kTokenType, "ci", c.id(), &out, &in).id(), "");
  EXPECT_TRUE(Delete(kTokenType, "ci", c.id(), out).ok());
  EXPECT_TRUE(Delete(kTokenType, "ci", c.id(), out).ok());
}

TEST_P(BackendLifecycleTest, VersionTagAndFunctions) {
  json env_in = Check(kEnv, "rel", json::object(),
                      {{"name", "rel"},
                       {"values",
                        {{"v", 1},
                         {"apiKey", Secret(kApiKey)},
                         {"environmentVariables", {{"API_KEY", "${apiKey}"}}},
                         {"pulumiConfig", {{"app:key", "${apiKey}"}}}}}});
  pulumirpc::CreateResponse ec;
  ASSERT_TRUE(Create(kEnv, "rel", env_in, false, &ec).ok());
  int rev = ToJ(ec.properties())["revision"];

  // Preview with an unknown environment writes nothing.
  json pin =
      Check(kTag, "stable", json::object(), {{"environment", Unknown()}, {"tagName", "stable"}});
  pulumirpc::CreateResponse pc;
  ASSERT_TRUE(Create(kTag, "stable", pin, true, &pc).ok());
  EXPECT_EQ(ToJ(pc.properties())["revision"], wire::kUnknownNumber);
  std::string tags;
  ASSERT_EQ(Escctl("env version tag ls rel", &tags), 0);
  EXPECT_EQ(tags.find("stable"), std::string::npos);

  json in = Check(kTag, "stable", json::object(), {{"environment", "rel"}, {"tagName", "stable"}});
  pulumirpc::CreateResponse c;
  grpc::Status st = Create(kTag, "stable", in, false, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(c.id(), "organization/default/rel@stable");
  EXPECT_EQ(ToJ(c.properties())["revision"], rev);

  std::vector<std::pair<std::string, std::string>> failures;
  Check(kTag, "bad", json::object(), {{"environment", "rel"}, {"tagName", "latest"}}, &failures);
  EXPECT_EQ(failures.size(), 1u);
  json missing = Check(kTag, "x", json::object(),
                       {{"environment", "rel"}, {"tagName", "x"}, {"revision", 99}});
  pulumirpc::CreateResponse mc;
  st = Create(kTag, "x", missing, false, &mc);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("no revision 99"));

  EXPECT_EQ(Diff(kTag, "stable", c.id(), ToJ(c.properties()), in, Check(kTag, "stable", in, in))
                .changes(),
            pulumirpc::DiffResponse::DIFF_NONE);
  json renamed = in;
  renamed["tagName"] = "gold";
  auto rd =
      Diff(kTag, "stable", c.id(), ToJ(c.properties()), in, Check(kTag, "stable", in, renamed));
  ASSERT_EQ(rd.replaces_size(), 1);
  EXPECT_EQ(rd.replaces(0), "tagName");

  // Move the tag to revision 1: an in-place update.
  json news = in;
  news["revision"] = 1;
  json checked = Check(kTag, "stable", in, news);
  auto d = Diff(kTag, "stable", c.id(), ToJ(c.properties()), in, checked);
  EXPECT_EQ(d.replaces_size(), 0);
  pulumirpc::UpdateResponse u;
  ASSERT_TRUE(Update(kTag, "stable", c.id(), ToJ(c.properties()), in, checked, false, &u).ok());
  EXPECT_EQ(ToJ(u.properties())["revision"], 1);
  auto r = Read(kTag, "stable", c.id(), nullptr, nullptr);
  EXPECT_EQ(ToJ(r.inputs())["revision"], 1);
  // Quiet refresh, then the tag moved behind the program's back shows as drift.
  json tag_out = ToJ(u.properties());
  EXPECT_EQ(ToJ(Read(kTag, "stable", c.id(), &tag_out, &checked).inputs()), checked);
  ASSERT_EQ(Escctl(absl::StrCat("env version tag rel@stable ", rev)), 0);
  auto drifted = Read(kTag, "stable", c.id(), &tag_out, &checked);
  EXPECT_EQ(ToJ(drifted.inputs())["revision"], rev);
  EXPECT_EQ(Kinds(Diff(kTag, "stable", c.id(), ToJ(drifted.properties()), ToJ(drifted.inputs()),
                       checked)),
            (std::map<std::string, int>{{"revision", pulumirpc::PropertyDiff::UPDATE}}));

  // Functions: secrets come back wrapped at the leaf; getEnvironment shows ciphertext only.
  json opened = Invoke("esc:index:openEnvironment", {{"environment", "rel"}});
  EXPECT_EQ(opened["values"]["v"], 1);
  ASSERT_TRUE(IsSecret(opened["values"]["apiKey"]));
  EXPECT_EQ(opened["values"]["apiKey"]["value"], kApiKey);
  ASSERT_TRUE(IsSecret(opened["environmentVariables"]["API_KEY"]));
  ASSERT_TRUE(IsSecret(opened["pulumiConfig"]["app:key"]));
  json at1 = Invoke("esc:index:openEnvironment", {{"environment", "rel"}, {"version", "1"}});
  EXPECT_FALSE(at1["values"].contains("v")) << "revision 1 is empty";
  json at_stable = Invoke("esc:index:openEnvironment", {{"environment", "rel@stable"}});
  EXPECT_EQ(at_stable["values"]["v"], 1) << "stable was moved back to the latest revision";
  json got = Invoke("esc:index:getSecret", {{"environment", "rel"}, {"path", "apiKey"}});
  ASSERT_TRUE(IsSecret(got["value"]));
  EXPECT_EQ(got["value"]["value"], kApiKey);
  json meta = Invoke("esc:index:getEnvironment", {{"environment", "rel"}});
  EXPECT_EQ(meta["name"], "rel");
  EXPECT_THAT(meta["definition"].get<std::string>(), HasSubstr("ciphertext"));
  EXPECT_GE(meta["revisions"].size(), 2u);
  grpc::Status ist;
  Invoke("esc:index:getSecret", {{"environment", "rel"}, {"path", "nope"}}, &ist);
  EXPECT_EQ(ist.error_code(), grpc::StatusCode::NOT_FOUND);

  EXPECT_TRUE(Delete(kTag, "stable", c.id(), ToJ(u.properties())).ok());
  EXPECT_TRUE(Delete(kTag, "stable", c.id(), ToJ(u.properties())).ok());
  EXPECT_EQ(Read(kTag, "stable", c.id(), nullptr, nullptr).id(), "");
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendLifecycleTest, ::testing::Values("local", "cloud"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace escnative::testing
