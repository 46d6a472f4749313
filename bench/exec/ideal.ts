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

function inputs(steps: readonly Step[], workload: Workload): BlockInput[] {
  const blocks: BlockInput[] = [];
  for (const step of steps) {
    if (step.kind !== "block" || step.workload !== workload || step.warmup) continue;
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
    blocks.push({
      header: encode(MinorBlockHeader, step.block.header),
      meta: encode(MinorBlockMeta, step.block.meta),
      txs,
    });
  }
  return blocks;
}

/** Wall and CPU milliseconds the ideal importer takes over the workload's blocks (best of `rounds`). */
export function idealMs(steps: readonly Step[], workload: Workload, rounds = 3): { ms: number; cpuMs: number } {
  const blocks = inputs(steps, workload);
  let best = Infinity;
  let bestCpu = Infinity;
  for (let round = 0; round < rounds; round++) {
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
    best = Math.min(best, performance.now() - t0);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  return { ms: best, cpuMs: bestCpu };
}
