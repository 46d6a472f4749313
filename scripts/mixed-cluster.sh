#!/usr/bin/env bash
# A mixed cluster: pyquarkchain's real master, one pyquarkchain slave and one qkc-slave, both
# serving both shards; blocks with cross-shard transfers both ways go to both slaves and their
# answers are compared byte for byte (interop/mixed_cluster.py says how and why).
#   scripts/mixed-cluster.sh            # shards 1 and 65537 with qkc-slave first in SLAVE_LIST, then with
#                                       # pyquarkchain's first, then shards 2 and 3 with pyquarkchain's first
#   scripts/mixed-cluster.sh qkc|py     # shards 1 and 65537, that order only
# Skips (exit 0) when the shared interop tools or their env are missing, as scripts/interop.sh does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="${QKC_SHARED:-$ROOT/../shared}/interop"
skip() { echo "mixed-cluster: SKIP: $*"; exit 0; }

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

case "${1:-}" in
  "") runs="2x1:qkc 2x1:py 1x2:py" ;;
  qkc | py) runs="2x1:$1" ;;
  *) echo "usage: $0 [qkc|py]" >&2; exit 2 ;;
esac

DIR="$QKC_INTEROP_HOME/mixed"
status=0
for run in $runs; do
  layout="${run%%:*}" first="${run#*:}" out="$DIR/$layout-$first"
  mkdir -p "$out"
  # node --import tsx, not npx (npx doubles the start-up on a busy machine); started in $ROOT so
  # node resolves the repo's tsx
  "$INTEROP/run.sh" "$ROOT/interop/mixed_cluster.py" --layout "$layout" --first "$first" --cwd "$ROOT" --dir "$out" \
    --base-port "${QKC_MIXED_PORT:-38470}" --qkc-cmd "node --max-semi-space-size=32 --import tsx $ROOT/bin/slave.ts" \
    >"$out/driver.log" 2>&1 || status=1
  # the summary (the JSON event lines and pyquarkchain's warnings stay in the log)
  grep -E '^(mixed-cluster|  [a-zA-Z])' "$out/driver.log" || true
  [ $status -eq 0 ] || echo "mixed-cluster: see $out/ (driver.log, the slaves' .out)"
done
exit $status
