"""Runs an example program through the test engine against the real plugin on a temporary
local store: up (creates), up again (no changes), a changed secret (exactly one update),
destroy (all gone), and scans the checkpoint, the engine's log and all output for the
plaintext secrets.

    example_run_test.py --example DIR --plugin BIN --escctl BIN --expect N [engine options]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import esc_test_engine as engine  # noqa: E402
from secret_scan import scan  # noqa: E402

ARGS = None
OPENAI_1 = "sk-plain-openai-7f3a9c1e55d0"
OPENAI_2 = "sk-plain-openai-rotated-0b8e42"
STRIPE = "sk-plain-stripe-4d2c7a9e01"
STORE_PASS = "store-passphrase-9q8w7e"
CHECKPOINT_PASS = "checkpoint-passphrase-3z4x"


class ExampleRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="esc-example-")
        cls.state = os.path.join(cls.tmp, "checkpoint.json")
        cls.log = os.path.join(cls.tmp, "engine.log")
        cls.store = os.path.join(cls.tmp, "store.db")
        cls.outputs = []  # every byte the engine printed

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)  # holds the test's config (secrets) and store

    def config(self, openai):
        project = engine.Engine._project_name(type("P", (), {"program": os.path.abspath(ARGS.example)})())
        cfg = {"esc:backend": {"value": "local"}, "esc:localPath": {"value": self.store},
               "esc:passphrase": {"value": STORE_PASS, "secret": True}, "esc:organization": {"value": "myorg"},
               f"{project}:openaiApiKey": {"value": openai, "secret": True},
               f"{project}:stripeKey": {"value": STRIPE, "secret": True}}
        path = os.path.join(self.tmp, "config.json")  # the test's input; not scanned
        with open(path, "w") as fh:
            json.dump(cfg, fh)
        return path

    def run_engine(self, command, openai):
        cmd = [sys.executable, os.path.join(HERE, "esc_test_engine.py"), command, "--program", ARGS.example,
               "--state", self.state, "--config", self.config(openai), "--plugin", ARGS.plugin, "--log", self.log]
        if ARGS.node_modules:
            cmd += ["--node-modules", ARGS.node_modules]
        if ARGS.node_main:
            cmd += ["--node-main", ARGS.node_main]
        env = dict(os.environ, PULUMI_CONFIG_PASSPHRASE=CHECKPOINT_PASS)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=150)
        self.outputs.append(p.stdout + p.stderr)
        if p.returncode != 0:
            with open(self.log) as fh:
                tail = fh.read()[-4000:]
            # The log is scanned below too; show its tail only after checking it holds no secret.
            if not any(s in tail for s in (OPENAI_1, OPENAI_2, STRIPE, STORE_PASS)):
                print(tail, file=sys.stderr)
            self.fail(f"engine {command} failed: {p.stdout}{p.stderr}")
        summary = [l for l in p.stdout.splitlines() if l.startswith("summary ")]
        return json.loads(summary[-1][len("summary "):]), p.stdout

    def stack_outputs(self):
        with open(self.state) as fh:
            cp = json.load(fh)
        import base64
        c = engine.Crypter(CHECKPOINT_PASS, base64.b64decode(cp["secrets"]["salt"]))
        cp = c.open(cp)
        stack = [r for r in cp["resources"] if r["type"] == "pulumi:pulumi:Stack"][0]
        return stack["outputs"], cp

    def escctl(self, *args):
        env = dict(os.environ, ESC_LOCAL_PATH=self.store, ESC_PASSPHRASE=STORE_PASS, ESC_ORGANIZATION="myorg")
        p = subprocess.run([ARGS.escctl, *args], capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_lifecycle(self):
        n = ARGS.expect
        counts, _ = self.run_engine("up", OPENAI_1)
        self.assertEqual(counts, {"create": n, "update": 0, "replace": 0, "same": 0, "delete": 0})
        outs, _ = self.stack_outputs()
        self.assertEqual(outs["openaiApiKey"], {engine.SIG: engine.SECRET_SIG, "value": OPENAI_1})
        self.assertEqual(outs["openaiApiKeySuffix"], "****" + OPENAI_1[-4:])
        self.assertEqual(outs["devEndpoint"], "https://dev.example.com")
        self.assertTrue(engine.is_secret(outs["ciToken"]))
        self.assertEqual(outs["devLookupName"], "dev")  # Environment.get -> ReadResource -> Read
        envs = self.escctl("env", "ls")
        for name in ("base", "dev", "staging", "prod"):
            self.assertIn(name, envs)

        counts, _ = self.run_engine("up", OPENAI_1)
        self.assertEqual(counts, {"create": 0, "update": 0, "replace": 0, "same": n, "delete": 0})

        counts, out = self.run_engine("up", OPENAI_2)
        self.assertEqual(counts, {"create": 0, "update": 1, "replace": 0, "same": n - 1, "delete": 0})
        self.assertIn("update esc:index:Environment base", out)
        outs, _ = self.stack_outputs()
        self.assertEqual(outs["openaiApiKey"]["value"], OPENAI_2)  # read back through esc.Config

        counts, _ = self.run_engine("destroy", OPENAI_2)
        self.assertEqual(counts, {"create": 0, "update": 0, "replace": 0, "same": 0, "delete": n})
        with open(self.state) as fh:
            cp = json.load(fh)
        self.assertEqual(cp["resources"], [])
        self.assertEqual(self.escctl("env", "ls").strip(), "")
        self.assertNotIn("ci-dev-reader", self.escctl("token", "ls"))

        # Nothing anywhere in plaintext: the checkpoint, the engine log (program output, plugin
        # stderr, Engine.Log), what the engine printed.
        outfile = os.path.join(self.tmp, "engine-output.txt")
        with open(outfile, "w") as fh:
            fh.write("".join(self.outputs))
        hits = scan([self.state, self.log, outfile], [OPENAI_1, OPENAI_2, STRIPE, STORE_PASS])
        self.assertEqual(hits, [])
        # ...and the same scan does find a plaintext planted in these very files.
        for path in (self.state, self.log, outfile):
            planted = os.path.join(self.tmp, "planted")
            with open(path, "rb") as src, open(planted, "wb") as dst:
                dst.write(src.read() + json.dumps({"leak": OPENAI_2}).encode())
            self.assertEqual(scan([planted], [OPENAI_1, OPENAI_2]), [(planted, 1)])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--escctl", required=True)
    ap.add_argument("--expect", type=int, required=True, help="resources the program creates")
    ap.add_argument("--node-modules")
    ap.add_argument("--node-main")
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
