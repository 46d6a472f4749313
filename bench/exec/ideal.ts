/**
 * The ideal importer of the bench's blocks: what no importer can skip, done with the fastest
 * libraries we have (libsecp256k1's recovery, hash-wasm's Keccak). Per transaction: Keccak of
 * its unsigned RLP (made beforehand, checked against unsignedHash), the sender's public key
 * recovered, Keccak of it (the address), Keccak of the whole transaction (its hash); per block
 * Keccak of the header and meta encodings. No decoding, no EVM, no trie, no store.
 */
import { performance } from "node:perf_hooks";
import { encode } from "../../src/codec/index.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { recoverPublicKey } from "../../src/crypto/secp256k1.ts";
import { MinorBlockHeader, MinorBlockMeta, TypedTransaction } from "../../src/messages/core.ts";
import { rlpEncode, rlpInt } from "../../src/tx/rlp.ts";
import { decodeEvmTransaction, unsignedHash } from "../../src/tx/transaction.ts";
import type { Step, Workload } from "./chain.ts";
import type { BlockStep } from "./drive.ts";

interface TxInput {
  unsigned: Uint8Array;
  whole: Uint8Array;
  r: bigint;
  s: bigint;
  bit: number;
}
interface BlockInput {
  header: Uint8Array;
  meta: Uint8Array;
  txs: TxInput[];
}

const shardKey = (k: number) => Uint8Array.of(k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255);

function blockInput(step: BlockStep): BlockInput {
  const txs = step.block.tx_list.map((typed): TxInput => {
    const tx = decodeEvmTransaction(typed.tx.serialized_tx);
    // hash_unsigned's 11 fields (version 0), as the wallet signed them.
    const unsigned = rlpEncode([
      rlpInt(tx.nonce),
      rlpInt(tx.gasprice),
      rlpInt(tx.startgas),
      tx.to,
      rlpInt(tx.value),
      tx.data,
      rlpInt(tx.network_id),
      shardKey(tx.from_full_shard_key),
      shardKey(tx.to_full_shard_key),
      rlpInt(tx.gas_token_id),
      rlpInt(tx.transfer_token_id),
    ]);
    if (Buffer.compare(keccak256(unsigned), unsignedHash(tx)) !== 0) throw new Error("ideal: unsigned RLP differs");
    return { unsigned, whole: encode(TypedTransaction, typed), r: tx.r, s: tx.s, bit: Number(tx.v - 27n) };
  });
  return { header: encode(MinorBlockHeader, step.block.header), meta: encode(MinorBlockMeta, step.block.meta), txs };
}

/** One pass of the ideal importer over `blocks`: wall and CPU milliseconds. */
function pass(blocks: readonly BlockInput[]): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const b of blocks) {
    keccak256(b.header);
    keccak256(b.meta);
    for (const tx of b.txs) {
      const pub = recoverPublicKey(keccak256(tx.unsigned), tx.r, tx.s, tx.bit);
      if (pub === undefined) throw new Error("ideal: no sender");
      keccak256(pub);
      keccak256(tx.whole);
    }
  }
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * The ideal importer of the bench's timed blocks of transactions ((c)'s deposits have none: no
 * ideal). The machine's own speed moves by a quarter from minute to minute here, so the bench
 * does not time the ideal once: it times it over each run of blocks just before and just after a
 * slave imports that run (Driver.run's `around`), and a ratio is taken against the mean of the two.
 */
export class IdealImporter {
  private readonly inputs = new Map<BlockStep, BlockInput>();
  private readonly pending = new Map<readonly BlockStep[], { ms: number; cpuMs: number }>();
  /** Per workload, the ideal's time over the blocks imported since the last take(). */
  private readonly sums = new Map<Workload, { ms: number; cpuMs: number }>();

  constructor(steps: readonly Step[]) {
    for (const step of steps)
      if (step.kind === "block" && !step.warmup && step.workload !== "deposit") this.inputs.set(step, blockInput(step));
    pass([...this.inputs.values()]); // compiled and warm before the first measured pass
  }

  /** Driver.run's `around`: the ideal over `run` before the slave imports it and after. */
  readonly around = (run: readonly BlockStep[], when: "before" | "after"): void => {
    const blocks = run.flatMap((s) => this.inputs.get(s) ?? []);
    if (blocks.length === 0) return;
    const t = pass(blocks);
    if (when === "before") return void this.pending.set(run, t);
    const before = this.pending.get(run)!;
    this.pending.delete(run);
    const sum = this.sums.get(run[0]!.workload) ?? { ms: 0, cpuMs: 0 };
    sum.ms += (before.ms + t.ms) / 2;
    sum.cpuMs += (before.cpuMs + t.cpuMs) / 2;
    this.sums.set(run[0]!.workload, sum);
  };

  /** The ideal's time per workload over the runs measured since the last call; starts afresh. */
  take(): Map<Workload, { ms: number; cpuMs: number }> {
    const out = new Map(this.sums);
    this.sums.clear();
    return out;
  }
}
