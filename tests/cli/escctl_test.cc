// Runs the built escctl binary (and the demo script) as a user would.
#include "absl/strings/str_split.h"
#include "tests/cli/escctl_test_util.h"

namespace escnative::cli {
namespace {

TEST_F(EscctlTest, HelpAndUsageErrors) {
  Result r = Run({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("escctl env get"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes"));
  r = Run({"env", "set", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage: escctl env set ENV PATH [VALUE|-]"));
  r = Run({"env", "version", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("env version rollback"));
  r = Run({});
  EXPECT_EQ(r.code, 2);
  r = Run({"env", "gte", "dev"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean \"env get\""));
  r = Run({"env", "get", "dev", "--show-secret"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean --show-secrets"));
  r = Run({"env", "set", "dev"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing arguments"));
  r = Run({"env", "set", "dev", "a"});  // VALUE would come from stdin, which is empty
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing VALUE for a: stdin is empty"));
  r = Run({"env", "get", "a/b/c/d"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("\"a/b/c/d\""));
}

TEST_F(EscctlTest, ExitCodes) {
  Result r;
  if (!remote()) {
    r = Run({"env", "ls"});
    EXPECT_EQ(r.code, 3) << r.err;  // no store yet
    EXPECT_THAT(r.err, HasSubstr("no store at"));
    EXPECT_FALSE(std::filesystem::exists(Store()));
  }
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  EXPECT_EQ(Run({"env", "init", "dev"}).code, 4);
  EXPECT_EQ(Run({"env", "get", "nope"}).code, 3);
  EXPECT_EQ(Run({"env", "get", "dev@7"}).code, 3);
  if (remote()) {
    r = Run({"env", "ls"}, {{"ESC_ACCESS_TOKEN", "esc_0123456789abcdef0123456789abcdef"}});
    EXPECT_EQ(r.code, 5) << r.err;
    r = Run({"env", "ls"}, {{"ESC_ACCESS_TOKEN", ""}});
    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_THAT(r.err, HasSubstr("ESC_ACCESS_TOKEN"));
  } else {
    EXPECT_EQ(Run({"env", "ls"}, {{"ESC_PASSPHRASE", "wrong"}}).code, 5);
    r = Run({"env", "ls"}, {{"ESC_PASSPHRASE", ""}});
    EXPECT_EQ(r.code, 5);
    EXPECT_THAT(r.err, HasSubstr("ESC_PASSPHRASE"));
  }
  std::string bad = WriteFile("bad.yaml", "values:\n  a: ${missing.path}\n");
  r = Run({"env", "init", "broken", "-f", bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("default/broken:2:"));
  EXPECT_EQ(Run({"env", "get", "broken"}).code, 3);  // nothing was created
  ASSERT_EQ(Run({"env", "protect", "dev"}).code, 0);
  EXPECT_EQ(Run({"env", "rm", "dev", "--yes"}).code, 4);
  EXPECT_EQ(Run({"env", "rm", "dev"}).code, 2);  // needs --yes
}

// Writes that would break every environment in an import cycle, or hide part
// of a definition, are refused and change nothing.
TEST_F(EscctlTest, CyclesAndMalformedDefinitionsAreRefused) {
  ASSERT_EQ(Run({"env", "init", "a"}).code, 0);
  ASSERT_EQ(Run({"env", "set", "a", "x", "1"}).code, 0);
  Result r = Run({"env", "set", "a", "imports[0]", "a", "--string"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("default/a -> default/a"));
  ASSERT_EQ(Run({"env", "init", "b"}).code, 0);
  ASSERT_EQ(Run({"env", "set", "b", "imports[0]", "a", "--string"}).code, 0);
  r = Run({"env", "set", "a", "imports[0]", "b", "--string"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("default/a -> default/b -> default/a"));
  for (const char* env : {"a", "b"}) {
    r = Run({"env", "open", env});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("\"x\": 1"));
  }

  r = Run(
      {"env", "init", "dup", "-f", WriteFile("dup.yaml", "values:\n  a: 1\nvalues:\n  b: 2\n")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("duplicate key \"values\""));
  r = Run(
      {"env", "init", "docs", "-f", WriteFile("docs.yaml", "values:\n  a: 1\n---\nvalues: {}\n")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("single YAML document"));
  EXPECT_EQ(Run({"env", "get", "dup"}).code, 3);
  EXPECT_EQ(Run({"env", "get", "docs"}).code, 3);
}

TEST_F(EscctlTest, PassphraseFromFiles) {
  ESCCTL_LOCAL_ONLY("the store passphrase");
  std::string pf = WriteFile("pass", "file passphrase\n");
  ASSERT_EQ(Run({"--passphrase-file", pf, "env", "init", "dev"}, {{"ESC_PASSPHRASE", ""}}).code, 0);
  EXPECT_EQ(Run({"env", "ls"}, {{"ESC_PASSPHRASE", ""}, {"ESC_PASSPHRASE_FILE", pf}}).code, 0);
  EXPECT_EQ(
      Run({"env", "ls"}, {{"ESC_PASSPHRASE", ""}, {"PULUMI_CONFIG_PASSPHRASE", "file passphrase"}})
          .code,
      0);
  EXPECT_EQ(
      Run({"env", "ls"}, {{"ESC_PASSPHRASE", ""}, {"PULUMI_CONFIG_PASSPHRASE_FILE", pf}}).code, 0);
  EXPECT_EQ(Run({"env", "ls"}).code, 5);  // the default test passphrase is not this store's
}

TEST_F(EscctlTest, EnvCommandsMaskSecrets) {
  MakeHierarchy();
  Result r = Run({"env", "get", "dev"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"openai_api_key\": \"[secret]\""));
  EXPECT_THAT(r.out, HasSubstr("\"region\": \"eu-west-1\""));
  EXPECT_THAT(r.out, HasSubstr("# Definition"));
  r = Run({"env", "get", "base", "secrets.openai_api_key"});
  EXPECT_THAT(r.out, HasSubstr("ciphertext"));
  r = Run({"env", "get", "dev", "environmentVariables.OPENAI_API_KEY", "--value", "string"});
  EXPECT_EQ(r.out, "[secret]\n");
  r = Run({"env", "open", "dev", "--format", "dotenv", "--redact"});
  EXPECT_EQ(r.out, "OPENAI_API_KEY='[secret]'\n");
  r = Run({"env", "open", "dev", "--format", "json", "--redact"});
  EXPECT_THAT(r.out, HasSubstr("\"anthropic_api_key\": \"[secret]\""));
  r = Run({"env", "open", "dev", "--format", "yaml", "--redact"});
  EXPECT_EQ(r.code, 0);
  r = Run({"env", "open", "dev", "secrets", "--format", "dotenv"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("may not be used with a property path"));
  r = Run({"env", "get", "dev", "--definition"});
  EXPECT_THAT(r.out, HasSubstr("- base"));
  r = Run({"env", "rm", "dev", "region"});
  EXPECT_EQ(r.code, 0);
  r = Run({"env", "get", "dev", "region"});
  EXPECT_EQ(r.code, 3);
  r = Run({"env", "ls"});
  EXPECT_EQ(r.out, "myorg/default/base\nmyorg/default/dev\n");
  r = Run({"env", "ls", "--output", "json"});
  EXPECT_THAT(r.out, HasSubstr("\"environments\""));
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});

  // Revealing is explicit (and leaves the masked checks above intact).
  r = Run({"env", "get", "base", "--show-secrets", "--definition"});
  EXPECT_THAT(r.out, HasSubstr(kOpenAiKey));
  r = Run({"env", "open", "dev", "environmentVariables.OPENAI_API_KEY", "--format", "string"});
  EXPECT_EQ(r.out, std::string(kOpenAiKey) + "\n");
  r = Run({"env", "rm", "dev", "--yes"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("has been removed"));
}

TEST_F(EscctlTest, VersionsAndTags) {
  MakeHierarchy();  // dev at revision 3
  Result r = Run({"env", "version", "tag", "dev@stable"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("revision 3"));
  ASSERT_EQ(Run({"env", "set", "dev", "region", "us-west-2"}).code, 0);  // 4
  r = Run({"env", "get", "dev@stable", "region", "--value", "string"});
  EXPECT_EQ(r.out, "eu-west-1\n");
  r = Run({"env", "version", "tag", "dev@stable", "4"});
  EXPECT_THAT(r.out, HasSubstr("revision 4"));
  r = Run({"env", "version", "tag", "ls", "dev"});
  EXPECT_THAT(r.out, HasSubstr("stable\trevision 4"));
  r = Run({"env", "version", "ls", "dev"});
  EXPECT_THAT(r.out, HasSubstr("revision 4 (tags: "));
  // A server records the token that made the revision, not ESC_ACTOR.
  EXPECT_THAT(r.out, HasSubstr(remote() ? "Author: token:" : "Author: tester"));
  r = Run({"env", "version", "rollback", "dev@3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("new revision 5"));
  r = Run({"env", "get", "dev", "region", "--value", "string"});
  EXPECT_EQ(r.out, "eu-west-1\n");
  EXPECT_EQ(Run({"env", "version", "rollback", "dev"}).code, 2);
  EXPECT_EQ(Run({"env", "version", "tag", "rm", "dev@stable"}).code, 0);
  EXPECT_EQ(Run({"env", "version", "tag", "rm", "dev@stable"}).code, 3);

  EXPECT_EQ(Run({"env", "tag", "set", "dev", "team", "platform"}).code, 0);
  EXPECT_EQ(Run({"env", "tag", "set", "dev", "tier", "dev"}).code, 0);
  EXPECT_EQ(Run({"env", "tag", "rm", "dev", "tier"}).code, 0);
  EXPECT_EQ(Run({"env", "tag", "rm", "dev", "tier"}).code, 3);
  r = Run({"env", "tag", "ls", "dev"});
  EXPECT_EQ(r.out, "team\tplatform\n");
  EXPECT_EQ(Run({"env", "unprotect", "dev"}).code, 0);
}

TEST_F(EscctlTest, TokensScopesAndAudit) {
  MakeHierarchy();
  Result r =
      Run({"token", "create", "--scope", "dev:read", "--expires-in", "720h", "--name", "ci"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string token = std::string(absl::StripTrailingAsciiWhitespace(r.out));
  ASSERT_FALSE(token.empty());
  EXPECT_THAT(r.err, HasSubstr("shown once"));
  EXPECT_THAT(r.err, Not(HasSubstr(token)));
  outputs_.pop_back();  // the one output that legitimately holds the token value
  std::string token_file = WriteFile("token", token + "\n");

  r = Run({"--token-file", token_file, "env", "get", "dev"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Run({"--token-file", token_file, "env", "open", "dev"}).code, 5);
  EXPECT_EQ(Run({"env", "get", "base"}, {{"ESC_ACCESS_TOKEN", token}}).code, 5);
  EXPECT_EQ(Run({"env", "set", "dev", "a", "b"}, {{"ESC_ACCESS_TOKEN", token}}).code, 5);
  EXPECT_EQ(Run({"token", "ls"}, {{"ESC_ACCESS_TOKEN", token}}).code, 5);
  r = Run({"env", "ls"}, {{"ESC_ACCESS_TOKEN", token}});
  EXPECT_EQ(r.out, "myorg/default/dev\n");

  r = Run({"token", "ls"});
  EXPECT_THAT(r.out, HasSubstr("myorg/default/dev:read"));
  std::string id;  // the "ci" token's (remotely the list also holds the admin's)
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (absl::StrContains(line, "myorg/default/dev:read")) id = std::string(line.substr(0, 32));
  }
  ASSERT_EQ(id.size(), 32u) << r.out;
  EXPECT_EQ(Run({"token", "create", "--scope", "dev:bogus"}).code, 1);
  EXPECT_EQ(Run({"token", "create"}).code, 2);
  EXPECT_EQ(Run({"token", "revoke", id}).code, 0);
  EXPECT_EQ(Run({"token", "revoke", "0123456789abcdef0123456789abcdef"}).code, 3);
  EXPECT_EQ(Run({"--token-file", token_file, "env", "get", "dev"}).code, 5);

  ASSERT_EQ(Run({"env", "open", "dev", "--redact"}).code, 0);
  r = Run({"audit", "ls", "--limit", "200"});
  ASSERT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr(Actor() + "\tenvironment.open\tmyorg/default/dev"));
  EXPECT_THAT(r.out, HasSubstr("token.revoke"));
  EXPECT_THAT(r.out, HasSubstr("environment.update\tmyorg/default/base"));
  r = Run({"audit", "ls", "--limit", "2"});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey, token});
}

TEST_F(EscctlTest, Rekey) {
  ESCCTL_LOCAL_ONLY("the store passphrase");
  MakeHierarchy();
  std::string next = WriteFile("next", "the new passphrase\n");
  ASSERT_EQ(Run({"rekey", "--new-passphrase-file", next}).code, 0);
  EXPECT_EQ(Run({"env", "ls"}).code, 5);
  Result r = Run({"env", "open", "dev", "secrets.openai_api_key", "--format", "string"},
                 {{"ESC_PASSPHRASE", "the new passphrase"}});
  EXPECT_EQ(r.out, std::string(kOpenAiKey) + "\n");
  EXPECT_EQ(Run({"rekey"}, {{"ESC_PASSPHRASE", "the new passphrase"}}).code, 2);
  EXPECT_EQ(
      Run({"rekey"}, {{"ESC_PASSPHRASE", "the new passphrase"}, {"ESC_NEW_PASSPHRASE", "third"}})
          .code,
      0);
  EXPECT_EQ(Run({"env", "ls"}, {{"ESC_PASSPHRASE", "third"}}).code, 0);
}

TEST_F(EscctlTest, WrongPassphraseAndCorruptStoreChangeNothing) {
  ESCCTL_LOCAL_ONLY("the store file");
  MakeHierarchy();
  // A wrong passphrase changes no data; it leaves one audit event.
  std::string before = Run({"env", "get", "dev", "--definition"}).out;
  size_t audit_before = Run({"audit", "ls", "--limit", "1000"}).out.size();
  Result r = Run({"env", "set", "dev", "x", "y"}, {{"ESC_PASSPHRASE", "not it"}});
  EXPECT_EQ(r.code, 5);
  EXPECT_THAT(r.err, HasSubstr("wrong passphrase"));
  EXPECT_EQ(Run({"env", "get", "dev", "--definition"}).out, before);
  std::string audit = Run({"audit", "ls", "--limit", "1000"}).out;
  EXPECT_GT(audit.size(), audit_before);
  EXPECT_THAT(audit.substr(audit_before), HasSubstr("store.unlock.denied"));

  std::string corrupt = dir_.File("corrupt.db");
  {
    std::string bytes = ReadFileBytes(Store());
    for (size_t i = 100; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    std::ofstream(corrupt, std::ios::binary) << bytes;
  }
  std::string corrupt_before = ReadFileBytes(corrupt);
  r = Run({"env", "ls"}, {{"ESC_LOCAL_PATH", corrupt}});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("store file"));
  EXPECT_THAT(r.err, HasSubstr("corrupt"));
  EXPECT_EQ(ReadFileBytes(corrupt), corrupt_before);

  std::string garbage = WriteFile("garbage.db", std::string(4096, 'x'));
  r = Run({"env", "ls"}, {{"ESC_LOCAL_PATH", garbage}});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("is not a store"));
  EXPECT_EQ(ReadFileBytes(garbage), std::string(4096, 'x'));
}

TEST_F(EscctlTest, DemoScriptPrintsNoPlaintextSecret) {
  std::string script = SourceDir() + "/scripts/demo-hierarchy.sh";
  ASSERT_TRUE(std::filesystem::exists(script));
  std::map<std::string, std::string> env = {{"DEMO_KEEP_DIR", "1"},
                                            {"DEMO_OPENAI_KEY", kOpenAiKey},
                                            {"DEMO_ANTHROPIC_KEY", kAnthropicKey},
                                            {"ESC_INSECURE_FAST_KDF", "1"},
                                            {"TMPDIR", dir_.path()}};
  Result r = Spawn({"/bin/bash", script, escctl_}, env, dir_.path());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"openai_api_key\": \"[secret]\""));
  EXPECT_THAT(r.out, HasSubstr("OPENAI_API_KEY='[secret]'"));
  EXPECT_THAT(r.out, HasSubstr("revision_tag.create"));
  EXPECT_THAT(r.out, HasSubstr("environment.open"));
  EXPECT_THAT(r.out, HasSubstr("exit code 5"));
  // The fingerprints agree: the secret is inherited by every environment.
  std::vector<std::string> prints;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    size_t at = line.find("fingerprint: ");
    if (at != absl::string_view::npos) prints.emplace_back(line.substr(at + 13, 12));
  }
  ASSERT_EQ(prints.size(), 5u);
  for (const auto& p : prints) EXPECT_EQ(p, prints[0]);

  std::string demo_dir;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (absl::StartsWith(line, "demo directory: ")) demo_dir = std::string(line.substr(16));
  }
  ASSERT_FALSE(demo_dir.empty());
  std::string token =
      std::string(absl::StripTrailingAsciiWhitespace(ReadFileBytes(demo_dir + "/ci-token")));
  ASSERT_FALSE(token.empty());
  for (const std::string& secret : {std::string(kOpenAiKey), std::string(kAnthropicKey), token}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos);
    EXPECT_EQ(r.err.find(secret), std::string::npos);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::string bytes = ReadFileBytes(demo_dir + "/store.db" + suffix);
      EXPECT_EQ(bytes.find(secret), std::string::npos) << suffix;
    }
  }
  // The audit log, read back on its own, holds no secret either.
  Result audit = Spawn({escctl_, "audit", "ls", "--limit", "1000"},
                       {{"ESC_LOCAL_PATH", demo_dir + "/store.db"},
                        {"ESC_PASSPHRASE", "demo passphrase: not for real use"}},
                       dir_.path());
  ASSERT_EQ(audit.code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("token.create"));
  for (const std::string& secret : {std::string(kOpenAiKey), std::string(kAnthropicKey), token}) {
    EXPECT_EQ(audit.all().find(secret), std::string::npos);
  }
}

}  // namespace
}  // namespace escnative::cli
