# coding=utf-8
# *** Copied verbatim into the SDK by sdk/gen/gen.py (sdk/gen/overlay). ***
"""esc.Config: read an ESC environment the way pulumi.Config reads stack configuration."""

import json
import math
import re
from typing import Any, Dict, Optional, Tuple

import grpc
import pulumi
from google.protobuf import json_format, struct_pb2

from . import _utilities

_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# One openEnvironment per (environment, version) per program: every Config on the same
# environment shares it, so the environment is evaluated once.
_opened: Dict[Tuple[str, str], Dict[str, Any]] = {}


class ConfigError(pulumi.RunError):
    """A missing or mistyped value. Messages name the environment and key, never a value."""


def _plain(v: Any) -> Tuple[Any, bool]:
    """Strips secret wrappers; returns (value, whether any part was secret)."""
    if isinstance(v, dict):
        if v.get(_SIG) == _SECRET_SIG:
            inner, _ = _plain(v.get("value"))
            return inner, True
        secret = False
        out = {}
        for k, e in v.items():
            out[k], s = _plain(e)
            secret = secret or s
        return out, secret
    if isinstance(v, list):
        secret = False
        out = []
        for e in v:
            p, s = _plain(e)
            out.append(p)
            secret = secret or s
        return out, secret
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v), False  # Struct numbers are doubles; 3 in ESC should read back as 3.
    return v, False


