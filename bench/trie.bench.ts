/**
 * The state trie's costs: `node --import tsx bench/trie.bench.ts`. Accounts-like entries
 * (20-byte keys, 70-byte values) in a SecureTrie over the in-memory Kv, against the
 * whole-trie recomputation (mpt.ts) the trie replaces.
 */
import { secureTrieRoot } from "../harness/trie-oracle.ts";
import { SecureTrie, TrieNodeDb } from "../src/backend/state/trie/index.ts";
import { mulberry32 } from "../harness/random.ts";

const random = mulberry32(13);
const entries = (n: number) => Array.from({ length: n }, () => [random.bytes(20), random.bytes(70)] as const);

/** Wall time, and the process's CPU time: on a shared machine the second is the steadier figure. */
function time(label: string, ops: number, fn: () => void): void {
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const rate = (t: number) => Math.round((ops / t) * 1000).toLocaleString("en");
  console.log(
    `${label}: ${ms.toFixed(1)} ms wall (${rate(ms)} ops/s), ${cpuMs.toFixed(1)} ms CPU (${rate(cpuMs)} ops/s)`,
  );
}

const N = 10_000;
const initial = entries(N);
for (let round = 0; round < 2; round++) {
  // Round 0 warms the JIT; round 1 is the figure.
  const trie = new SecureTrie(TrieNodeDb.memory());
  time(`[${round}] ${N} puts + root + commit (empty trie)`, N, () => {
    for (const [k, v] of initial) trie.put(k, v);
    trie.root();
    trie.db.write(trie.commit().writes);
  });
  time(`[${round}] ${N} gets`, N, () => {
    for (const [k] of initial) trie.get(k);
  });
  const block = entries(100);
  let writes = 0;
  time(`[${round}] 100 blocks of 100 changed keys on the ${N}-key trie (put + commit + write)`, 100 * 100, () => {
    for (let b = 0; b < 100; b++) {
      for (const [k] of block) trie.put(k, random.bytes(70));
      const c = trie.commit();
      writes += c.writes.length;
      trie.db.write(c.writes);
    }
  });
  console.log(`[${round}]   ${(writes / 100).toFixed(0)} node writes per block of 100 keys`);
  const cold = new TrieNodeDb(trie.db.kv);
  time(`[${round}] ${N} gets from a fresh cache (decoding from the Kv)`, N, () => {
    const reopened = new SecureTrie(cold, trie.root());
    for (const [k] of initial) reopened.get(k);
  });
  time(`[${round}] mpt.ts: one whole-trie root of ${N} keys`, N, () => {
    secureTrieRoot(initial);
  });
}
