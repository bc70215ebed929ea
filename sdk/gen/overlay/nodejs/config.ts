// *** Copied verbatim into the SDK by sdk/gen/gen.py (sdk/gen/overlay). ***
// esc.Config: read an ESC environment the way pulumi.Config reads stack configuration.

import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A missing or mistyped value. Messages name the environment and key, never a value. */
export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
    }
}

export interface ConfigOptions {
    /** A revision number or revision tag to read. Default: the latest revision. */
    version?: string;
}

// One openEnvironment per (environment, version) per program: every Config on the same
// environment shares it, so the environment is evaluated once.
const opened = new Map<string, Promise<any>>();

function isSecret(v: any): boolean {
    return v !== null && typeof v === "object" && !Array.isArray(v) && v[SIG] === SECRET_SIG;
}

/** Strips secret wrappers; returns the value and whether any part of it was secret. */
function plain(v: any): [any, boolean] {
    if (isSecret(v)) {
        return [plain(v.value)[0], true];
    }
    if (Array.isArray(v)) {
        let secret = false;
        const out = v.map(e => {
            const [p, s] = plain(e);
            secret = secret || s;
            return p;
        });
        return [out, secret];
    }
    if (v !== null && typeof v === "object") {
        let secret = false;
        const out: any = {};
        for (const k of Object.keys(v)) {
            const [p, s] = plain(v[k]);
            out[k] = p;
            secret = secret || s;
        }
        return [out, secret];
    }
    return [v, false];
}

const STEP = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;

/** Splits `a.b[0]["c.d"]` into steps; undefined when the key is not a path. */
function path(key: string): (string | number)[] | undefined {
    const steps: (string | number)[] = [];
    let pos = 0;
    if (key.startsWith(".")) {
        return undefined;
    }
    while (pos < key.length) {
        STEP.lastIndex = pos;
        const m = STEP.exec(key);
        if (!m || m.index !== pos || STEP.lastIndex === pos) {
            return undefined;
        }
        if (m[1] !== undefined) {
            steps.push(m[1]);
        } else if (m[2] !== undefined) {
            steps.push(Number(m[2]));
        } else {
            steps.push(JSON.parse(`"${m[3]}"`));
        }
        pos = STEP.lastIndex;
    }
    return steps;
}

function walk(root: any, steps: (string | number)[]): [boolean, any] {
    let cur = root;
    for (const s of steps) {
        if (isSecret(cur)) {
            // Reaching into a secret keeps it secret.
            const [found, inner] = walk(cur.value, [s]);
            if (!found) {
                return [false, undefined];
            }
            cur = { [SIG]: SECRET_SIG, value: inner };
            continue;
        }
        if (typeof s === "number" && Array.isArray(cur) && s < cur.length) {
            cur = cur[s];
        } else if (typeof s === "string" && cur !== null && typeof cur === "object" && !Array.isArray(cur) &&
                   Object.prototype.hasOwnProperty.call(cur, s)) {
            cur = cur[s];
        } else {
            return [false, undefined];
        }
    }
    return [true, cur];
}

function open(environment: string, version: string): Promise<any> {
    const key = `${environment}@${version}`;
    let p = opened.get(key);
    if (p === undefined) {
        p = invokeRaw(environment, version);
        opened.set(key, p);
    }
    return p;
}

// Called directly on the monitor (not through pulumi.runtime.invoke) because the SDK's invoke
// collapses per-leaf secretness into one flag; Config must know exactly which values are secret.
function invokeRaw(environment: string, version: string): Promise<any> {
    /* eslint-disable @typescript-eslint/no-var-requires */
    const resproto = require("@pulumi/pulumi/proto/resource_pb");
    const structproto = require("google-protobuf/google/protobuf/struct_pb");
    const args: any = { environment };
    if (version) {
        args.version = version;
    }
    const req = new resproto.ResourceInvokeRequest();
    req.setTok("esc:index:openEnvironment");
    req.setArgs(structproto.Struct.fromJavaScript(args));
    req.setAcceptresources(false);
    req.setVersion(utilities.getVersion());
    const where = environment + (version ? `@${version}` : "");
    return new Promise((resolve, reject) => {
        const monitor: any = pulumi.runtime.getMonitor();
        if (!monitor) {
            reject(new ConfigError(`esc.Config: no Pulumi engine to open environment '${where}' with`));
            return;
        }
        monitor.invoke(req, (err: any, resp: any) => {
            if (err) {
                reject(new ConfigError(`esc.Config: opening environment '${where}' failed: ${err.details || err.message}`));
                return;
            }
            const failures = resp.getFailuresList ? resp.getFailuresList() : [];
            if (failures && failures.length > 0) {
                reject(new ConfigError(`esc.Config: opening environment '${where}' failed: ` +
                    `${failures[0].getReason()} (${failures[0].getProperty()})`));
                return;
            }
            const ret = resp.getReturn();
            resolve(ret ? ret.toJavaScript() : {});
        });
    });
}

type Conv<T> = { what: string; conv: (v: any) => T };

const asString: Conv<string> = {
    what: "a string",
    conv: v => typeof v === "string" ? v : typeof v === "boolean" ? String(v) : JSON.stringify(v),
};
const asInt: Conv<number> = {
    what: "an integer",
    conv: v => {
        const n = typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            throw new TypeError();
        }
        return n;
    },
};
const asNumber: Conv<number> = {
    what: "a number",
    conv: v => {
        const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
        if (typeof n !== "number" || Number.isNaN(n)) {
            throw new TypeError();
        }
        return n;
    },
};
const asBoolean: Conv<boolean> = {
    what: "a boolean (true or false)",
    conv: v => {
        if (typeof v === "boolean") {
            return v;
        }
        if (typeof v === "string" && ["true", "false"].includes(v.trim().toLowerCase())) {
            return v.trim().toLowerCase() === "true";
        }
        throw new TypeError();
    },
};
const asObject: Conv<any> = {
    what: "structured data",
    conv: v => {
        if (typeof v === "string") {
            try {
                return JSON.parse(v);
            } catch {
                return v; // a plain string is valid structured data too
            }
        }
        return v;
    },
};