_STEP = re.compile(r'\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _path(key: str):
    """Splits `a.b[0]["c.d"]` into steps; None when the key is not a path."""
    steps, pos = [], 0
    while pos < len(key):
        m = _STEP.match(key, pos)
        if not m or m.end() == pos or (pos == 0 and key.startswith(".")):
            return None
        if m.group(1) is not None:
            steps.append(m.group(1))
        elif m.group(2) is not None:
            steps.append(int(m.group(2)))
        else:
            steps.append(json.loads('"' + m.group(3) + '"'))
        pos = m.end()
    return steps


def _walk(root: Any, steps) -> Tuple[bool, Any]:
    cur = root
    for s in steps:
        if isinstance(cur, dict) and cur.get(_SIG) == _SECRET_SIG:
            # Reaching into a secret keeps it secret.
            found, inner = _walk(cur.get("value"), [s])
            if not found:
                return False, None
            cur = {_SIG: _SECRET_SIG, "value": inner}
            continue
        if isinstance(s, int) and isinstance(cur, list) and 0 <= s < len(cur):
            cur = cur[s]
        elif isinstance(s, str) and isinstance(cur, dict) and s in cur:
            cur = cur[s]
        else:
            return False, None
    return True, cur


def _open(environment: str, version: str) -> Dict[str, Any]:
    key = (environment, version)
    if key in _opened:
        return _opened[key]
    from pulumi.runtime.proto import resource_pb2  # the SDK's own wire types
    from pulumi.runtime.settings import get_monitor

    args = struct_pb2.Struct()
    args.update({"environment": environment, **({"version": version} if version else {})})
    req = resource_pb2.ResourceInvokeRequest(
        tok="esc:index:openEnvironment", args=args, acceptResources=False,
        version=_utilities.get_version())
    # Called directly (not through pulumi.runtime.invoke) because the SDK's invoke collapses
    # per-leaf secretness into one flag; Config must know exactly which values are secret.
    try:
        resp = get_monitor().Invoke(req)
    except grpc.RpcError as e:
        raise ConfigError(f"esc.Config: opening environment '{environment}' failed: {e.details()}") from None
    if resp.failures:
        f = resp.failures[0]
        raise ConfigError(f"esc.Config: opening environment '{environment}' failed: {f.reason} ({f.property})")
    ret = json_format.MessageToDict(getattr(resp, "return"))
    _opened[key] = ret
    return ret


class Config:
    """Reads values of one ESC environment, mirroring `pulumi.Config`.

    A key is looked up first in the environment's `pulumiConfig` (exactly, then as a path),
    then as a path in its `values`, e.g. `secrets.openai_api_key` or `app["db"].port`.
    The environment is opened once per program, through the `esc:index:openEnvironment`
    invoke of the default `esc` provider.

    Secrets stay secrets: `get_secret`/`require_secret` always return a secret `Output`, and
    the other getters return a secret `Output` (instead of a plain value) when the value, or
    any part of it, is secret in the environment, so a secret never becomes plaintext by
    accident.
    """

    def __init__(self, environment: str, version: Optional[str] = None):
        if not isinstance(environment, str) or not environment:
            raise TypeError("esc.Config needs an environment reference such as 'myorg/default/dev'")
        self.environment = environment
        self.version = version or ""

    def _where(self) -> str:
        return self.environment + (f"@{self.version}" if self.version else "")

    def _lookup(self, key: str) -> Tuple[bool, Any]:
        data = _open(self.environment, self.version)
        pc = data.get("pulumiConfig") or {}
        if key in pc:
            return True, pc[key]
        steps = _path(key)
        if steps:
            for root in (pc, data.get("values") or {}):
                found, v = _walk(root, steps)
                if found:
                    return True, v
        return False, None

    def _missing(self, key: str) -> ConfigError:
        return ConfigError(
            f"Missing required configuration value '{key}' in ESC environment '{self._where()}' "
            "(looked in pulumiConfig, then values)")

    def _typed(self, key: str, conv, required: bool, force_secret: bool = False):
        found, raw = self._lookup(key)
        if not found or raw is None or raw == _UNKNOWN:
            if required:
                raise self._missing(key)
            return None
        value, secret = _plain(raw)
        try:
            value = conv(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"Configuration value '{key}' in ESC environment '{self._where()}' is not {conv.__doc__}") from None
        if secret or force_secret:
            return pulumi.Output.secret(value)
        return value

    def get(self, key: str, default: Optional[str] = None) -> Any:
        """The value as a string (objects and arrays as JSON), or `default` when absent."""
        v = self._typed(key, _to_str, False)
        return default if v is None else v

    def require(self, key: str) -> Any:
        return self._typed(key, _to_str, True)

    def get_secret(self, key: str, default: Optional[str] = None) -> Optional[pulumi.Output[str]]:
        v = self._typed(key, _to_str, False, True)
        return pulumi.Output.secret(default) if v is None and default is not None else v

    def require_secret(self, key: str) -> pulumi.Output[str]:
        return self._typed(key, _to_str, True, True)

    def get_int(self, key: str, default: Optional[int] = None) -> Any:
        v = self._typed(key, _to_int, False)
        return default if v is None else v

    def require_int(self, key: str) -> Any:
        return self._typed(key, _to_int, True)

    def get_float(self, key: str, default: Optional[float] = None) -> Any:
        v = self._typed(key, _to_float, False)
        return default if v is None else v

    def require_float(self, key: str) -> Any:
        return self._typed(key, _to_float, True)

    def get_bool(self, key: str, default: Optional[bool] = None) -> Any:
        v = self._typed(key, _to_bool, False)
        return default if v is None else v

    def require_bool(self, key: str) -> Any:
        return self._typed(key, _to_bool, True)

    def get_object(self, key: str, default: Any = None) -> Any:
        """The value as Python data (dicts, lists, numbers, strings, booleans)."""
        v = self._typed(key, _to_object, False)
        return default if v is None else v

    def require_object(self, key: str) -> Any:
        return self._typed(key, _to_object, True)

    def get_secret_object(self, key: str) -> Optional[pulumi.Output[Any]]:
        return self._typed(key, _to_object, False, True)

    def require_secret_object(self, key: str) -> pulumi.Output[Any]:
        return self._typed(key, _to_object, True, True)


def _to_str(v):
    """a string"""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, separators=(",", ":"))


def _to_int(v):
    """an integer"""
    if isinstance(v, bool):
        raise TypeError()
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return int(v.strip())
    raise TypeError()


def _to_float(v):
    """a number"""
    if isinstance(v, bool):
        raise TypeError()
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return float(v.strip())
    raise TypeError()


def _to_bool(v):
    """a boolean (true or false)"""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    raise ValueError()


def _to_object(v):
    """structured data"""
    if isinstance(v, str):
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v  # a plain string is valid structured data too
    return v
