"""The Node.js/TypeScript half of gen.py: writes sdk/nodejs (TypeScript sources, package.json,
tsconfig.json). `.js` and `.d.ts` (with the docs) come from `tsc` at install/build time."""
import json

from gen import HEADER_TS, local_name, pascal


def ts_doc(text, indent):
    if not text:
        return ""
    pad = " " * indent
    body = text.replace("*/", "*&#47;")
    return pad + "/**\n" + "".join((pad + " * " + l).rstrip() + "\n" for l in body.split("\n")) + pad + " */\n"


class TsGen:
    def __init__(self, m):
        self.m = m

    def typ(self, spec, mode):
        """mode: 'input' (nested pulumi.Input), 'output', 'plain'."""
        def wrap(t):
            return f"pulumi.Input<{t}>" if mode == "input" else t
        if "$ref" in spec:
            tok = self.m.type_of_ref(spec["$ref"])
            if tok is None:
                return "any"
            n = local_name(tok)
            if self.m.is_enum(tok):
                return wrap(f"enums.{n}")
            return wrap(f"inputs.{n}Args") if mode == "input" else f"outputs.{n}"
        t = spec.get("type")
        if t == "string":
            return wrap("string")
        if t in ("integer", "number"):
            return wrap("number")
        if t == "boolean":
            return wrap("boolean")
        if t == "array":
            return wrap(f"{self.typ(spec['items'], mode)}[]")
        if t == "object" and "additionalProperties" in spec:
            return wrap(f"{{[key: string]: {self.typ(spec['additionalProperties'], mode)}}}")
        raise SystemExit(f"gen.py: unsupported type {spec}")

    def top_input(self, p):
        t = self.typ(p.spec, "input")
        return t if t.startswith("pulumi.Input<") else f"pulumi.Input<{t}>"

    def imports(self, rel="."):
        return (HEADER_TS + "\nimport * as pulumi from \"@pulumi/pulumi\";\n"
                f"import * as inputs from \"{rel}/types/input\";\n"
                f"import * as outputs from \"{rel}/types/output\";\n"
                f"import * as enums from \"{rel}/types/enums\";\n"
                f"import * as utilities from \"{rel}/utilities\";\n")

    def interface(self, name, props, doc, typer, readonly=False):
        s = [ts_doc(doc, 0), f"export interface {name} {{\n"]
        for p in props:
            s.append(ts_doc(p.doc, 4))
            s.append(f"    {'readonly ' if readonly else ''}{p.name}{'' if p.required else '?'}: {typer(p)};\n")
        s.append("}\n")
        return "".join(s)

    def resource(self, r, provider=False):
        name = r["name"]
        ins, outs = r["inputs"], r["outputs"]
        base = "pulumi.ProviderResource" if provider else "pulumi.CustomResource"
        tok = self.m.name if provider else r["token"]
        s = [self.imports(), "\n", ts_doc(r["doc"], 0), f"export class {name} extends {base} {{\n"]
        if not provider:
            s.append(ts_doc(f"Get an existing {name} resource's state with the given name and ID (for lookup\n"
                            "and import; the provider's Read fills the properties).\n\n"
                            "@param name The _unique_ name of the resulting resource.\n"
                            "@param id The _unique_ provider ID of the resource to lookup.\n"
                            "@param opts Optional settings to control the behavior of the CustomResource.", 4))
            s.append(f"    public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): {name} {{\n"
                     f"        return new {name}(name, undefined as any, {{ ...opts, id: id }});\n    }}\n\n")
        s.append(f"    /** @internal */\n    public static readonly __pulumiType = '{tok}';\n\n")
        s.append(ts_doc(f"Returns true if the given object is an instance of {name}.  This is designed to work even\n"
                        "when multiple copies of the Pulumi SDK have been loaded into the same process.", 4))
        s.append(f"    public static isInstance(obj: any): obj is {name} {{\n"
                 "        if (obj === undefined || obj === null) {\n            return false;\n        }\n"
                 f"        return obj['__pulumiType'] === {name}.__pulumiType;\n    }}\n\n")
        for p in outs:
            t = self.typ(p.spec, "output")
            s.append(ts_doc(p.doc, 4))
            s.append(f"    public readonly {p.name}!: pulumi.Output<{t if p.required else t + ' | undefined'}>;\n")
        required_args = any(p.required for p in ins) and not provider
        s.append("\n" + ts_doc(f"Create a {name} resource with the given unique name, arguments, and options.\n\n"
                               "@param name The _unique_ name of the resource.\n"
                               "@param args The arguments to use to populate this resource's properties.\n"
                               "@param opts A bag of options that control this resource's behavior.", 4))
        s.append(f"    constructor(name: string, args{'' if required_args else '?'}: {name}Args, opts?: pulumi.{'Resource' if provider else 'CustomResource'}Options) {{\n"
                 "        let resourceInputs: pulumi.Inputs = {};\n        opts = opts || {};\n")
        s.append("        if (!opts.id) {\n" if not provider else "        {\n")
        for p in ins:
            if p.required:
                s.append(f"            if ((!args || args.{p.name} === undefined) && !opts.urn) {{\n"
                         f"                throw new Error(\"Missing required property '{p.name}'\");\n            }}\n")
        for p in ins:
            v = f"args ? args.{p.name} : undefined"
            if provider and p.spec.get("type") in ("integer", "number", "boolean"):
                # Provider config travels as strings.
                v = f"pulumi.output(args ? args.{p.name} : undefined).apply(JSON.stringify)"
            if p.secret:
                # Not a truthiness test: false, 0 and "" are values too.
                v = f"args?.{p.name} !== undefined ? pulumi.secret(args.{p.name}) : undefined"
            s.append(f"            resourceInputs[\"{p.name}\"] = {v};\n")
        in_names = {p.name for p in ins}
        for p in outs:
            if p.name not in in_names:
                s.append(f"            resourceInputs[\"{p.name}\"] = undefined /*out*/;\n")
        if not provider:
            s.append("        } else {\n")
            for p in outs:
                s.append(f"            resourceInputs[\"{p.name}\"] = undefined /*out*/;\n")
        s.append("        }\n        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);\n")
        secrets = [p.name for p in outs if p.secret]
        if secrets:
            s.append(f"        const secretOpts = {{ additionalSecretOutputs: {json.dumps(secrets)} }};\n"
                     "        opts = pulumi.mergeOptions(opts, secretOpts);\n")
        replace = [p.name for p in ins if p.replace]
        if replace:
            s.append(f"        const replaceOnChanges = {{ replaceOnChanges: {json.dumps(replace)} }};\n"
                     "        opts = pulumi.mergeOptions(opts, replaceOnChanges);\n")
        s.append(f"        super({name}.__pulumiType, name, resourceInputs, opts);\n    }}\n}}\n\n")
        s.append(self.interface(f"{name}Args", ins, f"The set of arguments for constructing a {name} resource.",
                                self.top_input))
        return "".join(s)

    def function(self, f):
        name = f["name"]
        P = pascal(name)
        ins, outs = f["inputs"], f["outputs"]
        args_obj = "".join(f"        \"{p.name}\": args.{p.name},\n" for p in ins)
        req = any(p.required for p in ins)
        s = [self.imports(), "\n", ts_doc(f["doc"], 0),
             f"export function {name}(args{'' if req else '?'}: {P}Args, opts?: pulumi.InvokeOptions): Promise<{P}Result> {{\n",
             "" if req else "    args = args || {};\n",
             "    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});\n",
             f"    return pulumi.runtime.invoke(\"{f['token']}\", {{\n{args_obj}    }}, opts);\n}}\n\n",
             self.interface(f"{P}Args", ins, f"A collection of arguments for invoking {name}.",
                            lambda p: self.typ(p.spec, "plain")),
             "\n",
             self.interface(f"{P}Result", outs, f"A collection of values returned by {name}.",
                            lambda p: self.typ(p.spec, "output"), readonly=True),
             "\n", ts_doc(f["doc"], 0),
             f"export function {name}Output(args{'' if req else '?'}: {P}OutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<{P}Result> {{\n",
             "" if req else "    args = args || {};\n",
             "    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});\n",
             f"    return pulumi.runtime.invokeOutput(\"{f['token']}\", {{\n{args_obj}    }}, opts);\n}}\n\n",
             self.interface(f"{P}OutputArgs", ins, f"A collection of arguments for invoking {name}.",
                            self.top_input)]
        return "".join(s)

    def enums(self):
        s = [HEADER_TS, "\n"]
        for tok in self.m.enums():
            t = self.m.types[tok]
            n = local_name(tok)
            s.append(f"export const {n} = {{\n")
            for e in t["enum"]:
                ident = e.get("name") or pascal(str(e["value"]))
                s.append(ts_doc(e.get("description", ""), 4))
                s.append(f"    {ident}: {json.dumps(e['value'])},\n")
            s.append("} as const;\n\n")
            s.append(ts_doc(t.get("description", ""), 0))
            s.append(f"export type {n} = (typeof {n})[keyof typeof {n}];\n\n")
        return "".join(s).rstrip("\n") + "\n"

    def types_file(self, which):
        s = [HEADER_TS, "\nimport * as pulumi from \"@pulumi/pulumi\";\n",
             f"import * as {which} from \"./{'input' if which == 'inputs' else 'output'}\";\n",
             "import * as enums from \"./enums\";\n"]
        toks = sorted(self.m.input_types if which == "inputs" else self.m.output_types)
        if which == "outputs":
            s[1] = "\n"  # output types are plain values: no pulumi import needed
        for tok in toks:
            t = self.m.types[tok]
            props = __import__("gen").props_of(t, "properties", "required")
            if which == "inputs":
                s.append("\n" + self.interface(local_name(tok) + "Args", props, t.get("description", ""),
                                               self.top_input))
            else:
                s.append("\n" + self.interface(local_name(tok), props, t.get("description", ""),
                                               lambda p: self.typ(p.spec, "output")))
        return "".join(s)

    def index(self):
        m = self.m
        s = [HEADER_TS, "\nimport * as pulumi from \"@pulumi/pulumi\";\nimport * as utilities from \"./utilities\";\n\n"]
        for f in m.functions:
            n = f["name"]
            P = pascal(n)
            s.append(f"export {{ {P}Args, {P}Result, {P}OutputArgs }} from \"./{n}\";\n"
                     f"export {{ {n}, {n}Output }} from \"./{n}\";\n")
        for r in [m.provider] + m.resources:
            n = r["name"]
            mod = n[0].lower() + n[1:]
            s.append(f"export {{ {n}Args }} from \"./{mod}\";\nexport {{ {n} }} from \"./{mod}\";\n")
        s.append("export { Config, ConfigError, ConfigOptions } from \"./config\";\n\n"
                 "// Enums and object types.\nexport * from \"./types/enums\";\nimport * as types from \"./types\";\nexport { types };\n\n")
        for r in [m.provider] + m.resources:
            n = r["name"]
            s.append(f"import {{ {n} }} from \"./{n[0].lower() + n[1:]}\";\n")
        s.append("\n// Lets the runtime rebuild resources and providers of this package from references.\n"
                 "const _module = {\n    version: utilities.getVersion(),\n"
                 "    construct: (name: string, type: string, urn: string): pulumi.Resource => {\n"
                 "        switch (type) {\n")
        for r in m.resources:
            s.append(f"            case \"{r['token']}\":\n                return new {r['name']}(name, <any>undefined, {{ urn }});\n")
        s.append("            default:\n                throw new Error(`unknown resource type ${type}`);\n"
                 "        }\n    },\n};\n"
                 f"pulumi.runtime.registerResourceModule(\"{m.name}\", \"index\", _module);\n"
                 f"pulumi.runtime.registerResourcePackage(\"{m.name}\", {{\n    version: utilities.getVersion(),\n"
                 "    constructProvider: (name: string, type: string, urn: string): pulumi.ProviderResource => {\n"
                 f"        if (type !== \"pulumi:providers:{m.name}\") {{\n"
                 "            throw new Error(`unknown provider type ${type}`);\n        }\n"
                 "        return new Provider(name, <any>undefined, { urn });\n    },\n});\n")
        return "".join(s)

    def files(self, readme):
        m = self.m
        f = {}
        mods = []
        for r in [m.provider] + m.resources:
            mod = r["name"][0].lower() + r["name"][1:]
            f[mod + ".ts"] = self.resource(r, provider=r is m.provider)
            mods.append(mod)
        for fn in m.functions:
            f[fn["name"] + ".ts"] = self.function(fn)
            mods.append(fn["name"])
        f["types/enums.ts"] = self.enums()
        f["types/input.ts"] = self.types_file("inputs")
        f["types/output.ts"] = self.types_file("outputs")
        f["types/index.ts"] = (HEADER_TS + "\nimport * as enums from \"./enums\";\nimport * as input from \"./input\";\n"
                               "import * as output from \"./output\";\n\nexport { enums, input, output };\n")
        f["index.ts"] = self.index()
        node = m.schema["language"]["nodejs"]
        sources = ["index.ts", "config.ts", "utilities.ts", "types/index.ts", "types/enums.ts", "types/input.ts",
                   "types/output.ts"] + [x + ".ts" for x in mods]
        f["package.json"] = json.dumps({
            "name": node["packageName"],
            "version": m.version,
            "description": node.get("packageDescription", m.schema.get("description", "")),
            "keywords": m.schema.get("keywords", []),
            "license": m.schema.get("license", ""),
            "main": "bin/index.js",
            "types": "bin/index.d.ts",
            "files": ["bin/", "README.md"],
            "scripts": {"build": "tsc", "prepare": "tsc"},
            "dependencies": {"@pulumi/pulumi": "^3.142.0", "google-protobuf": "^3.21.0"},
            "devDependencies": {"@types/node": "^20.0.0", "typescript": "^5.0.0"},
            "pulumi": {"resource": True, "name": m.name, "version": m.version},
        }, indent=4) + "\n"
        f["tsconfig.json"] = json.dumps({
            "compilerOptions": {
                "outDir": "bin", "target": "ES2020", "module": "commonjs", "moduleResolution": "node",
                "declaration": True, "sourceMap": True, "stripInternal": True, "experimentalDecorators": True,
                "noFallthroughCasesInSwitch": True, "forceConsistentCasingInFileNames": True, "strict": True,
                "types": ["node"],
            },
            "files": sorted(sources),
        }, indent=4) + "\n"
        f["README.md"] = readme
        return f


def files(m, readme):
    return TsGen(m).files(readme)
