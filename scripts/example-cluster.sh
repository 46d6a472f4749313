#!/usr/bin/env bash
# The README's two-slave example under pyquarkchain's REAL master: starts S0 and S1 from
# examples/cluster_config.json with slave.py's arguments, then py_real_master.py boots the
# cluster from the same file. Prints PASS when the master reports cluster_active.
#   scripts/example-cluster.sh            # slaves run as `node --max-semi-space-size=32 --import tsx bin/slave.ts ...` (npm start's)
#   SLAVE_CMD="node dist/bin/slave.js" scripts/example-cluster.sh    # the built form
# Skips (exit 0) without the interop env (../shared/interop/README.md).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
INTEROP="${QKC_SHARED:-$ROOT/../shared}/interop"
export QKC_INTEROP_HOME="${QKC_INTEROP_HOME:-$(cd "$ROOT/.." && pwd)/qkc-interop}"
[ -x "$INTEROP/run.sh" ] && [ -x "$QKC_INTEROP_HOME/venv/bin/python" ] \
  || { echo "example-cluster: SKIP: no interop env at $QKC_INTEROP_HOME"; exit 0; }
CONFIG=examples/cluster_config.json
SLAVE_CMD="${SLAVE_CMD:-node --max-semi-space-size=32 --import tsx bin/slave.ts}"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/qkc-example.XXXXXX")"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done' EXIT
for id in S0 S1; do
  $SLAVE_CMD --cluster_config "$CONFIG" --node_id "$id" >"$LOGS/$id.log" 2>&1 &
  PIDS+=($!)
done
for id in S0 S1; do
  for _ in $(seq 150); do grep -q "slave listening" "$LOGS/$id.log" && break; sleep 0.2; done
done
"$INTEROP/run.sh" py_real_master.py --config-json "$CONFIG" >"$LOGS/master.log" 2>&1
if grep -q '"cluster_active"' "$LOGS/master.log"; then
  echo "example-cluster: PASS (pyquarkchain's master booted S0 and S1; logs in $LOGS)"
else
  echo "example-cluster: FAIL (see $LOGS)"; exit 1
fi