/**
 * Reads values of one ESC environment, mirroring `pulumi.Config`.
 *
 * A key is looked up first in the environment's `pulumiConfig` (exactly, then as a path), then
 * as a path in its `values`, e.g. `secrets.openai_api_key` or `app["db"].port`. The environment
 * is opened once per program, through the `esc:index:openEnvironment` invoke of the default
 * `esc` provider.
 *
 * Opening an environment is asynchronous, so every getter returns a `pulumi.Output`. Secrets
 * stay secrets: `getSecret`/`requireSecret` always return a secret, and the other getters
 * return a secret when the value, or any part of it, is secret in the environment. `require*`
 * outputs fail with a `ConfigError` naming the environment and key when the key is missing.
 */
export class Config {
    public readonly environment: string;
    public readonly version: string;

    constructor(environment: string, opts?: ConfigOptions) {
        if (typeof environment !== "string" || environment === "") {
            throw new TypeError("esc.Config needs an environment reference such as 'myorg/default/dev'");
        }
        this.environment = environment;
        this.version = opts?.version ?? "";
    }

    private where(): string {
        return this.environment + (this.version ? `@${this.version}` : "");
    }

    private lookup(data: any, key: string): [boolean, any] {
        const pc = (data && data.pulumiConfig) || {};
        if (Object.prototype.hasOwnProperty.call(pc, key)) {
            return [true, pc[key]];
        }
        const steps = path(key);
        if (steps) {
            for (const root of [pc, (data && data.values) || {}]) {
                const [found, v] = walk(root, steps);
                if (found) {
                    return [true, v];
                }
            }
        }
        return [false, undefined];
    }

    private typed<T>(key: string, c: Conv<T>, required: boolean, forceSecret: boolean, dflt?: T): any {
        const result = pulumi.output(open(this.environment, this.version)).apply(data => {
            const [found, raw] = this.lookup(data, key);
            if (!found || raw === null || raw === undefined || raw === UNKNOWN) {
                if (required) {
                    throw new ConfigError(`Missing required configuration value '${key}' in ESC environment ` +
                        `'${this.where()}' (looked in pulumiConfig, then values)`);
                }
                return forceSecret && dflt !== undefined ? pulumi.secret(dflt) : dflt;
            }
            const [value, secret] = plain(raw);
            let converted: T;
            try {
                converted = c.conv(value);
            } catch {
                throw new ConfigError(`Configuration value '${key}' in ESC environment '${this.where()}' is not ${c.what}`);
            }
            return secret || forceSecret ? pulumi.secret(converted) : converted;
        });
        return forceSecret ? pulumi.secret(result) : result;
    }

    /** The value as a string (objects and arrays as JSON), or `defaultValue` when absent. */
    public get(key: string, defaultValue?: string): pulumi.Output<string | undefined> {
        return this.typed(key, asString, false, false, defaultValue);
    }
    public require(key: string): pulumi.Output<string> {
        return this.typed(key, asString, true, false);
    }
    public getSecret(key: string, defaultValue?: string): pulumi.Output<string | undefined> {
        return this.typed(key, asString, false, true, defaultValue);
    }
    public requireSecret(key: string): pulumi.Output<string> {
        return this.typed(key, asString, true, true);
    }
    public getNumber(key: string, defaultValue?: number): pulumi.Output<number | undefined> {
        return this.typed(key, asNumber, false, false, defaultValue);
    }
    public requireNumber(key: string): pulumi.Output<number> {
        return this.typed(key, asNumber, true, false);
    }
    /** Like `getNumber`, but the value must be a whole number. */
    public getInt(key: string, defaultValue?: number): pulumi.Output<number | undefined> {
        return this.typed(key, asInt, false, false, defaultValue);
    }
    public requireInt(key: string): pulumi.Output<number> {
        return this.typed(key, asInt, true, false);
    }
    /** `getNumber` under the name of the Python SDK's `get_float`. */
    public getFloat(key: string, defaultValue?: number): pulumi.Output<number | undefined> {
        return this.getNumber(key, defaultValue);
    }
    public requireFloat(key: string): pulumi.Output<number> {
        return this.requireNumber(key);
    }
    public getBoolean(key: string, defaultValue?: boolean): pulumi.Output<boolean | undefined> {
        return this.typed(key, asBoolean, false, false, defaultValue);
    }
    public requireBoolean(key: string): pulumi.Output<boolean> {
        return this.typed(key, asBoolean, true, false);
    }
    /** `getBoolean` under the name of the Python SDK's `get_bool`. */
    public getBool(key: string, defaultValue?: boolean): pulumi.Output<boolean | undefined> {
        return this.getBoolean(key, defaultValue);
    }
    public requireBool(key: string): pulumi.Output<boolean> {
        return this.requireBoolean(key);
    }
    /** The value as data (objects, arrays, numbers, strings, booleans). */
    public getObject<T = any>(key: string, defaultValue?: T): pulumi.Output<T | undefined> {
        return this.typed(key, asObject, false, false, defaultValue);
    }
    public requireObject<T = any>(key: string): pulumi.Output<T> {
        return this.typed(key, asObject, true, false);
    }
    public getSecretObject<T = any>(key: string): pulumi.Output<T | undefined> {
        return this.typed(key, asObject, false, true);
    }
    public requireSecretObject<T = any>(key: string): pulumi.Output<T> {
        return this.typed(key, asObject, true, true);
    }
}
