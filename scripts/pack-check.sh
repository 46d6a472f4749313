#!/usr/bin/env bash
# The README's install path for real: npm pack, `npm install -g` of the tarball into a scratch
# prefix, both bins from that prefix's bin/, a slave started with metrics and scraped, and a
# scratch TypeScript project that `npm install`s the tarball and imports the codec.
# Needs the npm registry (or a cache holding every dependency's metadata); the offline part of
# this check is test/package/pack.test.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/qkc-pack-check.XXXXXX")"
SLAVE_PID=""
cleanup() { [ -n "$SLAVE_PID" ] && kill "$SLAVE_PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
step() { echo "pack-check: $*"; }

step "npm pack"
TARBALL="$DIR/$(cd "$ROOT" && npm pack --silent --pack-destination "$DIR" | tail -1)"

step "npm install -g --prefix $DIR/global $(basename "$TARBALL")"
npm install -g --prefix "$DIR/global" --prefer-offline --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null
BIN="$DIR/global/bin"
[ "$("$BIN/qkc-wire" encode --type Branch '{"value": 65537}')" = "00010001" ] || { echo "FAIL qkc-wire"; exit 1; }
step "qkc-wire OK"
"$BIN/qkc-slave" --help | grep -q -- "--cluster_config" || { echo "FAIL qkc-slave --help"; exit 1; }

"$BIN/qkc-slave" --port 0 --metrics-port 0 >"$DIR/slave.log" 2>&1 &
SLAVE_PID=$!
for _ in $(seq 100); do grep -q '"slave listening"' "$DIR/slave.log" && break; sleep 0.1; done
MPORT="$(grep '"metrics listening"' "$DIR/slave.log" | sed 's/.*"port":\([0-9]*\).*/\1/')"
METRICS="$(curl -fsS "http://127.0.0.1:$MPORT/metrics")"
grep -q '^process_cpu_user_seconds_total' <<<"$METRICS" || { echo "FAIL metrics"; exit 1; }
grep -q '^qkc_links{kind="master"} 0' <<<"$METRICS" || { echo "FAIL qkc_links"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/healthz")" = 503 ] || { echo "FAIL healthz"; exit 1; }
kill "$SLAVE_PID"; SLAVE_PID=""
step "qkc-slave OK (listening, /metrics scraped, /healthz 503 without a master)"

step "a scratch TypeScript project: npm install the tarball, import the codec"
mkdir "$DIR/project"
cp "$ROOT/test/package/consumer/"* "$DIR/project/"
cd "$DIR/project"
echo '{"name":"scratch","private":true,"type":"module"}' >package.json
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$TARBALL" "@types/node@20" >/dev/null
node "$ROOT/node_modules/typescript/bin/tsc" -p .
[[ "$(node out/main.js)" == *'"id":"S9"'* ]] || { echo "FAIL import"; exit 1; }
step "import OK"
echo "pack-check: PASS"
