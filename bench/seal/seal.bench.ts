/**
 * `npm run bench:seal`: what sealing costs (issue 15's miner will call powHash). Per algorithm: the
 * epoch cache's build time and hashes/s of powHash (src/consensus/seal.ts), then pyquarkchain's in
 * the same run (bench/seal/pyquarkchain_seal.py: libqkchash through qkcpow, ethash through
 * ethpow's pure-python light client, as installed without pyethash), when the interop env is there.
 * Figures are printed, never asserted.
 */
import { spawnSync } from "node:child_process";
import { makeEthashCache } from "../../src/consensus/ethash.ts";
import { makeQkchashCache, qkchashSeed } from "../../src/consensus/qkchash.ts";
import { type PowAlgorithm, powHash } from "../../src/consensus/seal.ts";
import { findInterop, interopEnv } from "../load/targets.ts";

function rate(algorithm: PowAlgorithm, seconds: number): number {
  const hash = new Uint8Array(32);
  powHash(algorithm, 1n, hash, 0n); // the cache, built outside the clock
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) powHash(algorithm, 1n, hash, BigInt(n++));
  return n / ((performance.now() - start) / 1000);
}

const timed = (fn: () => unknown) => {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
};

const ours: Record<string, number> = {
  qkchash_cache_s: timed(() => makeQkchashCache(qkchashSeed(0))),
  QKCHASH: rate("QKCHASH", 3),
  QKCHASHX: rate("QKCHASHX", 3),
  ethash_cache_s: timed(() => makeEthashCache(0)),
  ETHASH: rate("ETHASH", 5),
};

let theirs: Record<string, number> | undefined;
const interop = findInterop();
if (typeof interop !== "string") {
  const py = spawnSync(interop.runSh, [new URL("pyquarkchain_seal.py", import.meta.url).pathname], {
    encoding: "utf8",
    timeout: 900_000,
    env: interopEnv(interop),
  });
  try {
    theirs = JSON.parse(py.stdout.trim().split("\n").pop() ?? "") as Record<string, number>;
  } catch {
    console.error(`pyquarkchain side failed (exit ${py.status}): ${py.stderr.slice(-2000)}`);
  }
} else {
  console.log(`(pyquarkchain side skipped: ${interop})`);
}

const fmt = (n: number | undefined) => (n === undefined ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(2));
console.log(["measure".padEnd(16), "ours".padStart(10), "pyquarkchain".padStart(14), "ratio".padStart(8)].join(""));
for (const [key, unit] of [
  ["QKCHASH", "hashes/s"],
  ["QKCHASHX", "hashes/s"],
  ["ETHASH", "hashes/s"],
  ["qkchash_cache_s", "s"],
  ["ethash_cache_s", "s"],
] as const) {
  const a = ours[key];
  const b = theirs?.[key];
  const ratio = a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : "-";
  console.log([`${key} (${unit})`.padEnd(16), fmt(a).padStart(10), fmt(b).padStart(14), ratio.padStart(8)].join(""));
}
