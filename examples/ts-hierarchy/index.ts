// The base/dev/staging/prod hierarchy in TypeScript, read back through esc.Config.
//
// Stack config: openaiApiKey and stripeKey (secrets), esc:organization, and the provider's
// backend settings (esc:backend / esc:localPath / esc:passphrase for the local store).
import * as pulumi from "@pulumi/pulumi";
import * as esc from "@pulumi-esc-native/esc";

const cfg = new pulumi.Config();
const org = new pulumi.Config("esc").get("organization") ?? "organization";

// base holds the secrets; they arrive as Pulumi secrets and are written as fn::secret.
const base = new esc.Environment("base", {
    name: "base",
    values: {
        secrets: {
            openai_api_key: cfg.requireSecret("openaiApiKey"),
            stripe_key: cfg.requireSecret("stripeKey"),
        },
        environmentVariables: { OPENAI_API_KEY: "${secrets.openai_api_key}" },
        pulumiConfig: { openaiApiKey: "${secrets.openai_api_key}", logLevel: "info" },
        logLevel: "info",
    },
    tags: { team: "platform" },
});

const endpoints: Record<string, string> = {
    dev: "https://dev.example.com",
    staging: "https://staging.example.com",
    prod: "https://example.com",
};
const envs: Record<string, esc.Environment> = {};
for (const [name, endpoint] of Object.entries(endpoints)) {
    envs[name] = new esc.Environment(name, {
        name,
        imports: [base.name],
        values: { endpoint, pulumiConfig: { endpoint: "${endpoint}" } },
    });
}

// CI may read dev's definition and nothing else.
const ci = new esc.AccessToken("ci-dev-reader", {
    kind: esc.TokenKind.Environment,
    name: "ci-dev-reader",
    description: "read-only CI token for dev",
    scopes: [{ environment: envs.dev.id, permission: esc.Permission.Read }],
    expiresIn: "720h",
});

// A lookup by id, as `pulumi import` adopts an environment made elsewhere.
const devLookup = esc.Environment.get("dev-lookup", envs.dev.id);

const stable = new esc.EnvironmentVersionTag("prod-stable", { environment: envs.prod.id, tagName: "stable" });

// esc.Config opens the environment when first read, so read it once dev exists.
const dev = envs.dev.revision.apply(() => new esc.Config(`${org}/default/dev`));
const key = dev.apply(c => c.requireSecret("openaiApiKey"));

export const devEndpoint = dev.apply(c => c.require("endpoint"));
export const devLogLevel = dev.apply(c => c.get("logLevel"));
export const stripeKey = dev.apply(c => c.requireSecret("secrets.stripe_key"));
export const openaiApiKey = key; // a secret: encrypted in the checkpoint
// Only the last four characters, deliberately not secret, to show which key is in use.
export const openaiApiKeySuffix = pulumi.unsecret(key.apply(k => "****" + k.slice(-4)));
export const ciTokenId = ci.tokenId;
export const ciToken = ci.value;
export const stableRevision = stable.revision;
export const devLookupName = devLookup.name;
