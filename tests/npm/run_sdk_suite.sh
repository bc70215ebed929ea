#!/usr/bin/env bash
# Runs the official @pulumi/esc-sdk 0.12.4 test suite (its shipped
# test/client.spec.js, unchanged), or another spec on that SDK, against
# `escctl serve` on a fresh store.
# Usage: run_sdk_suite.sh ESCCTL NPM_DIR [SPEC [EXPECTED_REQUEST]]
#   EXPECTED_REQUEST: a request line the server must have logged (proof the
#   spec really talked to it).
set -euo pipefail
escctl="$(realpath "$1")"
npm_dir="$(realpath "$2")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="${3:-$npm_dir/node_modules/@pulumi/esc-sdk/test/client.spec.js}"
[[ -n "${3:-}" ]] && spec="$(realpath "$3")"
expected="${4:-PATCH /api/esc/environments/sdkorg/sdk-ts-test/}"
if [[ ! -f "$spec" ]]; then
  echo "sdk suite: $spec missing; run scripts/npm-setup.sh (scripts/build.sh does)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

export ESC_PASSPHRASE="sdk-suite-passphrase" ESC_INSECURE_FAST_KDF=1 ESC_ORGANIZATION=sdkorg
store="$tmp/store.db"
"$escctl" --store "$store" serve --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 1 300); do
  [[ -s "$tmp/serve.out" ]] && grep -q '^listening on ' "$tmp/serve.out" && break
  sleep 0.1
done
url="$(sed -n '1s/^listening on //p' "$tmp/serve.out")"
[[ -n "$url" ]] || { echo "sdk suite: server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
# The server created the store; the token is made beside it.
token="$("$escctl" --store "$store" token create --scope 'sdkorg/*/*:admin' --name sdk-suite)"

mkdir -p "$tmp/pulumi-home"
status=0
(
  cd "$npm_dir"
  env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY \
    NO_PROXY=127.0.0.1,localhost PULUMI_HOME="$tmp/pulumi-home" PULUMI_ACCESS_TOKEN="$token" \
    PULUMI_BACKEND_URL="$url" PULUMI_ORG=sdkorg ESC_SDK_SUITE_BASE_URL="$url/api/esc" \
    node --require "$here/preload.js" --test "$spec"
) || status=$?

kill -TERM "$server"
server_status=0
wait "$server" || server_status=$?
server=""
if [[ $server_status -ne 0 ]]; then
  echo "sdk suite: escctl serve exited $server_status" >&2
  cat "$tmp/serve.err" >&2
  exit 1
fi
# The suite must really have talked to this server.
if ! grep -qF "$expected" "$tmp/serve.err"; then
  echo "sdk suite: no request reached escctl serve" >&2
  exit 1
fi
if grep -q -- "$token" "$tmp/serve.err"; then
  echo "sdk suite: the token value appears in the server log" >&2
  exit 1
fi
exit $status
