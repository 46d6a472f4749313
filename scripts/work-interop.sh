#!/usr/bin/env bash
# GET_WORK / SUBMIT_WORK / MINE answers of pyquarkchain's real slave and of qkc-slave, on the same
# one-shard POW_DOUBLESHA256 network with REMOTE_MINE, asked by pyquarkchain's master-side
# connection (interop/work_answers.py); the two lists of answers must be the same.
#   scripts/work-interop.sh
# Skips (exit 0) when the shared interop tools or their env are missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="${QKC_SHARED:-$ROOT/../shared}/interop"
skip() { echo "work-interop: SKIP: $*"; exit 0; }
[ -x "$INTEROP/run.sh" ] || skip "no interop tools at $INTEROP (set QKC_SHARED)"
INTEROP="$(cd "$INTEROP" && pwd)"
if [ -z "${QKC_INTEROP_HOME:-}" ]; then
  QKC_INTEROP_HOME="$(cd "$ROOT/.." && pwd)/qkc-interop"
  [ -d "$QKC_INTEROP_HOME" ] || QKC_INTEROP_HOME="${TMPDIR:-/tmp}/qkc-interop"
fi
export QKC_INTEROP_HOME
. "$INTEROP/env.sh"
[ -x "$QKC_VENV/bin/python" ] && [ -d "$PYQKC_SRC/quarkchain" ] || skip "interop env not set up at $QKC_INTEROP_HOME"

DIR="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
PORT_PY=$((39500 + RANDOM % 200))
PORT_QKC=$((PORT_PY + 200))

config() { # $1 port
  python3 - "$1" <<'EOF'
import json, sys, time
port = int(sys.argv[1])
print(json.dumps({
    "QUARKCHAIN": {
        "CHAIN_SIZE": 1, "NETWORK_ID": 3,
        "ROOT": {"CONSENSUS_TYPE": "POW_SIMULATE", "CONSENSUS_CONFIG": {"TARGET_BLOCK_TIME": 10}, "GENESIS": {}, "POSW_CONFIG": {}},
        "CHAINS": [{"CHAIN_ID": 0, "SHARD_SIZE": 1, "CONSENSUS_TYPE": "POW_DOUBLESHA256",
                    "CONSENSUS_CONFIG": {"TARGET_BLOCK_TIME": 3, "REMOTE_MINE": True}, "POSW_CONFIG": {},
                    "GENESIS": {"TIMESTAMP": int(time.time()) - 60, "DIFFICULTY": 1000}}],
    },
    "SLAVE_LIST": [{"ID": "S0", "IP": "127.0.0.1", "PORT": port, "FULL_SHARD_ID_LIST": ["0x00000001"]}],
}))
EOF
}

wait_line() { # $1 file $2 text
  for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "work-interop: FAIL: no \"$2\" in $1"; cat "$1"; exit 1
}

answers() { # $1 port $2 out
  QKC_INTEROP_TOOLS="$INTEROP" "$INTEROP/run.sh" "$ROOT/interop/work_answers.py" --port "$1" --chain-size 1 \
    --shard-size 1 --network-id 3 session --steps '[["ping",{"root_tip":true}],["work",{}]]' 2>/dev/null \
    | python3 -c 'import json,sys
for l in sys.stdin:
    d = json.loads(l)
    if d.get("event") in ("answer", "fail"):
        d.pop("t", None); print(json.dumps(d, sort_keys=True))' > "$2" || true
}

config "$PORT_PY" > "$DIR/py.json"
setsid "$INTEROP/run.sh" py_real_slave.py --id S0 --config-json "$DIR/py.json" --max-seconds 120 > "$DIR/py.out" 2>&1 &
PIDS+=($!)
wait_line "$DIR/py.out" real_slave_listening
sleep 0.5
echo "asking pyquarkchain" >&2; answers "$PORT_PY" "$DIR/py.answers"

config "$PORT_QKC" > "$DIR/qkc.json"
(cd "$ROOT" && setsid node --max-semi-space-size=32 --import tsx bin/slave.ts --cluster_config "$DIR/qkc.json" --node_id S0 --host 127.0.0.1 \
  --no-pretty > "$DIR/qkc.out" 2>&1) &
PIDS+=($!)
wait_line "$DIR/qkc.out" "slave listening"
echo "asking qkc-slave" >&2; answers "$PORT_QKC" "$DIR/qkc.answers"

echo "pyquarkchain:"; cat "$DIR/py.answers"
if diff "$DIR/py.answers" "$DIR/qkc.answers" > "$DIR/diff"; then
  echo "work-interop: PASS ($(wc -l < "$DIR/py.answers") answers the same)"
else
  echo "work-interop: FAIL (< pyquarkchain, > qkc-slave)"; cat "$DIR/diff"; exit 1
fi
