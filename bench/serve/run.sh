#!/usr/bin/env bash
# Starts `escctl serve` on 127.0.0.1 over a fresh store (a 3-level hierarchy
# base <- mid <- dev with a secret), then runs serve_load against it.
# Usage: bench/serve/run.sh [BUILD_DIR] [THREADS] [REQUESTS_PER_THREAD] [SECONDS_PER_PHASE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(realpath "${1:-$root/build}")"
escctl="$build/bin/escctl"
tmp="$(mktemp -d)"
server=""
trap '[[ -n "$server" ]] && kill -TERM "$server" 2>/dev/null; wait; rm -rf "$tmp"' EXIT
export ESC_PASSPHRASE=bench-passphrase ESC_INSECURE_FAST_KDF=1 ESC_ORGANIZATION=myorg
"$escctl" --store "$tmp/s.db" serve --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 1 100); do grep -q '^listening' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n '1s/.*://p' "$tmp/out")"
"$escctl" --store "$tmp/s.db" env init app/base >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env set app/base secrets.key not-a-real-secret --secret >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env init app/mid >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env set app/mid 'imports[0]' base --string >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env set app/mid values.region eu-west-1 >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env init app/dev >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env set app/dev 'imports[0]' mid --string >/dev/null 2>&1
"$escctl" --store "$tmp/s.db" env set app/dev values.greeting hello >/dev/null 2>&1
token="$("$escctl" --store "$tmp/s.db" token create --scope 'myorg/*/*:admin' 2>/dev/null)"
"$build/bench/serve/serve_load" "$port" "$token" "${2:-8}" "${3:-2000}" "${4:-10}"
