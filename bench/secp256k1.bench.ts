/**
 * Public-key recovery throughput: @noble/curves against libsecp256k1 (the backend
 * src/crypto/secp256k1.ts picks when the addon loads), and recoverAddress (recovery + keccak, what
 * each transaction's sender costs). Prints figures only. `npm run bench:secp` (about 30 s).
 *
 * The machine is shared, so the backends take turns (A B A B ...) and each figure is the median
 * of the rounds; the ratio is the median of the per-round ratios, which a load change between
 * rounds disturbs less than a ratio of medians.
 */
import { performance } from "node:perf_hooks";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import { type RecoveryBackend, loadLibsecp256k1, nobleBackend } from "../src/crypto/secp256k1-backends.ts";
import { recoverAddress, secp256k1Implementation } from "../src/crypto/secp256k1.ts";
import { mulberry32 } from "../harness/random.ts";

const ROUNDS = 7;
const ROUND_MS = 1000;

interface Case {
  hash: Uint8Array;
  r: bigint;
  s: bigint;
  bit: number;
}

/** Signatures by random keys over random hashes; every other one with high s, as pyquarkchain accepts. */
function signatures(count: number): Case[] {
  const random = mulberry32(0x5ec9256);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const hash = random.bytes(32);
    const sig = noble.Signature.fromBytes(
      noble.sign(hash, noble.utils.randomSecretKey(random.bytes(48)), { prehash: false, format: "recovered" }),
      "recovered",
    );
    const high = i % 2 === 1;
    const n = noble.Point.CURVE().n;
    cases.push({ hash, r: sig.r, s: high ? n - sig.s : sig.s, bit: high ? sig.recovery! ^ 1 : sig.recovery! });
  }
  return cases;
}

type Recover = (c: Case) => Uint8Array | undefined;

/** Recoveries per second over about ROUND_MS, cycling through the cases. */
function rate(recover: Recover, cases: Case[]): number {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let i = 0; i < 50; i++) if (recover(cases[n++ % cases.length]!) === undefined) throw new Error("no key");
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (x: number): string => Math.round(x).toLocaleString("en-US").padStart(8);

const cases = signatures(2000);
let fast: RecoveryBackend | undefined;
try {
  fast = loadLibsecp256k1();
} catch (e) {
  console.log(`libsecp256k1 did not load (${e instanceof Error ? e.message : String(e)}): noble only`);
}

const contenders: Array<[string, Recover]> = [["noble", (c) => nobleBackend.recover(c.hash, c.r, c.s, c.bit)]];
if (fast !== undefined) {
  const f = fast;
  contenders.push(["libsecp256k1", (c) => f.recover(c.hash, c.r, c.s, c.bit)]);
}
contenders.push([`recoverAddress (${secp256k1Implementation})`, (c) => recoverAddress(c.hash, c.r, c.s, c.bit)]);

for (const [, recover] of contenders) rate(recover, cases.slice(0, 100)); // warm-up: JIT, noble's tables
const rounds = contenders.map((): number[] => []);
for (let round = 0; round < ROUNDS; round++)
  contenders.forEach(([, recover], i) => rounds[i]!.push(rate(recover, cases)));

console.log(`public-key recovery, ${ROUNDS} rounds of ${ROUND_MS} ms each, taking turns (median, then every round)`);
contenders.forEach(([name], i) =>
  console.log(`${name.padEnd(30)} ${fmt(median(rounds[i]!))}/s   [${rounds[i]!.map((x) => Math.round(x)).join(" ")}]`),
);
if (fast !== undefined) {
  const ratios = rounds[1]!.map((x, i) => x / rounds[0]![i]!);
  console.log(`libsecp256k1 / noble: ${median(ratios).toFixed(1)}x (median of per-round ratios)`);
}
