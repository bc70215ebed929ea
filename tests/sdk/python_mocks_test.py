"""Unit tests of the generated Python SDK (sdk/python) under pulumi.runtime.set_mocks.

They check what each resource and function puts on the wire (tokens, camelCase names,
secrets, additionalSecretOutputs, replaceOnChanges, version) and esc.Config's lookups,
secrets and errors. Run: PYTHONPATH=<vendored pulumi>:sdk/python /usr/bin/python3 -m unittest
"""
import json
import unittest

import pulumi
from pulumi.runtime import settings

SIG, SECRET = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
PLAIN = "sk-mock-0123456789abcdef"


def secret(v):
    return {SIG: SECRET, "value": v}


OPENED = {
    "values": {
        "secrets": {"openai_api_key": secret(PLAIN)},
        "app": {"port": 8080, "ratio": 0.5, "debug": True, "tags": ["a", "b"], "db": {"host": "h", "password": secret("pw")}},
        "name": "dev",
    },
    "environmentVariables": {"OPENAI_API_KEY": secret(PLAIN)},
    "files": {},
    "pulumiConfig": {"region": "eu-west-1", "apiKey": secret(PLAIN), "replicas": "3", "enabled": "true",
                     "obj": {"x": 1}},
}
CALLS = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        outs = dict(args.inputs)
        if args.resource_id:  # Resource.get: the id alone, as for import
            return [args.resource_id, {"name": "looked-up", "organization": "myorg", "project": "default",
                                       "deletionProtected": False, "revision": 7, "etag": "e7"}]
        if args.typ == "esc:index:Environment":
            outs.update(revision=2, etag="e1", organization="myorg", project="default")
            outs.setdefault("deletionProtected", False)
            return ["myorg/default/" + args.inputs.get("name", args.name), outs]
        if args.typ == "esc:index:AccessToken":
            outs.update(value="tok-secret", tokenId="t1", createdAt="now")
            return ["t1", outs]
        if args.typ == "esc:index:Secret":
            outs.pop("value", None)  # the provider never echoes it
            outs.update(revision=3, secret=True)
            return [args.inputs["environment"] + "#" + args.inputs["path"], outs]
        if args.typ == "esc:index:EnvironmentVersionTag":
            outs.setdefault("revision", 2)
            return [args.inputs["environment"] + "@" + args.inputs["tagName"], outs]
        return [args.name + "_id", outs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        CALLS.append((args.token, dict(args.args)))
        if args.token == "esc:index:openEnvironment":
            if args.args["environment"] == "myorg/default/missing":
                return {}, [("environment", "environment myorg/default/missing not found")]
            return OPENED
        if args.token == "esc:index:getSecret":
            return {"value": secret(PLAIN)}
        if args.token == "esc:index:getEnvironment":
            return {"organization": "myorg", "project": "default", "name": "dev", "revision": 4, "etag": "e",
                    "tags": {"team": "x"}, "definition": "values: {}", "deletionProtected": False,
                    "revisions": [{"number": 4, "created": "2026-01-01T00:00:00Z", "tags": ["stable"]}]}
        return {}


pulumi.runtime.set_mocks(Mocks(), preview=False)
REQUESTS = []
_monitor = settings.get_monitor()
_register = _monitor.RegisterResource


def _record(req):
    REQUESTS.append(req)
    return _register(req)


_monitor.RegisterResource = _record

import pulumi_esc as esc  # noqa: E402  (after set_mocks, as the SDK docs require)
from google.protobuf import json_format  # noqa: E402


def request_for(name):
    for r in REQUESTS:
        if r.name == name:
            return r
    raise AssertionError("no RegisterResource for " + name)


def wire(req):
    return json_format.MessageToDict(req.object)


def registered(res, fn):
    """Runs fn once `res` is registered (RegisterResource is asynchronous)."""
    return pulumi.Output.all(res.urn, res.id).apply(lambda _: fn())


def check(*outs):
    """Runs `fn` on the resolved values of `outs` (decorator for @pulumi.runtime.test)."""
    def deco(fn):
        return pulumi.Output.all(*outs).apply(lambda vs: fn(*vs))
    return deco


class ResourceTests(unittest.TestCase):
    @pulumi.runtime.test
    def test_environment(self):
        env = esc.Environment("base", name="base", values={"secrets": {"k": pulumi.Output.secret("v")}},
                              imports=["shared"], tags={"team": "platform"}, deletion_protected=True)

        def wire_checks():
            req = request_for("base")
            self.assertEqual(req.type, "esc:index:Environment")
            self.assertEqual(req.version, esc._utilities.get_version())
            w = wire(req)
            self.assertEqual(w["deletionProtected"], True)              # camelCase on the wire
            self.assertEqual(w["values"]["secrets"]["k"], secret("v"))  # nested secret kept
            self.assertEqual(w["imports"], ["shared"])
            self.assertEqual(sorted(req.replaceOnChanges), ["name", "organization", "project"])

        @check(env.id, env.revision, env.etag, env.deletion_protected, registered(env, wire_checks))
        def _(i, rev, etag, dp, _w):
            self.assertEqual(i, "myorg/default/base")
            self.assertEqual((rev, etag, dp), (2, "e1", True))
        return _

    @pulumi.runtime.test
    def test_environment_args_object(self):
        env = esc.Environment("viaargs", esc.EnvironmentArgs(name="dev", yaml="values: {a: 1}"))
        return registered(env, lambda: self.assertEqual(wire(request_for("viaargs"))["yaml"], "values: {a: 1}"))

    def test_environment_requires_name(self):
        with self.assertRaisesRegex(TypeError, "Missing required property 'name'"):
            esc.Environment("noname")

    @pulumi.runtime.test
    def test_environment_get(self):
        env = esc.Environment.get("imported", "myorg/default/legacy")

        @check(env.id, env.name, env.revision)
        def _(i, n, rev):
            self.assertEqual((i, n, rev), ("myorg/default/legacy", "looked-up", 7))
        return _

    @pulumi.runtime.test
    def test_secret_value_is_secret_on_the_wire(self):
        s = esc.Secret("s1", environment="myorg/default/base", path="secrets.openai_api_key", value=PLAIN)
        self.assertNotIn("value", vars(esc.Secret))  # no value echo: no output property

        def wire_checks():
            w = wire(request_for("s1"))
            self.assertEqual(w["value"], secret(PLAIN))
            self.assertEqual(sorted(request_for("s1").replaceOnChanges), ["environment", "path"])

        @check(s.id, s.revision, registered(s, wire_checks))
        def _(i, rev, _w):
            self.assertEqual((i, rev), ("myorg/default/base#secrets.openai_api_key", 3))
        return _

    @pulumi.runtime.test
    def test_secret_falsy_value_is_sent(self):
        s = esc.Secret("s0", environment="myorg/default/base", path="flags.off", value=False, secret=False)
        return registered(s, lambda: self.assertEqual(wire(request_for("s0"))["value"], secret(False)))

    @pulumi.runtime.test
    def test_access_token(self):
        tok = esc.AccessToken("ci", kind=esc.TokenKind.ENVIRONMENT, description="CI",
                              scopes=[esc.AccessTokenScopeArgs(environment="myorg/default/dev",
                                                               permission=esc.Permission.READ)],
                              expires_in="720h", rotate_before="168h")

        def wire_checks():
            req = request_for("ci")
            self.assertEqual(list(req.additionalSecretOutputs), ["value"])
            w = wire(req)
            self.assertEqual(w["kind"], "environment")
            self.assertEqual(w["scopes"], [{"environment": "myorg/default/dev", "permission": "read"}])
            self.assertEqual((w["expiresIn"], w["rotateBefore"]), ("720h", "168h"))
            self.assertIn("kind", req.replaceOnChanges)

        @check(tok.token_id, tok.scopes, registered(tok, wire_checks))
        def _(tid, scopes, _w):
            self.assertEqual(tid, "t1")
            self.assertEqual(scopes[0].permission, "read")  # a typed output object
        return _

    @pulumi.runtime.test
    def test_version_tag(self):
        tag = esc.EnvironmentVersionTag("stable", environment="myorg/default/prod", tag_name="stable", revision=2)

        def wire_checks():
            w = wire(request_for("stable"))
            self.assertEqual((w["tagName"], w["revision"]), ("stable", 2))
        return pulumi.Output.all(tag.id, registered(tag, wire_checks)).apply(
            lambda r: self.assertEqual(r[0], "myorg/default/prod@stable"))

    @pulumi.runtime.test
    def test_provider(self):
        p = esc.Provider("local", backend="local", local_path="/tmp/x.db", passphrase="pp", http_retries=5,
                         allow_insecure_http=False)

        def wire_checks():
            req = request_for("local")
            self.assertEqual(req.type, "pulumi:providers:esc")
            w = wire(req)
            self.assertEqual(w["passphrase"], secret("pp"))
            self.assertEqual(w["httpRetries"], "5")          # provider config travels as JSON strings
            self.assertEqual(w["allowInsecureHttp"], "false")
            self.assertEqual(w["localPath"], "/tmp/x.db")
        return registered(p, wire_checks)


class FunctionTests(unittest.TestCase):
    def test_plain_forms(self):
        r = esc.get_environment(environment="myorg/default/dev")
        self.assertEqual((r.revision, r.deletion_protected, r.revisions[0].number), (4, False, 4))
        self.assertEqual(r.revisions[0].tags, ["stable"])
        o = esc.open_environment(environment="myorg/default/dev", version="stable")
        self.assertEqual(o.pulumi_config["region"], "eu-west-1")
        self.assertEqual(CALLS[-1], ("esc:index:openEnvironment", {"environment": "myorg/default/dev", "version": "stable"}))

    @pulumi.runtime.test
    def test_output_forms_keep_secrets(self):
        v = esc.get_secret_output(environment="myorg/default/dev", path="secrets.openai_api_key")
        o = esc.open_environment_output(environment=pulumi.Output.from_input("myorg/default/dev"))
        return pulumi.Output.all(v.value.is_secret(), v.value, o.pulumi_config.apply(lambda c: c["region"])) \
            .apply(lambda r: self.assertEqual(r, [True, PLAIN, "eu-west-1"]))


class ConfigTests(unittest.TestCase):
    cfg = esc.Config("myorg/default/dev")

    def test_plain_values(self):
        c = self.cfg
        self.assertEqual(c.get("region"), "eu-west-1")
        self.assertEqual(c.require("region"), "eu-west-1")
        self.assertEqual(c.get_int("replicas"), 3)
        self.assertEqual(c.get_bool("enabled"), True)
        self.assertEqual(c.get_int("app.port"), 8080)              # a path into values
        self.assertEqual(c.get_float("app.ratio"), 0.5)
        self.assertEqual(c.get_bool("app.debug"), True)
        self.assertEqual(c.get("app.tags[1]"), "b")
        self.assertEqual(c.get('app["port"]'), "8080")
        self.assertEqual(c.get_object("obj"), {"x": 1})
        self.assertEqual(c.require_object("app.tags"), ["a", "b"])
        self.assertIsNone(c.get("nope"))
        self.assertEqual(c.get("nope", "dflt"), "dflt")
        self.assertEqual(c.get_int("nope", 7), 7)

    def test_opened_once(self):
        before = len([c for c in CALLS if c[0] == "esc:index:openEnvironment" and c[1] == {"environment": "myorg/default/dev"}])
        c2 = esc.Config("myorg/default/dev")
        c2.get("region")
        c2.get("app.port")
        after = len([c for c in CALLS if c[0] == "esc:index:openEnvironment" and c[1] == {"environment": "myorg/default/dev"}])
        self.assertLessEqual(after - before, 1 if before == 0 else 0)

    def test_missing_names_environment_and_key(self):
        with self.assertRaises(esc.config.ConfigError) as e:
            self.cfg.require("dbPassword")
        self.assertIn("'dbPassword'", str(e.exception))
        self.assertIn("'myorg/default/dev'", str(e.exception))
        with self.assertRaisesRegex(esc.config.ConfigError, "'app.db.port'.*myorg/default/dev"):
            self.cfg.require_int("app.db.port")

    def test_wrong_type_does_not_print_the_value(self):
        with self.assertRaises(esc.config.ConfigError) as e:
            self.cfg.get_int("region")
        self.assertIn("not an integer", str(e.exception))
        self.assertNotIn("eu-west-1", str(e.exception))
        with self.assertRaises(esc.config.ConfigError) as e:
            self.cfg.require_int("apiKey")
        self.assertNotIn(PLAIN, str(e.exception))

    def test_open_failure_is_clear(self):
        with self.assertRaisesRegex(esc.config.ConfigError, "opening environment 'myorg/default/missing' failed"):
            esc.Config("myorg/default/missing").get("x")

    @pulumi.runtime.test
    def test_secrets_stay_secret(self):
        c = self.cfg
        outs = [c.get_secret("apiKey"), c.require_secret("secrets.openai_api_key"),
                c.get("apiKey"),                   # plain getter on a secret: still a secret Output
                c.get_secret("region"),            # get_secret of a plain value: made secret
                c.get_object("app.db"),            # an object with a secret leaf
                c.get("app.db.password")]          # a path inside a secret-bearing object
        for o in outs:
            self.assertIsInstance(o, pulumi.Output)
        return pulumi.Output.all(*[o.is_secret() for o in outs], *outs).apply(
            lambda r: self.assertEqual(r, [True] * 6 + [PLAIN, PLAIN, PLAIN, "eu-west-1", {"host": "h", "password": "pw"}, "pw"]))


if __name__ == "__main__":
    unittest.main()
