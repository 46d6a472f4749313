#!/usr/bin/env bash
# A mining cluster: pyquarkchain's real master with mining on (MINE_REQUEST, its root miner) over
# qkc-slaves, or pyquarkchain's and qkc-slaves mixed, for a few minutes with GEN_TX load; prints the
# root height, each shard's height and transactions, and whether every slave holds every block the
# root chain confirmed (interop/mine_cluster.py says how and why).
#   scripts/mine-cluster.sh [--minutes N] [other driver options]        # qkc, then mixed
#   scripts/mine-cluster.sh [--minutes N] qkc|mixed|py ...               # those runs only
#     qkc: two qkc-slaves; mixed: a qkc-slave and a pyquarkchain slave; py: two pyquarkchain slaves
#     (the reference the script itself is checked against)
# Skips (exit 0) when the shared interop tools or their env are missing, as scripts/interop.sh does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="${QKC_SHARED:-$ROOT/../shared}/interop"
skip() { echo "mine-cluster: SKIP: $*"; exit 0; }

runs=() opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    qkc | mixed | py) runs+=("$1") ;;
    --*=*) opts+=("$1") ;;
    --*) opts+=("$1" "${2:?$1 needs a value}"); shift ;;
    *) echo "usage: $0 [--minutes N] [driver options] [qkc|mixed|py ...]" >&2; exit 2 ;;
  esac
  shift
done
[ ${#runs[@]} -gt 0 ] || runs=(qkc mixed)

[ -x "$INTEROP/run.sh" ] || skip "no interop tools at $INTEROP (set QKC_SHARED)"
INTEROP="$(cd "$INTEROP" && pwd)"
if [ -z "${QKC_INTEROP_HOME:-}" ]; then
  QKC_INTEROP_HOME="$(cd "$ROOT/.." && pwd)/qkc-interop"
  [ -d "$QKC_INTEROP_HOME" ] || QKC_INTEROP_HOME="${TMPDIR:-/tmp}/qkc-interop"
fi
export QKC_INTEROP_HOME
. "$INTEROP/env.sh"
[ -x "$QKC_VENV/bin/python" ] && [ -d "$PYQKC_SRC/quarkchain" ] \
  || skip "interop env not set up at $QKC_INTEROP_HOME (run: QKC_INTEROP_HOME=$QKC_INTEROP_HOME PYQUARKCHAIN_GIT=<git dir> $INTEROP/setup.sh)"

status=0
for run in "${runs[@]}"; do
  case "$run" in
    qkc) slaves=qkc,qkc ;;
    mixed) slaves=qkc,py ;;
    py) slaves=py,py ;;
  esac
  out="$QKC_INTEROP_HOME/mine/$run"
  mkdir -p "$out"
  # node --import tsx, not npx (npx doubles the start-up on a busy machine); started in $ROOT so
  # node resolves the repo's tsx. Shown: the progress and summary lines as they come (the JSON event
  # lines and pyquarkchain's warnings stay in the log).
  set +e
  "$INTEROP/run.sh" "$ROOT/interop/mine_cluster.py" --slaves "$slaves" --cwd "$ROOT" --dir "$out" \
    --base-port "${QKC_MINE_PORT:-38560}" --qkc-cmd "node --max-semi-space-size=32 --import tsx $ROOT/bin/slave.ts" ${opts[@]+"${opts[@]}"} \
    2>&1 | tee "$out/driver.log" | grep --line-buffered -E '^(mine-cluster|  [a-zA-Z])'
  rc=${PIPESTATUS[0]}
  set -e
  if [ $rc -ne 0 ]; then
    status=1
    echo "mine-cluster: $run exited $rc; see $out/ (driver.log, the slaves' .out)"
  fi
done
exit $status
