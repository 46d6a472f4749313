#!/usr/bin/env python3
"""Generates the execution vectors of test/fixtures/execution/: for each scenario, a chain
built in-process with pyquarkchain and fed to pyquarkchain's real SlaveServer over TCP, every
exchange recorded as qkc-exec-transcript/1.

  QKC_INTEROP_HOME=... /work/shared/interop/run.sh scripts/vectors/generate.py --out DIR [--only NAME]

Run it through `npm run vectors` (scripts/vectors.sh), which finds the interop environment
or says why it skips.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qkc_compat  # noqa: E402,F401  (the interop shims' compatibility patches)

from scenarios import SCENARIOS  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", action="append", default=None, help="scenario name (repeatable)")
    ap.add_argument("--interop-dir", default=os.environ.get("QKC_INTEROP_DIR", "/work/shared/interop"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = args.only or sorted(SCENARIOS)
    if len(names) > 1:
        # one process per scenario: a config sets pyquarkchain's precompile and system-contract
        # switches process-wide (env.py), so scenarios must not share one
        import subprocess

        for name in names:
            cmd = [sys.executable, os.path.abspath(__file__), "--out", args.out, "--only", name,
                   "--interop-dir", args.interop_dir]
            if subprocess.call(cmd) != 0:
                print("scenario {} failed".format(name), file=sys.stderr)
                return 1
        return 0
    for name in names:
        fn, description = SCENARIOS[name]
        s = fn(args.interop_dir)
        try:
            t = s.rec.transcript(name, fn.__defaults__[0] if fn.__defaults__ else None, description)
        finally:
            s.close()
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(t, f, indent=1)
            f.write("\n")
        print(json.dumps({"scenario": name, "file": path, "exchanges": t["counts"]["exchanges"],
                          "by_op": t["counts"]["by_op"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
