// Unit tests of the generated Node.js SDK (sdk/nodejs, compiled by nodejs_build.sh) under
// pulumi.runtime.setMocks: what each resource and function puts on the wire, and esc.Config.
// Run: NODE_PATH=<compiled sdk>/node_modules:build/npm/node_modules node --test nodejs_mocks_test.js
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pulumi = require("@pulumi/pulumi");

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const PLAIN = "sk-mock-0123456789abcdef";
const secret = v => ({ [SIG]: SECRET, value: v });

const OPENED = {
    values: {
        secrets: { openai_api_key: secret(PLAIN) },
        app: { port: 8080, ratio: 0.5, debug: true, tags: ["a", "b"], db: { host: "h", password: secret("pw") } },
    },
    environmentVariables: { OPENAI_API_KEY: secret(PLAIN) },
    files: {},
    pulumiConfig: { region: "eu-west-1", apiKey: secret(PLAIN), replicas: "3", enabled: "true", obj: { x: 1 } },
};
const calls = [];
const requests = [];

const mocks = {
    newResource(args) {
        const outs = { ...args.inputs };
        if (args.id) { // Resource.get: the id alone, as for import
            return { id: args.id, state: { name: "looked-up", revision: 7, etag: "e7" } };
        }
        switch (args.type) {
            case "esc:index:Environment":
                return { id: "myorg/default/" + args.inputs.name, state: { ...outs, revision: 2, etag: "e1", organization: "myorg", project: "default" } };
            case "esc:index:AccessToken":
                return { id: "t1", state: { ...outs, value: "tok-secret", tokenId: "t1", createdAt: "now" } };
            case "esc:index:Secret":
                delete outs.value; // never echoed
                return { id: `${outs.environment}#${outs.path}`, state: { ...outs, revision: 3, secret: true } };
            case "esc:index:EnvironmentVersionTag":
                return { id: `${outs.environment}@${outs.tagName}`, state: { revision: 2, ...outs } };
            default:
                return { id: args.name + "_id", state: outs };
        }
    },
    call(args) {
        calls.push([args.token, args.inputs]);
        if (args.token === "esc:index:openEnvironment") {
            if (args.inputs.environment === "myorg/default/missing") {
                throw new Error("environment myorg/default/missing not found");
            }
            return OPENED;
        }
        if (args.token === "esc:index:getSecret") {
            return { value: secret(PLAIN) };
        }
        if (args.token === "esc:index:getEnvironment") {
            return { organization: "myorg", project: "default", name: "dev", revision: 4, etag: "e", tags: {},
                     definition: "values: {}", deletionProtected: false,
                     revisions: [{ number: 4, created: "2026-01-01T00:00:00Z", tags: ["stable"] }] };
        }
        return {};
    },
};

let esc;
test.before(async () => {
    await pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const monitor = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => { requests.push(req); return register(req, cb); };
    esc = require("@pulumi-esc-native/esc");
});

const value = o => new Promise(resolve => o.apply(resolve));
const isSecret = o => o.isSecret;
function request(name) {
    const r = requests.find(q => q.getName() === name);
    assert.ok(r, "no RegisterResource for " + name);
    return { type: r.getType(), object: r.getObject().toJavaScript(), version: r.getVersion(),
             secrets: r.getAdditionalsecretoutputsList(), replace: r.getReplaceonchangesList() };
}

test("Environment: camelCase inputs, nested secrets, replaceOnChanges, version", async () => {
    const env = new esc.Environment("base", { name: "base", values: { secrets: { k: pulumi.secret("v") } },
                                              imports: ["shared"], deletionProtected: true, tags: { team: "p" } });
    assert.equal(await value(env.id), "myorg/default/base");
    assert.equal(await value(env.revision), 2);
    assert.equal(await value(env.deletionProtected), true);
    const r = request("base");
    assert.equal(r.type, "esc:index:Environment");
    assert.equal(r.version, esc.Provider.name ? require("@pulumi-esc-native/esc/package.json").version : "");
    assert.deepEqual(r.object.values.secrets.k, secret("v"));
    assert.deepEqual(r.object.imports, ["shared"]);
    assert.deepEqual([...r.replace].sort(), ["name", "organization", "project"]);
    assert.ok(esc.Environment.isInstance(env));
});

test("Environment: required name", () => {
    assert.throws(() => new esc.Environment("noname", {}), /Missing required property 'name'/);
});

test("Environment.get looks up by id", async () => {
    const env = esc.Environment.get("imported", "myorg/default/legacy");
    assert.equal(await value(env.id), "myorg/default/legacy");
    assert.equal(await value(env.name), "looked-up");
    assert.equal(await value(env.revision), 7);
});

test("Secret: the value is a secret on the wire and never an output", async () => {
    const s = new esc.Secret("s1", { environment: "myorg/default/base", path: "secrets.openai_api_key", value: PLAIN });
    assert.equal(await value(s.id), "myorg/default/base#secrets.openai_api_key");
    assert.equal(await value(s.revision), 3);
    const r = request("s1");
    assert.deepEqual(r.object.value, secret(PLAIN));
    assert.deepEqual([...r.replace].sort(), ["environment", "path"]);
    // No value echo: the declared outputs have no `value`.
    const dts = require("node:fs").readFileSync(require.resolve("@pulumi-esc-native/esc/bin/secret.d.ts"), "utf8");
    assert.doesNotMatch(dts, /readonly value/);
});

test("Secret: a falsy value is still sent (as a secret)", async () => {
    const s = new esc.Secret("s0", { environment: "myorg/default/base", path: "flags.off", value: false, secret: false });
    await value(s.id);
    assert.deepEqual(request("s0").object.value, secret(false));
});

