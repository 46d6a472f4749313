/**
 * What one transaction's sender costs a sender thread (src/tx/sender-worker.ts), against the bare
 * libsecp256k1 call under it: the job's copy into its SharedArrayBuffer, decoding, hash_unsigned,
 * the recovery, keccak of the key, publishing. Runs on this thread (a worker runs the same code).
 * Prints CPU microseconds per transaction, the best of rounds taken in turns (the machine is shared). `npx tsx bench/sender-job.bench.ts`.
 */
import { createRequire } from "node:module";
import { transferBlock } from "./samples.ts";
import { SenderJob, recoverJob, serializedEvmHash } from "../src/tx/sender-worker.ts";
import { senderFromBytes, toOf } from "../src/tx/sender-bytes.ts";
import { decodeEvmTransaction, recoverSender, unsignedHash } from "../src/tx/transaction.ts";
import { keccak256 } from "../src/crypto/keccak.ts";

const TXS = 285; // an (a) block of bench:exec
const ROUNDS = 15;

const txs = transferBlock(TXS, TXS);
const serialized = txs.map((t) => t.tx.serialized_tx);

// The bare call: the addon's own instance (bindings.js wraps it in checks and a fresh output).
interface RawAddon {
  ecdsaRecover(output: Uint8Array, sig: Uint8Array, recid: number, msg32: Uint8Array): number;
}
const require = createRequire(import.meta.url);
const nodeGypBuild = require("node-gyp-build") as (dir: string) => { Secp256k1: new () => RawAddon };
const raw = new (nodeGypBuild(require.resolve("secp256k1/package.json").replace(/package\.json$/, "")).Secp256k1)();
const lib = require("secp256k1/bindings.js") as {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
};
const prepared = serialized.map((s) => {
  const tx = decodeEvmTransaction(s);
  const sig = new Uint8Array(64);
  sig.set(Buffer.from(tx.r.toString(16).padStart(64, "0"), "hex"), 0);
  sig.set(Buffer.from(tx.s.toString(16).padStart(64, "0"), "hex"), 32);
  return { sig, recid: Number(tx.v - 27n), msg: unsignedHash(tx) };
});
const out = new Uint8Array(65);

const contenders: Array<[string, () => void]> = [
  [
    "raw addon (ecdsaRecover only)",
    () => {
      for (const p of prepared) if (raw.ecdsaRecover(out, p.sig, p.recid, p.msg) !== 0) throw new Error("no key");
    },
  ],
  [
    "bindings.js ecdsaRecover",
    () => {
      for (const p of prepared) lib.ecdsaRecover(p.sig, p.recid, p.msg, false);
    },
  ],
  [
    "raw addon + keccak(key)",
    () => {
      for (const p of prepared) {
        raw.ecdsaRecover(out, p.sig, p.recid, p.msg);
        keccak256(out.subarray(1));
      }
    },
  ],
  [
    "recoverSender(decodeEvmTransaction)",
    () => {
      for (const s of serialized) if (recoverSender(decodeEvmTransaction(s)) === null) throw new Error("no sender");
    },
  ],
  [
    "senderFromBytes (the thread's recovery)",
    () => {
      for (const s of serialized) if (senderFromBytes(s)?.keyHash === undefined) throw new Error("no sender");
    },
  ],
  [
    "+ tx hash, keccak(sender), keccak(to)",
    () => {
      for (const s of serialized) {
        const found = senderFromBytes(s)!;
        serializedEvmHash(s);
        keccak256(found.keyHash!.subarray(12));
        keccak256(toOf(found.layout));
      }
    },
  ],
  ["SenderJob.of + recoverJob (a worker's share, all)", () => recoverJob(SenderJob.of(serialized).buffer)],
];

const best = (xs: number[]): number => Math.min(...xs);
/** CPU microseconds per transaction over one pass of `reps` blocks (CPU time: a shared machine's preemptions do not count). */
function perTx(run: () => void, reps: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) run();
  const { user, system } = process.cpuUsage(t0);
  return (user + system) / (reps * TXS);
}
for (const [, run] of contenders) perTx(run, 20); // warm-up: JIT
const rounds = contenders.map((): number[] => []);
for (let r = 0; r < ROUNDS; r++) contenders.forEach(([, run], i) => rounds[i]!.push(perTx(run, 10)));
console.log(
  `sender recovery, CPU us per transaction (best of ${ROUNDS} rounds of 10 blocks of ${TXS} txs: the least disturbed by a loaded machine)`,
);
contenders.forEach(([name], i) =>
  console.log(
    `${name.padEnd(46)} ${best(rounds[i]!).toFixed(2).padStart(7)}  [${rounds[i]!.map((x) => x.toFixed(1)).join(" ")}]`,
  ),
);
