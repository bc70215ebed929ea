#!/usr/bin/python3
"""A small Pulumi test engine: runs a real Pulumi program (Python or Node.js) against the real
pulumi-resource-esc plugin, so the SDKs are proven end to end without the pulumi CLI.

    esc_test_engine.py up      --program DIR --state FILE --config FILE --plugin BIN [--stack S]
    esc_test_engine.py destroy --program DIR --state FILE --config FILE --plugin BIN [--stack S]

What it does (the subset of the real engine the examples need):
  * serves ResourceMonitor and Engine over gRPC and starts the program the way the language
    hosts do (Python: the vendored SDK's pulumi-language-python-exec; Node.js: @pulumi/pulumi's
    cmd/run), with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS from the config file;
  * launches one plugin process per provider (the default `esc` provider is configured from the
    `esc:*` stack config; explicit `esc.Provider`s from their inputs): port on stdout,
    CheckConfig, Configure;
  * RegisterResource -> Check, then Diff against the checkpoint, then Create, Update, a replace
    (create-then-delete, or delete-then-create when the plugin asks) or nothing when unchanged;
    Invoke -> the provider's Invoke; ReadResource (Resource.get) -> Read, not recorded in the
    checkpoint; RegisterResourceOutputs -> stack outputs;
  * after the program, deletes (in reverse order) what the checkpoint has and this run did not
    register; `destroy` deletes everything;
  * keeps state in a JSON checkpoint in which every secret is a secret wrapper holding AES-GCM
    ciphertext (key from PULUMI_CONFIG_PASSPHRASE via scrypt) -- never plaintext;
  * marks outputs secret like the engine does: additionalSecretOutputs, and outputs whose
    same-named input was secret.

What it does NOT do: previews (runs are always `up` with dry_run false), refresh, import,
aliases, protect, ignoreChanges, transforms, resource references, components beyond recording
them, parallel steps, or any package but `esc`. Engine.Log debug messages are dropped unless
--debug is given (the SDKs' debug chatter dumps raw RPC payloads, secrets included; the pulumi
CLI likewise shows them only with --debug). A program error stops the run; state is saved
for what was done. The config file is the test's input ({"key": {"value": "...", "secret": b}})
and is not scanned.

Output: one line per step on stdout (`create|update|replace|same|delete <type> <name>`) and a
final `summary {"create": n, ...}` line; everything else (program output, plugin stderr,
Engine.Log messages) goes to the --log file.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENDOR = os.environ.get("ESC_PULUMI_PYTHON_SDK",
                        os.path.join(os.path.dirname(ROOT), "shared", "vendor", "pulumi-python-3.189.0"))
sys.path.insert(0, VENDOR)

import grpc  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from google.protobuf import empty_pb2, json_format, struct_pb2  # noqa: E402
from pulumi.runtime.proto import (engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc,  # noqa: E402
                                  resource_pb2, resource_pb2_grpc)

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
DIFF_NONE, DIFF_SOME = 1, 2


def to_dict(struct):
    return json_format.MessageToDict(struct) if struct is not None else {}


def to_struct(d):
    s = struct_pb2.Struct()
    json_format.ParseDict(d or {}, s)
    return s


def is_secret(v):
    return isinstance(v, dict) and v.get(SIG) == SECRET_SIG


def has_secret(v):
    if is_secret(v):
        return True
    if isinstance(v, dict):
        return any(has_secret(e) for e in v.values())
    if isinstance(v, list):
        return any(has_secret(e) for e in v)
    return False


def unwrap(v):
    if is_secret(v):
        return unwrap(v.get("value"))
    if isinstance(v, dict):
        return {k: unwrap(e) for k, e in v.items()}
    if isinstance(v, list):
        return [unwrap(e) for e in v]
    return v


class Crypter:
    """Encrypts secret wrappers for the checkpoint, as the passphrase secrets manager does."""

    def __init__(self, passphrase, salt=None):
        if not passphrase:
            raise SystemExit("engine: PULUMI_CONFIG_PASSPHRASE must be set (it encrypts the checkpoint's secrets)")
        self.salt = salt or os.urandom(16)
        key = hashlib.scrypt(passphrase.encode(), salt=self.salt, n=2 ** 14, r=8, p=1, dklen=32)
        self.aead = AESGCM(key)

    def seal(self, v):
        if is_secret(v):
            nonce = os.urandom(12)
            ct = self.aead.encrypt(nonce, json.dumps(unwrap(v)).encode(), None)
            return {SIG: SECRET_SIG, "ciphertext": base64.b64encode(nonce + ct).decode()}
        if isinstance(v, dict):
            return {k: self.seal(e) for k, e in v.items()}
        if isinstance(v, list):
            return [self.seal(e) for e in v]
        return v

    def open(self, v):
        if is_secret(v) and "ciphertext" in v:
            raw = base64.b64decode(v["ciphertext"])
            try:
                plain = self.aead.decrypt(raw[:12], raw[12:], None)
            except Exception:
                raise SystemExit("engine: cannot decrypt the checkpoint's secrets (wrong passphrase?)") from None
            return {SIG: SECRET_SIG, "value": json.loads(plain)}
        if isinstance(v, dict):
            return {k: self.open(e) for k, e in v.items()}
        if isinstance(v, list):
            return [self.open(e) for e in v]
        return v


class Plugin:
    """One pulumi-resource-esc process, launched as the engine does."""

    def __init__(self, engine, binary, name):
        self.engine = engine
        self.name = name
        self.proc = subprocess.Popen([binary, engine.engine_addr], stdout=subprocess.PIPE,
                                     stderr=engine.logf, cwd=engine.program, start_new_session=True)
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            raise ValueError(f"plugin {binary} wrote no port (got {line!r})")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def configure(self, urn, inputs):
        chk = self.stub.CheckConfig(provider_pb2.CheckRequest(urn=urn, olds=to_struct({}), news=to_struct(inputs)))
        if chk.failures:
            raise ValueError("provider config is invalid: " +
                             "; ".join(f"{f.property}: {f.reason}" for f in chk.failures))
        self.stub.Configure(provider_pb2.ConfigureRequest(args=chk.inputs, acceptSecrets=True, acceptResources=True))

    def close(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Engine:
    def __init__(self, args):
        self.args = args
        self.program = os.path.abspath(args.program)
        self.project = self._project_name()
        self.runtime = self._runtime()
        self.stack = args.stack
        with open(args.config) as fh:
            self.config = json.load(fh)
        self.logf = open(args.log, "ab") if args.log else open(os.devnull, "wb")
        self.lock = threading.RLock()
        self.old = {"resources": []}
        salt = None
        if os.path.exists(args.state):
            with open(args.state) as fh:
                cp = json.load(fh)
            salt = base64.b64decode(cp["secrets"]["salt"])
            self.crypter = Crypter(os.environ.get("PULUMI_CONFIG_PASSPHRASE"), salt)
            self.old = self.crypter.open(cp)
        else:
            self.crypter = Crypter(os.environ.get("PULUMI_CONFIG_PASSPHRASE"))
        self.old_by_urn = {r["urn"]: r for r in self.old["resources"]}
        self.new = []          # resources registered in this run, in order
        self.new_by_urn = {}
        self.plugins = {}      # provider ref ("urn::id") -> Plugin
        self.counts = {"create": 0, "update": 0, "replace": 0, "same": 0, "delete": 0}
        self.root = ""
        self.error = None

    def _project_name(self):
        with open(os.path.join(self.program, "Pulumi.yaml")) as fh:
            text = fh.read()
        return re.search(r"^name:\s*(\S+)", text, re.M).group(1)

    def _runtime(self):
        with open(os.path.join(self.program, "Pulumi.yaml")) as fh:
            m = re.search(r"^runtime:\s*(?:\n\s+name:\s*)?(\w+)", fh.read(), re.M)
        return m.group(1)

    def log(self, text):
        with self.lock:
            self.logf.write((text.rstrip("\n") + "\n").encode())
            self.logf.flush()

    def step(self, op, typ, name):
        self.counts[op] += 1
        print(f"{op} {typ} {name}", flush=True)

    # -------------------------------------------------------------------------- providers

    def default_provider_ref(self):
        urn = self.urn("pulumi:providers:esc", "default", None)
        return f"{urn}::default"

    def provider_for(self, ref):
        with self.lock:
            ref = ref or self.default_provider_ref()
            if ref in self.plugins:
                return self.plugins[ref]
            urn = ref.rsplit("::", 1)[0]
            if ref == self.default_provider_ref():
                inputs = {}
                for k, v in self.config.items():
                    if k.startswith("esc:"):
                        value = v["value"]
                        inputs[k[4:]] = {SIG: SECRET_SIG, "value": value} if v.get("secret") else value
            else:
                st = self.new_by_urn.get(urn) or self.old_by_urn.get(urn)
                if st is None:
                    raise ValueError(f"unknown provider {ref}")
                inputs = st["inputs"]
            p = Plugin(self, self.args.plugin, urn)
            p.configure(urn, inputs)
            self.plugins[ref] = p
            return p

    # ------------------------------------------------------------------------------ URNs

    def urn(self, typ, name, parent):
        qual = typ
        if parent:
            pst = self.new_by_urn.get(parent) or self.old_by_urn.get(parent)
            if pst and pst["type"] != "pulumi:pulumi:Stack":
                qual = pst["qualified"] + "$" + typ
        return f"urn:pulumi:{self.stack}::{self.project}::{qual}::{name}"

    def record(self, st):
        with self.lock:
            self.new.append(st)
            self.new_by_urn[st["urn"]] = st

    # ------------------------------------------------------------------- resource steps

    def register(self, req):
        typ, name = req.type, req.name
        parent = req.parent
        urn = self.urn(typ, name, parent)
        qual = urn.split("::")[2]
        inputs = to_dict(req.object)
        old = self.old_by_urn.get(urn)
        st = {"urn": urn, "type": typ, "qualified": qual, "name": name, "custom": req.custom, "parent": parent,
              "provider": req.provider, "inputs": inputs, "outputs": {}, "id": "",
              "dependencies": list(req.dependencies)}
        if not req.custom:  # the stack or a component: nothing to do but remember it
            if old:
                st["outputs"] = old.get("outputs", {})
            self.record(st)
            return st
        if typ.startswith("pulumi:providers:"):
            # An explicit provider: its inputs are its config; its id stays while they do.
            same = old is not None and unwrap(old["inputs"]) == unwrap(inputs)
            st["id"] = old["id"] if same else str(uuid.uuid4())
            st["outputs"] = inputs
            self.record(st)
            self.step("same" if same else ("update" if old else "create"), typ, name)
            return st
        prov = self.provider_for(req.provider)
        chk = prov.stub.Check(provider_pb2.CheckRequest(
            urn=urn, name=name, type=typ, olds=to_struct(old["inputs"] if old else {}), news=req.object,
            randomSeed=os.urandom(32)))
        if chk.failures:
            raise ValueError(f"{typ} {name}: " + "; ".join(f"{f.property}: {f.reason}" for f in chk.failures))
        checked = to_dict(chk.inputs)
        st["inputs"] = checked
        op = "create"
        if old:
            diff = prov.stub.Diff(provider_pb2.DiffRequest(
                id=old["id"], urn=urn, name=name, type=typ, olds=to_struct(old["outputs"]), news=chk.inputs,
                old_inputs=to_struct(old["inputs"])))
            if diff.replaces:
                op = "replace"
            elif diff.changes == DIFF_SOME or (diff.changes != DIFF_NONE and unwrap(checked) != unwrap(old["inputs"])):
                op = "update"
            else:
                op = "same"
        if op == "same":
            st["id"], st["outputs"] = old["id"], old["outputs"]
        elif op == "update":
            resp = prov.stub.Update(provider_pb2.UpdateRequest(
                id=old["id"], urn=urn, name=name, type=typ, olds=to_struct(old["outputs"]), news=chk.inputs,
                old_inputs=to_struct(old["inputs"])))
            st["id"], st["outputs"] = old["id"], to_dict(resp.properties)
        else:
            if op == "replace" and diff.deleteBeforeReplace:
                self.delete(old, quiet=True)
            resp = prov.stub.Create(provider_pb2.CreateRequest(urn=urn, name=name, type=typ, properties=chk.inputs))
            st["id"], st["outputs"] = resp.id, to_dict(resp.properties)
            if op == "replace" and not diff.deleteBeforeReplace:
                self.delete(old, quiet=True)
        st["outputs"] = self.mark_secrets(st["outputs"], checked, req.additionalSecretOutputs)
        self.record(st)
        self.step(op, typ, name)
        return st

    @staticmethod
    def mark_secrets(outputs, inputs, additional):
        out = dict(outputs)
        for k, v in out.items():
            if is_secret(v):
                continue
            if k in additional or has_secret(inputs.get(k)):
                out[k] = {SIG: SECRET_SIG, "value": unwrap(v)}
        return out

    def delete(self, st, quiet=False):
        if st["custom"] and not st["type"].startswith("pulumi:providers:"):
            prov = self.provider_for(st.get("provider"))
            prov.stub.Delete(provider_pb2.DeleteRequest(
                id=st["id"], urn=st["urn"], name=st.get("name", ""), type=st["type"],
                properties=to_struct(st["outputs"]), old_inputs=to_struct(st["inputs"])))
        if not quiet and st["type"] != "pulumi:pulumi:Stack":
            self.step("delete", st["type"], st.get("name", ""))

    # --------------------------------------------------------------------------- running

    def serve(self):
        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=8),
                                  options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(Monitor(self), self.server)
        engine_pb2_grpc.add_EngineServicer_to_server(EngineService(self), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.monitor_addr = self.engine_addr = f"127.0.0.1:{port}"

    def program_command(self):
        common = ["--monitor", self.monitor_addr, "--engine", self.engine_addr, "--project", self.project,
                  "--stack", self.stack, "--pwd", self.program]
        if self.runtime == "python":
            return [sys.executable if sys.executable.startswith("/usr/bin") else "/usr/bin/python3", "-u",
                    os.path.join(VENDOR, "bin", "pulumi-language-python-exec")] + common + \
                   ["--dry_run", "false", "--parallel", "4", "."]
        if self.runtime == "nodejs":
            runs = [os.path.join(d, "@pulumi", "pulumi", "cmd", "run", "index.js")
                    for d in self.args.node_modules.split(os.pathsep)]
            run = next((r for r in runs if os.path.exists(r)), runs[-1])
            main = self.args.node_main or "."
            return ["node", run] + common + ["--parallel", "4", main]
        raise SystemExit(f"engine: runtime {self.runtime} is not supported")

    def run_program(self):
        env = dict(os.environ)
        cfg = {k: v["value"] for k, v in self.config.items()}
        env["PULUMI_CONFIG"] = json.dumps(cfg)
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(k for k, v in self.config.items() if v.get("secret")))
        env["PULUMI_PROJECT"], env["PULUMI_STACK"] = self.project, self.stack
        if self.runtime == "python":
            env["PYTHONPATH"] = os.pathsep.join([VENDOR, os.path.join(ROOT, "sdk", "python")])
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["NODE_PATH"] = self.args.node_modules
        proc = subprocess.run(self.program_command(), cwd=self.program, env=env,
                              stdout=self.logf, stderr=self.logf)
        return proc.returncode

    def finish(self, deleting):
        # Reverse order: dependents were registered after what they depend on.
        for st in reversed(deleting):
            self.delete(st)

    def save(self, resources):
        clean = [{k: v for k, v in r.items()} for r in resources]
        cp = {"version": 1, "secrets": {"kind": "scrypt+aes-256-gcm",
                                        "salt": base64.b64encode(self.crypter.salt).decode()},
              "project": self.project, "stack": self.stack, "resources": clean}
        tmp = self.args.state + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(self.crypter.seal(cp), fh, indent=1, sort_keys=True)
        os.replace(tmp, self.args.state)

    def close(self):
        for p in self.plugins.values():
            p.close()
        if hasattr(self, "server"):
            self.server.stop(0)


class Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, engine):
        self.e = engine

    def SupportsFeature(self, request, context):
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in ("secrets",))

    def RegisterResource(self, request, context):
        try:
            st = self.e.register(request)
        except grpc.RpcError as err:
            return self._fail(context, f"{request.type} {request.name}: {err.details()}")
        except ValueError as err:
            return self._fail(context, str(err))
        return resource_pb2.RegisterResourceResponse(urn=st["urn"], id=st["id"], object=to_struct(st["outputs"]))

    def _fail(self, context, message):
        self.e.error = message
        self.e.log("error: " + message)
        context.abort(grpc.StatusCode.UNKNOWN, message)

    def RegisterResourceOutputs(self, request, context):
        st = self.e.new_by_urn.get(request.urn)
        if st is not None:
            st["outputs"] = to_dict(request.outputs)
        return empty_pb2.Empty()

    def Invoke(self, request, context):
        try:
            prov = self.e.provider_for(request.provider)
            resp = prov.stub.Invoke(provider_pb2.InvokeRequest(tok=request.tok, args=request.args))
        except grpc.RpcError as err:
            return self._fail(context, f"invoke {request.tok}: {err.details()}")
        except ValueError as err:
            return self._fail(context, f"invoke {request.tok}: {err}")
        return resp

    def ReadResource(self, request, context):
        urn = self.e.urn(request.type, request.name, request.parent)
        try:
            prov = self.e.provider_for(request.provider)
            resp = prov.stub.Read(provider_pb2.ReadRequest(id=request.id, urn=urn, name=request.name,
                                                           type=request.type, properties=request.properties))
        except grpc.RpcError as err:
            return self._fail(context, f"read {request.type} {request.id}: {err.details()}")
        except ValueError as err:
            return self._fail(context, f"read {request.type} {request.id}: {err}")
        if not resp.id:
            return self._fail(context, f"{request.type} {request.id} not found")
        outs = self.e.mark_secrets(to_dict(resp.properties), {}, request.additionalSecretOutputs)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=to_struct(outs))

    def SignalAndWaitForShutdown(self, request, context):
        return empty_pb2.Empty()


class EngineService(engine_pb2_grpc.EngineServicer):
    SEVERITY = {0: "debug", 1: "info", 2: "warning", 3: "error"}

    def __init__(self, engine):
        self.e = engine

    def Log(self, request, context):
        # Like the pulumi CLI without --debug: SDK debug chatter (which dumps raw RPC payloads,
        # secrets included) is not written anywhere.
        if request.severity == 0 and not self.e.args.debug:
            return empty_pb2.Empty()
        self.e.log(f"{self.SEVERITY.get(request.severity, '?')}: {request.urn} {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=self.e.root)

    def SetRootResource(self, request, context):
        self.e.root = request.urn
        return engine_pb2.SetRootResourceResponse()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["up", "destroy"])
    ap.add_argument("--program", required=True)
    ap.add_argument("--state", required=True, help="checkpoint file (created when missing)")
    ap.add_argument("--config", required=True, help='JSON {"key": {"value": "...", "secret": true}}')
    ap.add_argument("--plugin", required=True, help="path of pulumi-resource-esc")
    ap.add_argument("--stack", default="dev")
    ap.add_argument("--log", help="file that receives program output, plugin stderr and Engine.Log")
    ap.add_argument("--debug", action="store_true", help="also log debug messages (may contain raw payloads)")
    ap.add_argument("--node-modules", default=os.path.join(ROOT, "build", "npm", "node_modules"),
                    help="NODE_PATH for Node.js programs (':'-separated); one must hold @pulumi/pulumi")
    ap.add_argument("--node-main", help="program entry for Node.js (default: the folder, per package.json)")
    args = ap.parse_args()
    args.plugin = os.path.abspath(args.plugin)
    e = Engine(args)
    rc = 0
    try:
        e.serve()
        if args.command == "up":
            rc = e.run_program()
            if rc != 0:
                print(f"engine: the program failed (exit {rc}); see the log", file=sys.stderr)
                # Keep what exists: everything registered now plus what the run did not reach.
                kept = e.new + [r for r in e.old["resources"] if r["urn"] not in e.new_by_urn]
                e.save(kept)
                return 1
            gone = [r for r in e.old["resources"] if r["urn"] not in e.new_by_urn]
            e.finish(gone)
            e.save(e.new)
        else:
            e.finish(e.old["resources"])
            e.save([])
    finally:
        e.close()
    print("summary " + json.dumps(e.counts, sort_keys=True), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
