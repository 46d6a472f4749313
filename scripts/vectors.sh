#!/usr/bin/env bash
# npm run vectors [-- --check] [-- --only NAME ...]
#
# Regenerates test/fixtures/execution/*.json with scripts/vectors/generate.py: chains built
# in-process with pyquarkchain, recorded from pyquarkchain's real SlaveServer over TCP.
# Needs the pyquarkchain interop environment (../shared/interop, see its README):
#   QKC_INTEROP_HOME  its scratch dir (sources + venv), default ${TMPDIR:-/tmp}/qkc-interop
#   QKC_INTEROP_DIR   the drivers' dir (run.sh, py_real_slave.py); default ../shared/interop
# Without it this says why and exits 0: CI replays the committed files, it never regenerates.
# --check generates into a temporary directory and fails if any file differs from the
# committed one (the generator is deterministic: same seeds, same bytes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/test/fixtures/execution"
interop_dir="${QKC_INTEROP_DIR:-$(cd "$root/.." && pwd)/shared/interop}"

skip() {
  echo "vectors: skipped, $1 (test/fixtures/execution is unchanged; see README \"Execution vectors\")"
  exit 0
}
# the interop scripts' own default (env.sh)
export QKC_INTEROP_HOME="${QKC_INTEROP_HOME:-${TMPDIR:-/tmp}/qkc-interop}"
[ -x "$interop_dir/run.sh" ] || skip "no interop drivers at $interop_dir (set QKC_INTEROP_DIR)"
[ -x "${QKC_VENV:-$QKC_INTEROP_HOME/venv}/bin/python" ] || skip "no venv in $QKC_INTEROP_HOME (run $interop_dir/setup.sh)"
[ -d "${PYQKC_SRC:-$QKC_INTEROP_HOME/src}/quarkchain" ] || skip "no pyquarkchain sources in $QKC_INTEROP_HOME"

check=0
args=()
for a in "$@"; do
  if [ "$a" = "--check" ]; then check=1; else args+=("$a"); fi
done
export QKC_INTEROP_DIR="$interop_dir"
gen() {
  # pyquarkchain logs to stderr; keep its noise out unless it fails
  local log
  log="$(mktemp)"
  if ! "$interop_dir/run.sh" "$root/scripts/vectors/generate.py" --out "$1" ${args[@]+"${args[@]}"} 2>"$log"; then
    tail -40 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

if [ "$check" = 0 ]; then
  gen "$out"
  echo "vectors: written to $out"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
gen "$tmp"
status=0
for f in "$tmp"/*.json; do
  name="$(basename "$f")"
  if cmp -s "$f" "$out/$name"; then echo "vectors: $name identical"; else echo "vectors: $name DIFFERS from the committed file"; status=1; fi
done
exit $status
