#!/usr/bin/env bash
# Wire-compatibility self-test against pyquarkchain, using the shared interop tools.
#   scripts/interop.sh             # 19 checks against our slave (bin/slave.ts), then pyquarkchain's
#                                  # real master booting qkc-slaves, compared with a pyquarkchain cluster
#   scripts/interop.sh reference   # the same checks against pyquarkchain's real SlaveServer
# Skips (exit 0) when the tools or their env are missing, so it is safe in any checkout.
# One-time env setup: see ../shared/interop/README.md (PYQUARKCHAIN_GIT=... setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="${QKC_SHARED:-$ROOT/../shared}/interop"
skip() { echo "interop: SKIP: $*"; exit 0; }

[ -x "$INTEROP/selftest.sh" ] || skip "no interop tools at $INTEROP (set QKC_SHARED)"
INTEROP="$(cd "$INTEROP" && pwd)"

# The venv + exported pyquarkchain live outside the repo; prefer the sibling dir
# (<repo>/../qkc-interop) so setup and test agree without extra env, else the tools' default.
if [ -z "${QKC_INTEROP_HOME:-}" ]; then
  QKC_INTEROP_HOME="$(cd "$ROOT/.." && pwd)/qkc-interop"
  [ -d "$QKC_INTEROP_HOME" ] || QKC_INTEROP_HOME="${TMPDIR:-/tmp}/qkc-interop"
fi
export QKC_INTEROP_HOME
. "$INTEROP/env.sh"   # derives PYQKC_SRC / QKC_VENV (env overrides win)
[ -x "$QKC_VENV/bin/python" ] && [ -d "$PYQKC_SRC/quarkchain" ] \
  || skip "interop env not set up at $QKC_INTEROP_HOME (run: QKC_INTEROP_HOME=$QKC_INTEROP_HOME PYQUARKCHAIN_GIT=<git dir> $INTEROP/setup.sh)"

case "${1:-}" in
  reference)
    # No QKC_SLAVE_CMD: selftest.sh then starts py_real_slave.py and waits for its own ready line.
    unset QKC_SLAVE_CMD QKC_SLAVE_READY ;;
  "")
    [ -f "$ROOT/bin/slave.ts" ] || skip "bin/slave.ts does not exist yet"
    # selftest.sh fills in {id} {host} {port} {shards}; the ready line avoids probing the port
    # (a slave takes its first inbound connection as its master).
    # node --import tsx, not npx: npx's own start-up doubles the slave's (about 3 s to 6 s on a busy
    # 2-core machine), and the self-test's stand-in listeners live only 15 s.
    export QKC_SLAVE_CMD="node --max-semi-space-size=32 --import tsx $(printf %q "$ROOT/bin/slave.ts") --id {id} --host {host} --port {port} --shards {shards}"
    export QKC_SLAVE_READY="${QKC_SLAVE_READY:-slave listening}" ;;
  *) echo "usage: $0 [reference]" >&2; exit 2 ;;
esac

cd "$ROOT"   # so node resolves the repo's local tsx
status=0
"$INTEROP/selftest.sh" || status=1
if [ -z "${1:-}" ]; then
  INTEROP="$INTEROP" ROOT="$ROOT" "$ROOT/scripts/interop-boot.sh" || status=1
fi
exit $status
