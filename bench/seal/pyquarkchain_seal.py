"""pyquarkchain's side of bench/seal/seal.bench.ts: hashes/s of qkcpow.get_mining_output (libqkchash,
with and without rotation stats) and of ethpow's ethash light hashimoto, and its cache build times.
One JSON line on stdout. Run through the interop env's run.sh."""
import json
import time

# ethpow before qkc_compat: qkc_compat stubs the absent pyethash, which ethpow would take for the C library.
from ethereum.pow import ethpow  # isort: skip

import qkc_compat  # noqa: F401,E402
from qkchash import qkcpow  # noqa: E402


def rate(fn, seconds):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(n)
        n += 1
    return n / (time.perf_counter() - start)


out = {}
start = time.perf_counter()
qkcpow.get_mining_output(1, bytes(32), bytes(8))
out["qkchash_cache_s"] = time.perf_counter() - start
for name, rot in (("QKCHASH", False), ("QKCHASHX", True)):
    out[name] = rate(lambda n: qkcpow.get_mining_output(1, bytes(32), n.to_bytes(8, "big"), rot), 3)
start = time.perf_counter()
cache = ethpow.get_cache(ethpow.get_cache_size(1), 1)
out["ethash_cache_s"] = time.perf_counter() - start
full = ethpow.get_full_size(1)
out["ETHASH"] = rate(lambda n: ethpow.hashimoto(1, full, cache, bytes(32), n.to_bytes(8, "big")), 5)
print(json.dumps(out))