test("AccessToken: value in additionalSecretOutputs, typed scopes", async () => {
    const t = new esc.AccessToken("ci", { kind: esc.TokenKind.Environment, description: "CI",
        scopes: [{ environment: "myorg/default/dev", permission: esc.Permission.Read }], expiresIn: "720h" });
    assert.equal(await value(t.tokenId), "t1");
    const r = request("ci");
    assert.deepEqual(r.secrets, ["value"]);
    assert.equal(r.object.kind, "environment");
    assert.deepEqual(r.object.scopes, [{ environment: "myorg/default/dev", permission: "read" }]);
    assert.equal((await value(t.scopes))[0].permission, "read");
});

test("EnvironmentVersionTag", async () => {
    const tag = new esc.EnvironmentVersionTag("stable", { environment: "myorg/default/prod", tagName: "stable", revision: 2 });
    assert.equal(await value(tag.id), "myorg/default/prod@stable");
    assert.deepEqual(request("stable").object, { environment: "myorg/default/prod", tagName: "stable", revision: 2 });
});

test("Provider: secrets wrapped, non-strings as JSON", async () => {
    const p = new esc.Provider("local", { backend: "local", localPath: "/tmp/x.db", passphrase: "pp", httpRetries: 5,
                                          allowInsecureHttp: false });
    await value(p.urn);
    const r = request("local");
    assert.equal(r.type, "pulumi:providers:esc");
    assert.deepEqual(r.object.passphrase, secret("pp"));
    assert.equal(r.object.httpRetries, "5");
    assert.equal(r.object.allowInsecureHttp, "false");
});

test("functions: plain and Output forms", async () => {
    const e = await esc.getEnvironment({ environment: "myorg/default/dev" });
    assert.equal(e.revisions[0].number, 4);
    const o = await esc.openEnvironment({ environment: "myorg/default/dev", version: "stable" });
    assert.equal(o.pulumiConfig.region, "eu-west-1");
    assert.deepEqual(calls[calls.length - 1], ["esc:index:openEnvironment", { environment: "myorg/default/dev", version: "stable" }]);
    const s = esc.getSecretOutput({ environment: pulumi.output("myorg/default/dev"), path: "secrets.openai_api_key" });
    assert.equal(await isSecret(s), true);
    assert.equal((await value(s)).value, PLAIN);
});

test("Config: values by key and by path", async () => {
    const c = new esc.Config("myorg/default/dev");
    assert.equal(await value(c.get("region")), "eu-west-1");
    assert.equal(await value(c.require("region")), "eu-west-1");
    assert.equal(await value(c.getInt("replicas")), 3);
    assert.equal(await value(c.getBoolean("enabled")), true);
    assert.equal(await value(c.getBool("app.debug")), true);
    assert.equal(await value(c.getNumber("app.ratio")), 0.5);
    assert.equal(await value(c.getFloat("app.ratio")), 0.5);
    assert.equal(await value(c.requireInt("app.port")), 8080);
    assert.equal(await value(c.get("app.tags[1]")), "b");
    assert.equal(await value(c.get('app["port"]')), "8080");
    assert.deepEqual(await value(c.getObject("obj")), { x: 1 });
    assert.deepEqual(await value(c.requireObject("app.tags")), ["a", "b"]);
    assert.equal(await value(c.get("nope")), undefined);
    assert.equal(await value(c.get("nope", "dflt")), "dflt");
    assert.equal(await isSecret(c.get("region")), false);
});

test("Config: opened once per environment", async () => {
    const count = () => calls.filter(([t, a]) => t === "esc:index:openEnvironment" && a.environment === "myorg/default/once").length;
    const a = new esc.Config("myorg/default/once"), b = new esc.Config("myorg/default/once");
    await Promise.all([value(a.get("region")), value(b.get("app.port")), value(a.getInt("replicas"))]);
    assert.equal(count(), 1);
});

test("Config: secrets stay secret", async () => {
    const c = new esc.Config("myorg/default/dev");
    const outs = [c.getSecret("apiKey"), c.requireSecret("secrets.openai_api_key"), c.get("apiKey"),
                  c.getSecret("region"), c.getObject("app.db"), c.get("app.db.password")];
    for (const o of outs) {
        assert.equal(await isSecret(o), true);
    }
    assert.deepEqual(await Promise.all(outs.map(value)),
                     [PLAIN, PLAIN, PLAIN, "eu-west-1", { host: "h", password: "pw" }, "pw"]);
});

// A failed Output never runs apply callbacks; read its promise directly to see the error.
// Its other internal promises reject too (in a program that fails the run, by design), so
// observe them all.
const failure = o => {
    for (const p of [o.isKnown, o.isSecret, o.allResources && o.allResources()]) {
        if (p && p.catch) {
            p.catch(() => undefined);
        }
    }
    return o.promise().then(() => undefined, e => e);
};

test("Config: missing keys name the environment and key; wrong types hide the value", async () => {
    const c = new esc.Config("myorg/default/dev");
    let e = await failure(c.require("dbPassword"));
    assert.ok(e instanceof esc.ConfigError);
    assert.match(e.message, /'dbPassword'.*'myorg\/default\/dev'/);
    e = await failure(c.requireInt("region"));
    assert.match(e.message, /is not an integer/);
    assert.doesNotMatch(e.message, /eu-west-1/);
    e = await failure(c.requireInt("apiKey"));
    assert.ok(!e.message.includes(PLAIN));
    e = await failure(new esc.Config("myorg/default/missing").get("x"));
    assert.match(e.message, /opening environment 'myorg\/default\/missing' failed/);
});
