/**
 * Precompile throughput: calls per second of each of 0x1–0x8 on a typical input, over ~1 s each.
 * ecrecover is the one that matters (every signed-message check a contract does); it runs on
 * @noble/curves here, where pyquarkchain uses libsecp256k1 through coincurve.
 *   npx tsx bench/evm/precompiles.bench.ts [seconds per precompile]
 */
import { bn254 } from "@noble/curves/bn254.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { precompiles } from "../../src/evm/precompiles/index.ts";
import { bigintToBytes } from "../../src/evm/precompiles/input.ts";

const seconds = Number(process.argv[2] ?? 1);
const word = (n: bigint) => bigintToBytes(n, 32);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

function signatures(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const hash = crypto.getRandomValues(new Uint8Array(32));
    const signed = secp256k1.sign(hash, secp256k1.utils.randomSecretKey(), { prehash: false, format: "recovered" });
    const sig = secp256k1.Signature.fromBytes(signed, "recovered");
    return cat(hash, word(27n + BigInt(sig.recovery!)), sig.toBytes("compact"));
  });
}

const g1 = (k: bigint) => {
  const { x, y } = bn254.G1.Point.BASE.multiply(k).toAffine();
  return cat(word(x), word(y));
};
const g2 = (k: bigint) => {
  const { x, y } = bn254.G2.Point.BASE.multiply(k).toAffine();
  return cat(word(x.c1), word(x.c0), word(y.c1), word(y.c0));
};
const p = 2n ** 256n - 2n ** 32n - 977n;

const workloads: [string, number, Uint8Array[]][] = [
  ["ecrecover", 1, signatures(64)],
  ["sha256 (128 B)", 2, [new Uint8Array(128).fill(7)]],
  ["ripemd160 (128 B)", 3, [new Uint8Array(128).fill(7)]],
  ["identity (128 B)", 4, [new Uint8Array(128).fill(7)]],
  ["modexp 3^(p-2) mod p (256-bit)", 5, [cat(word(1n), word(32n), word(32n), Uint8Array.of(3), word(p - 2n), word(p))]],
  ["ecadd", 6, [cat(g1(3n), g1(5n))]],
  ["ecmul (256-bit scalar)", 7, [cat(g1(3n), word(2n ** 255n + 12345n))]],
  ["ecpairing (2 pairs)", 8, [cat(g1(6n), g2(7n), g1(bn254.G1.Point.Fn.ORDER - 42n), g2(1n))]],
];

for (const [name, address, inputs] of workloads) {
  const run = precompiles.get(address)!;
  if (run(inputs[0]!, 1e9) === undefined) throw new Error(`${name}: the benchmark input fails`);
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < seconds * 1000) {
    run(inputs[calls % inputs.length]!, 1e9);
    calls++;
  }
  const perSecond = calls / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(32)} ${perSecond.toFixed(perSecond < 100 ? 1 : 0).padStart(10)} calls/s`);
}
