// Our own tests of `escctl serve` written on the official client's raw API
// (@pulumi/esc-sdk's EscRawApi): every call goes through the SDK's own request
// building, so paths, query encoding, headers and bodies are the SDK's, not
// ours. Run by run_sdk_suite.sh against a fresh server.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const path = require("path");
const sdk = require(require.resolve("@pulumi/esc-sdk", { paths: [process.cwd()] }));

const ORG = "sdkorg";
const PROJECT = "rawproj";
const SECRET = "raw-api-SECRET-5e0c7a9d31";
const api = new sdk.EscRawApi(
  new sdk.Configuration({
    basePath: process.env.ESC_SDK_SUITE_BASE_URL,
    accessToken: process.env.PULUMI_ACCESS_TOKEN,
  }),
);

async function status(promise) {
  try {
    return (await promise).status;
  } catch (e) {
    if (e.response) return e.response.status;
    throw e;
  }
}

test("environments through the raw client", async () => {
  const env = "raw-env";
  assert.strictEqual(await status(api.createEnvironment(ORG, { project: PROJECT, name: env })), 200);
  assert.strictEqual(
    await status(api.createEnvironment(ORG, { project: PROJECT, name: env })),
    409,
    "creating it twice is a conflict",
  );
  const yaml = `values:\n  plain: hello\n  secrets:\n    k:\n      fn::secret: ${SECRET}\n  pulumiConfig:\n    greeting: \${plain}\n`;
  const upd = await api.updateEnvironmentYaml(ORG, PROJECT, env, yaml);
  assert.strictEqual(upd.status, 200);
  assert.strictEqual(upd.headers["pulumi-esc-revision"], "2");

  // The stored form holds ciphertext; YAML is never JSON-parsable.
  const got = await api.getEnvironment(ORG, PROJECT, env);
  assert.strictEqual(typeof got.data, "string");
  assert.ok(!got.data.includes(SECRET));
  assert.ok(got.data.includes("ciphertext"));
  assert.ok(got.headers["etag"]);
  const dec = await api.decryptEnvironment(ORG, PROJECT, env);
  assert.ok(String(dec.data).includes(SECRET));

  // Etags: HEAD gives it, a stale one is a 409, the current one works.
  const head = await api.getEnvironmentETag(ORG, PROJECT, env);
  const etag = head.headers["etag"];
  assert.ok(etag);
  assert.strictEqual(
    await status(api.updateEnvironmentYaml(ORG, PROJECT, env, yaml, { headers: { "If-Match": "stale" } })),
    409,
  );
  const ok = await api.updateEnvironmentYaml(ORG, PROJECT, env, yaml + "  more: 1\n", {
    headers: { "If-Match": etag },
  });
  assert.strictEqual(ok.status, 200);

  // Open, then read it whole and by property (the SDK's `open//id` path).
  const open = await api.openEnvironment(ORG, PROJECT, env, "5m");
  assert.ok(open.data.id);
  const read = await api.readOpenEnvironment(ORG, PROJECT, env, open.data.id);
  assert.strictEqual(read.data.properties.plain.value, "hello");
  const prop = await api.readOpenEnvironmentProperty(ORG, PROJECT, env, open.data.id, "secrets.k");
  assert.strictEqual(prop.data.value, SECRET);
  assert.strictEqual(prop.data.secret, true);
  const cfg = await api.readOpenEnvironmentProperty(ORG, PROJECT, env, open.data.id, "pulumiConfig.greeting");
  assert.strictEqual(cfg.data.value, "hello");

  // Revisions newest first, `count` honoured; at a version.
  const revs = await api.listEnvironmentRevisions(ORG, PROJECT, env, undefined, 2);
  assert.deepStrictEqual(
    revs.data.map((r) => r.number),
    [3, 2],
  );
  const at2 = await api.getEnvironmentAtVersion(ORG, PROJECT, env, "2");
  assert.ok(!String(at2.data).includes("more:"));

  // Revision tags and environment tags.
  assert.strictEqual(
    await status(api.createEnvironmentRevisionTag(ORG, PROJECT, env, { name: "stable", revision: 2 })),
    204,
  );
  assert.strictEqual((await api.getEnvironmentRevisionTag(ORG, PROJECT, env, "stable")).data.revision, 2);
  assert.strictEqual(
    await status(api.updateEnvironmentRevisionTag(ORG, PROJECT, env, "stable", { revision: 3 })),
    204,
  );
  const tags = await api.listEnvironmentRevisionTags(ORG, PROJECT, env);
  assert.ok(tags.data.tags.some((t) => t.name === "stable" && t.revision === 3));
  assert.strictEqual(await status(api.deleteEnvironmentRevisionTag(ORG, PROJECT, env, "stable")), 204);
  const tag = await api.createEnvironmentTag(ORG, PROJECT, env, { name: "team", value: "esc" });
  assert.strictEqual(tag.data.value, "esc");
  const renamed = await api.updateEnvironmentTag(ORG, PROJECT, env, "team", {
    currentTag: { value: "esc" },
    newTag: { name: "owner", value: "platform" },
  });
  assert.strictEqual(renamed.data.name, "owner");
  const envTags = await api.listEnvironmentTags(ORG, PROJECT, env);
  assert.strictEqual(envTags.data.tags.owner.value, "platform");
  assert.strictEqual(await status(api.deleteEnvironmentTag(ORG, PROJECT, env, "owner")), 204);

  // Listing sees it; errors are the documented codes with {code, message}.
  const list = await api.listEnvironments(ORG);
  assert.ok(list.data.environments.some((e) => e.project === PROJECT && e.name === env));
  assert.strictEqual(await status(api.getEnvironment(ORG, PROJECT, "nope")), 404);
  try {
    await api.checkEnvironmentYaml(ORG, "values:\n  a: ${nope}\n");
    assert.fail("an invalid definition must be a 400");
  } catch (e) {
    assert.strictEqual(e.response.status, 400);
    assert.ok(e.response.data.diagnostics.length > 0);
  }
  const anon = new sdk.EscRawApi(
    new sdk.Configuration({ basePath: process.env.ESC_SDK_SUITE_BASE_URL, accessToken: "esc_bad" }),
  );
  try {
    await anon.listEnvironments(ORG);
    assert.fail("a bad token must be a 401");
  } catch (e) {
    assert.strictEqual(e.response.status, 401);
    assert.strictEqual(e.response.data.code, 401);
    assert.ok(!JSON.stringify(e.response.data).includes("esc_bad"));
  }
  assert.strictEqual(await status(api.deleteEnvironment(ORG, PROJECT, env)), 200);
  assert.strictEqual(await status(api.getEnvironment(ORG, PROJECT, env)), 404);
});
