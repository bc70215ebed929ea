# coding=utf-8
# *** Copied verbatim into the SDK by sdk/gen/gen.py (sdk/gen/overlay). ***
"""Helpers shared by the generated modules."""

import pulumi

_VERSION = "0.1.0"


def get_version() -> str:
    return _VERSION


def get_semver_version_string() -> str:
    return _VERSION


def get_resource_opts_defaults() -> pulumi.ResourceOptions:
    # Ask the engine for the plugin version this SDK was generated for.
    return pulumi.ResourceOptions(version=get_version())


def get_invoke_opts_defaults() -> pulumi.InvokeOptions:
    return pulumi.InvokeOptions(version=get_version())


def get_resource_args_opts(resource_args_type, resource_options_type, *args, **kwargs):
    """Tells the two constructor forms apart: (name, ArgsObject, opts) or (name, opts, **kwargs).

    Returns (args object or None, opts)."""
    resource_args, opts = None, None
    if len(args) > 0 and isinstance(args[0], resource_args_type):
        resource_args = args[0]
        if len(args) > 1 and isinstance(args[1], resource_options_type):
            opts = args[1]
    elif "args" in kwargs and isinstance(kwargs["args"], resource_args_type):
        resource_args = kwargs["args"]
    if resource_args is not None:
        if "opts" in kwargs and isinstance(kwargs["opts"], resource_options_type):
            opts = kwargs["opts"]
        return resource_args, opts
    return None, None if not args else args[0]
