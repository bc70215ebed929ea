#!/usr/bin/env bash
# Builds the base -> dev/staging/prod hierarchy on a fresh local store with
# escctl, then shows it the way a user would. No plaintext secret is printed:
# values are shown masked ([secret]) and, to prove they resolve, as short
# SHA-256 fingerprints.
#
#   scripts/demo-hierarchy.sh [path/to/escctl]     (default: build/bin/escctl)
#
# Environment: ESCCTL (binary), DEMO_KEEP_DIR=1 (keep the temp dir and print
# its path), DEMO_OPENAI_KEY / DEMO_ANTHROPIC_KEY (the demo's secret values).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
escctl="${1:-${ESCCTL:-$here/build/bin/escctl}}"
if [[ ! -x "$escctl" ]]; then
  echo "demo-hierarchy: escctl not found at $escctl (build first, or pass its path)" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/esc-demo-XXXXXX")"
if [[ "${DEMO_KEEP_DIR:-}" == 1 ]]; then
  echo "demo directory: $work"
else
  trap 'rm -rf "$work"' EXIT
fi

# A fresh store with a demo passphrase; nothing from the caller's setup leaks in.
unset ESC_ACCESS_TOKEN ESC_PASSPHRASE_FILE PULUMI_CONFIG_PASSPHRASE PULUMI_CONFIG_PASSPHRASE_FILE
export ESC_LOCAL_PATH="$work/store.db"
export ESC_PASSPHRASE="demo passphrase: not for real use"
export ESC_ORGANIZATION=myorg
export ESC_ACTOR=demo
openai_key="${DEMO_OPENAI_KEY:-sk-demo-openai-0000-not-a-real-key}"
anthropic_key="${DEMO_ANTHROPIC_KEY:-sk-ant-demo-0000-not-a-real-key}"

step() { printf '\n== %s\n' "$*"; }
# Shows the command, then runs it; "$mask" hides an argument in the echo.
run() {
  local shown=("$@")
  for i in "${!shown[@]}"; do
    if [[ -n "${mask:-}" && "${shown[$i]}" == "$mask" ]]; then shown[$i]="'****'"; fi
  done
  printf '$ escctl %s\n' "${shown[*]}"
  "$escctl" "$@"
}
fingerprint() { sha256sum | cut -c1-12; }

step "base holds the API keys as secrets"
cat >"$work/base.yaml" <<YAML
values:
  secrets:
    openai_api_key:
      fn::secret: $openai_key
  environmentVariables:
    OPENAI_API_KEY: \${secrets.openai_api_key}
  region: us-east-1
  logLevel: info
YAML
chmod 600 "$work/base.yaml"
run env init base -f "$work/base.yaml"
rm -f "$work/base.yaml"
mask="$anthropic_key" run env set base secrets.anthropic_api_key "$anthropic_key" --secret
run env set base environmentVariables.ANTHROPIC_API_KEY '${secrets.anthropic_api_key}'

step "dev, staging and prod import base and override something"
for env in dev staging prod; do
  run env init "$env"
  run env set "$env" 'imports[0]' base --string
done
run env set dev logLevel debug
run env set staging region eu-west-1
run env set prod region eu-central-1
run env set prod logLevel warn
run env protect prod
run env tag set prod tier production
run env ls

step "a stable version tag on prod"
run env version tag prod@stable
run env version tag ls prod

step "env get dev: the checked value (secrets masked) and the stored definition"
run env get dev
run env get base --definition | sed -E 's/(ciphertext: ).{24}.*/\1<ciphertext, shortened>/'

step "the secret exists in dev and is inherited from base"
run env get dev secrets.openai_api_key --value json
run env open dev --format dotenv --redact
run env open dev --format json --redact
for env in base dev staging prod; do
  printf '%-8s OPENAI_API_KEY fingerprint: %s\n' "$env" \
    "$("$escctl" env open "$env" environmentVariables.OPENAI_API_KEY --format string | fingerprint)"
done
printf '%-8s                fingerprint: %s  (sha256 of the expected value)\n' expected \
  "$(printf '%s\n' "$openai_key" | fingerprint)"

step "a read-only CI token scoped to dev"
printf '$ escctl token create --scope dev:read --expires-in 720h --name ci-dev > ci-token\n'
(umask 077 && "$escctl" token create --scope dev:read --expires-in 720h --name ci-dev >"$work/ci-token")
run token ls
run --token-file "$work/ci-token" env get dev secrets.openai_api_key --value string
set +e
run --token-file "$work/ci-token" env open dev --redact
echo "exit code $? (5: the token grants read, not open)"
run --token-file "$work/ci-token" env get prod
echo "exit code $? (5: the token is scoped to dev)"
run env rm prod --yes
echo "exit code $? (4: prod is deletion protected)"
set -e

step "history and audit"
run env version ls prod
run audit ls --limit 40
echo
echo "demo done: no plaintext secret was printed."
