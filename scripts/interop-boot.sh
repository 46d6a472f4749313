#!/usr/bin/env bash
# pyquarkchain's REAL master boots a two-slave cluster made only of qkc-slaves, from a
# cluster_config.json with a genesis ALLOC; then the same config boots two pyquarkchain
# slaves, and compare_dumps.py compares the two clusters answer by answer.
# Called by scripts/interop.sh with INTEROP, ROOT and QKC_INTEROP_HOME set.
set -uo pipefail
R="$INTEROP/run.sh"
DIR="$QKC_INTEROP_HOME/boot"; mkdir -p "$DIR"; rm -f "$DIR"/*
BASE="${QKC_BOOT_PORT:-38450}"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
wait_line() { local end=$((SECONDS + $3)); while [ $SECONDS -lt $end ]; do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

SLAVES="[{\"id\":\"S0\",\"port\":$BASE,\"shards\":[1]},{\"id\":\"S1\",\"port\":$((BASE+1)),\"shards\":[65537]}]"
"$R" py_real_master.py --slaves "$SLAVES" --write-config "$DIR/cluster_config.json" \
  --alloc '{"0123456789abcdef0123456789abcdef0123456700000000": {"QKC": 1000000000000000000000000}}' >"$DIR/config.log" 2>&1 \
  || { echo "FAIL boot_config (see $DIR/config.log)"; exit 1; }

boot() { # name, slave command prefix, ready pattern
  local name="$1" i
  for i in 0 1; do
    bash -c "exec $2 S$i" >"$DIR/$name-S$i.out" 2>&1 </dev/null &
    PIDS+=($!)
    wait_line "$DIR/$name-S$i.out" "$3" 30 || { echo "FAIL ${name}_start (see $DIR/$name-S$i.out)"; return 1; }
  done
  "$R" py_real_master.py --config-json "$DIR/cluster_config.json" --dump "$DIR/$name.json" >"$DIR/$name-master.log" 2>&1
}

if boot qkc "node --max-semi-space-size=32 --import tsx $ROOT/bin/slave.ts --cluster_config $DIR/cluster_config.json --node_id" "slave listening" \
  && grep -q '"cluster_active"' "$DIR/qkc-master.log"; then
  echo "PASS real_master_boots_qkc_slaves"
else
  echo "FAIL real_master_boots_qkc_slaves (see $DIR/qkc-master.log)"; exit 1
fi
cleanup; PIDS=()
if boot py "'$R' py_real_slave.py --config-json $DIR/cluster_config.json --id" "real_slave_listening"; then
  # Informational: which answers are byte-identical to pyquarkchain's (the backend's coverage grows).
  "$R" compare_dumps.py "$DIR/py.json" "$DIR/qkc.json" 2>&1 | tee "$DIR/compare.log" | grep -E "^(MISMATCH|.*answers identical)"
else
  echo "FAIL reference_boot (see $DIR/py-master.log)"; exit 1
fi
