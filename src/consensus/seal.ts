import { type EthashCache, ETHASH_EPOCH_LENGTH, hashimotoLight, makeEthashCache } from "./ethash.ts";
import {
  type PowOutput,
  type QkchashCache,
  QKCHASH_EPOCH_LENGTH,
  makeQkchashCache,
  qkchash,
  qkchashSeed,
} from "./qkchash.ts";
import { buildEthashCacheOffThread } from "./ethash-worker.ts";
import { DuplicateValueError } from "./order-tree.ts";

/**
 * The proof-of-work functions a seal is checked by and a miner searches with (pyquarkchain
 * cluster/miner.py validate_seal's ETHASH and QKCHASH branches, ethpow.py and qkcpow.py
 * check_pow / mine). Epoch caches are built on first use and kept, a few per algorithm, for
 * the whole process (pyquarkchain keeps them in lru_caches too).
 */

export type { PowOutput } from "./qkchash.ts";

/** QKCHASHX is POW_QKCHASH from ENABLE_QKCHASHX_HEIGHT on (qkchash_with_rotation_stats). */
export type PowAlgorithm = "ETHASH" | "QKCHASH" | "QKCHASHX";

/** A small LRU of epoch caches: an ethash cache is ~16 MB, a qkchash one ~3 MB (tree and work copy). */
class EpochCaches<C> {
  private readonly entries = new Map<number, C>();
  constructor(
    private readonly keep: number,
    private readonly make: (epoch: number) => C,
  ) {}
  get(epoch: number): C {
    let c = this.entries.get(epoch);
    if (c !== undefined) {
      this.entries.delete(epoch);
    } else {
      c = this.make(epoch);
      if (this.entries.size >= this.keep) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(epoch, c);
    return c;
  }
  has(epoch: number): boolean {
    return this.entries.has(epoch);
  }
  /** Adds one built elsewhere, as the newest. */
  put(epoch: number, c: C): void {
    if (this.entries.has(epoch)) return;
    if (this.entries.size >= this.keep) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(epoch, c);
  }
}

const ethashCaches = new EpochCaches<EthashCache>(2, makeEthashCache);
const qkchashCaches = new EpochCaches<QkchashCache>(4, (epoch) => makeQkchashCache(qkchashSeed(epoch)));

const epochOf = (height: bigint, length: number) => Number(height / BigInt(length));

/** Whether the epoch cache `height` needs is built already (hashing would not stop for it). */
export function powCacheReady(algorithm: PowAlgorithm, height: bigint): boolean {
  return algorithm === "ETHASH"
    ? ethashCaches.has(epochOf(height, ETHASH_EPOCH_LENGTH))
    : qkchashCaches.has(epochOf(height, QKCHASH_EPOCH_LENGTH));
}

const building = new Map<number, Promise<void>>();

/**
 * Builds, on a worker thread, the ethash caches that blocks at `height` will need and that are
 * not here yet: its epoch's, and the next one's in the last tenth of the epoch. Validation never
 * waits for it (a cache still missing when a block needs it is built there and then); this only
 * keeps the event loop free. Qkchash caches (~0.3-0.8 s) are built where needed. Resolves when
 * the caches are in (never rejects: a failed build is left to the synchronous path).
 */
export function prepareEpochs(algorithm: PowAlgorithm, height: bigint): Promise<void> {
  if (algorithm !== "ETHASH") return Promise.resolve();
  const epoch = epochOf(height, ETHASH_EPOCH_LENGTH);
  const epochs =
    height % BigInt(ETHASH_EPOCH_LENGTH) >= (BigInt(ETHASH_EPOCH_LENGTH) * 9n) / 10n ? [epoch, epoch + 1] : [epoch];
  return Promise.all(
    epochs.map((e) => {
      if (ethashCaches.has(e)) return undefined;
      let p = building.get(e);
      if (!p) {
        p = buildEthashCacheOffThread(e)
          .then((cache) => ethashCaches.put(e, cache))
          .catch(() => undefined)
          .finally(() => building.delete(e));
        building.set(e, p);
      }
      return p;
    }),
  ).then(() => undefined);
}

/**
 * The mix digest and result of (hash_for_mining, nonce) at `height`: a miner's inner step and
 * the seal check's. Builds the epoch's cache on first use (ethash: seconds; qkchash: ~0.3 s).
 */
export function powHash(algorithm: PowAlgorithm, height: bigint, hashForMining: Uint8Array, nonce: bigint): PowOutput {
  if (algorithm === "ETHASH")
    return hashimotoLight(ethashCaches.get(epochOf(height, ETHASH_EPOCH_LENGTH)), hashForMining, nonce);
  const cache = qkchashCaches.get(epochOf(height, QKCHASH_EPOCH_LENGTH));
  return qkchash(cache, hashForMining, nonce, algorithm === "QKCHASHX");
}

const TWO_256 = 1n << 256n;
const toBig = (b: Uint8Array) => BigInt("0x" + Buffer.from(b).toString("hex"));

/** Whether `result` meets `difficulty`: result <= 2^256 // (difficulty or 1). */
export function meetsDifficulty(result: Uint8Array, difficulty: bigint): boolean {
  return toBig(result) <= TWO_256 / (difficulty === 0n ? 1n : difficulty);
}

/**
 * check_pow: the mix digest must be the header's mixhash and the result meet the difficulty.
 * A nonce that drives libqkchash into inserting a value its set holds (it would lose its tree
 * and crash; one chance in ~2^48) is refused.
 */
export function checkPow(
  algorithm: PowAlgorithm,
  height: bigint,
  hashForMining: Uint8Array,
  mixhash: Uint8Array,
  nonce: bigint,
  difficulty: bigint,
): boolean {
  if (mixhash.length !== 32 || hashForMining.length !== 32) return false;
  let out: PowOutput;
  try {
    out = powHash(algorithm, height, hashForMining, nonce);
  } catch (err) {
    if (err instanceof DuplicateValueError) return false;
    throw err;
  }
  return Buffer.compare(out.mix, mixhash) === 0 && meetsDifficulty(out.result, difficulty);
}

/** mine: the first nonce in [start, start + rounds) whose result meets `difficulty`, with its mix digest. */
export function minePow(
  algorithm: PowAlgorithm,
  height: bigint,
  hashForMining: Uint8Array,
  difficulty: bigint,
  start: bigint,
  rounds: number,
): { nonce: bigint; mixhash: Uint8Array } | undefined {
  for (let i = 0; i < rounds; i++) {
    const nonce = BigInt.asUintN(64, start + BigInt(i));
    let out: PowOutput;
    try {
      out = powHash(algorithm, height, hashForMining, nonce);
    } catch (err) {
      if (err instanceof DuplicateValueError) continue;
      throw err;
    }
    if (meetsDifficulty(out.result, difficulty)) return { nonce, mixhash: out.mix };
  }
  return undefined;
}
