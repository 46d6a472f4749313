import { hash, randomBytes } from "node:crypto";
import type { MessagePort } from "node:worker_threads";
import { type PowAlgorithm, minePow } from "./seal.ts";

/**
 * The nonce search of pyquarkchain's local miner (cluster/miner.py: DoubleSHA256, Ethash and
 * Qkchash's mine(start_nonce, end_nonce), and mine_loop around them), in slices: a search
 * thread takes a slice, then looks for new work, as mine_loop polls its input queue between
 * rounds.
 */

export type SearchAlgorithm = "DOUBLESHA256" | PowAlgorithm;

/** MiningWork plus the hash function: what a search needs. */
export interface SearchWork {
  algorithm: SearchAlgorithm;
  height: bigint;
  /** get_hash_for_mining of the block's header. */
  hashForMining: Uint8Array;
  difficulty: bigint;
}

/** MiningResult without the hash: the nonce found and its mix digest (32 zero bytes for DOUBLESHA256). */
export interface SearchResult {
  nonce: bigint;
  mixhash: Uint8Array;
}

const MAX_NONCE = (1n << 64n) - 1n;

/** The first nonce in [start, start + rounds) (wrapping at 2^64) that seals `work`. */
export function searchNonces(work: SearchWork, start: bigint, rounds: number): SearchResult | undefined {
  if (work.algorithm !== "DOUBLESHA256")
    return minePow(work.algorithm, work.height, work.hashForMining, work.difficulty, start, rounds);
  // miner.py DoubleSHA256: sha256(sha256(hash + nonce)) < 2**256 // (difficulty or 1) - 1
  const target = (1n << 256n) / (work.difficulty === 0n ? 1n : work.difficulty) - 1n;
  const targetBytes = Buffer.from(target.toString(16).padStart(64, "0"), "hex");
  const input = Buffer.alloc(40);
  input.set(work.hashForMining, 0);
  for (let i = 0; i < rounds; i++) {
    const nonce = BigInt.asUintN(64, start + BigInt(i));
    input.writeBigUInt64BE(nonce, 32);
    const h = hash("sha256", hash("sha256", input, "buffer"), "buffer");
    if (Buffer.compare(h, targetBytes) < 0) return { nonce, mixhash: new Uint8Array(32) };
  }
  return undefined;
}

/**
 * Nonces per slice, how long new work may wait for the thread: a few milliseconds (mine_loop's
 * "rounds" is 100 for all, over C hash functions; here a qkchash or ethash nonce takes milliseconds,
 * a sha256d one microseconds).
 */
export function sliceRounds(algorithm: SearchAlgorithm): number {
  return algorithm === "DOUBLESHA256" ? 500 : 2;
}

/** A random start nonce, as mine_loop's random.randint(0, MAX_NONCE). */
export function randomNonce(): bigint {
  return randomBytes(8).readBigUInt64BE(0) & MAX_NONCE;
}

/** Main thread -> search thread: new work (replaces the current one), or stop searching. */
export type SearchCommand = { kind: "work"; id: number; work: SearchWork } | { kind: "idle" };
/** Search thread -> main thread: the seal found for the work of that id. */
export interface SearchFound {
  id: number;
  result: SearchResult;
}

/**
 * The search thread's loop (mine_loop): search the current work slice by slice, yielding to
 * the port between slices so that new work replaces it at once; once a seal is found it is
 * posted and the thread waits for new work (as mine_loop blocks on its queue).
 */
export function serveSearches(port: MessagePort): void {
  let current: { id: number; work: SearchWork; next: bigint; rounds: number } | undefined;
  let scheduled = false;
  const step = () => {
    scheduled = false;
    const job = current;
    if (!job) return;
    const result = searchNonces(job.work, job.next, job.rounds);
    if (result) {
      current = undefined;
      port.postMessage({ id: job.id, result } satisfies SearchFound);
      return;
    }
    job.next = BigInt.asUintN(64, job.next + BigInt(job.rounds));
    schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(step);
  };
  port.on("message", (cmd: SearchCommand) => {
    if (cmd.kind === "idle") {
      current = undefined;
      return;
    }
    current = { id: cmd.id, work: cmd.work, next: randomNonce(), rounds: sliceRounds(cmd.work.algorithm) };
    schedule();
  });
}
