"""The base/dev/staging/prod hierarchy in Python, read back through esc.Config.

Stack config: openaiApiKey and stripeKey (secrets), esc:organization, and the provider's
backend settings (esc:backend / esc:localPath / esc:passphrase for the local store).
"""
import pulumi
import pulumi_esc as esc

cfg = pulumi.Config()
org = pulumi.Config("esc").get("organization") or "organization"

# base holds the secrets; they arrive as Pulumi secrets and are written as fn::secret.
base = esc.Environment(
    "base",
    name="base",
    values={
        "secrets": {
            "openai_api_key": cfg.require_secret("openaiApiKey"),
            "stripe_key": cfg.require_secret("stripeKey"),
        },
        "environmentVariables": {"OPENAI_API_KEY": "${secrets.openai_api_key}"},
        "pulumiConfig": {"openaiApiKey": "${secrets.openai_api_key}", "logLevel": "info"},
        "logLevel": "info",
    },
    tags={"team": "platform"},
)

envs = {}
for name, endpoint in [("dev", "https://dev.example.com"), ("staging", "https://staging.example.com"),
                       ("prod", "https://example.com")]:
    envs[name] = esc.Environment(
        name,
        name=name,
        imports=[base.name],
        values={"endpoint": endpoint, "pulumiConfig": {"endpoint": "${endpoint}"}},
    )

# CI may read dev's definition and nothing else.
ci = esc.AccessToken(
    "ci-dev-reader",
    kind=esc.TokenKind.ENVIRONMENT,
    name="ci-dev-reader",
    description="read-only CI token for dev",
    scopes=[esc.AccessTokenScopeArgs(environment=envs["dev"].id, permission=esc.Permission.READ)],
    expires_in="720h",
)

# A lookup by id, as `pulumi import` adopts an environment made elsewhere.
dev_lookup = esc.Environment.get("dev-lookup", envs["dev"].id)

stable = esc.EnvironmentVersionTag("prod-stable", environment=envs["prod"].id, tag_name="stable")


def read_dev(_):
    # esc.Config opens the environment when first used, so read it once dev exists.
    dev = esc.Config(f"{org}/default/dev")
    return {
        "key": dev.require_secret("openaiApiKey"),
        "endpoint": dev.require("endpoint"),
        "logLevel": dev.get("logLevel"),
        "viaPath": dev.require_secret("secrets.stripe_key"),
    }


dev_values = envs["dev"].revision.apply(read_dev)
key = dev_values.apply(lambda v: v["key"])

pulumi.export("devEndpoint", dev_values.apply(lambda v: v["endpoint"]))
pulumi.export("devLogLevel", dev_values.apply(lambda v: v["logLevel"]))
pulumi.export("openaiApiKey", key)  # a secret: encrypted in the checkpoint
# Only the last four characters, deliberately not secret, to show which key is in use.
pulumi.export("openaiApiKeySuffix", pulumi.Output.unsecret(key.apply(lambda k: "****" + k[-4:])))
pulumi.export("ciTokenId", ci.token_id)
pulumi.export("ciToken", ci.value)
pulumi.export("stableRevision", stable.revision)
pulumi.export("devLookupName", dev_lookup.name)
