import { keccak256, keccak512 } from "../crypto/keccak.ts";
import type { PowOutput } from "./qkchash.ts";

/**
 * Ethash light verification as pyquarkchain runs it (ethereum/pow/ethpow.py check_pow:
 * pyethash's hashimoto_light, or its pure-python twin ethash.py): Ethereum's ethash with the
 * epoch's cache (~16 MB, built once per 30000 blocks) and the dataset items computed from it
 * on demand. Words are little-endian uint32, held in Uint32Arrays over the hash bytes (Node runs
 * little-endian everywhere it is supported; checked below).
 *
 * @ethereumjs/ethash computes the same, but took 13.7 s to build an epoch-0 cache and 145 ms per
 * verification here (allocation per word); this one keeps the cache in one Uint32Array.
 */

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error("ethash.ts assumes a little-endian host");

export const ETHASH_EPOCH_LENGTH = 30000;
const HASH_BYTES = 64;
const MIX_BYTES = 128;
const HASH_WORDS = 16;
const MIX_WORDS = 32;
const DATASET_PARENTS = 256;
const CACHE_ROUNDS = 3;
const ACCESSES = 64;
const FNV_PRIME = 0x01000193;

/** ethash_utils.isprime, as written: trial division by 2 .. int(√x) − 1. */
function isPrime(x: number): boolean {
  const end = Math.floor(Math.sqrt(x));
  for (let i = 2; i < end; i++) if (x % i === 0) return false;
  return true;
}

/** get_cache_size: bytes of the epoch's cache. */
export function ethashCacheSize(epoch: number): number {
  let sz = 2 ** 24 + 2 ** 17 * epoch - HASH_BYTES;
  while (!isPrime(sz / HASH_BYTES)) sz -= 2 * HASH_BYTES;
  return sz;
}

/** get_full_size: bytes of the epoch's dataset (never built here; its size picks the items). */
export function ethashFullSize(epoch: number): number {
  let sz = 2 ** 30 + 2 ** 23 * epoch - MIX_BYTES;
  while (!isPrime(sz / MIX_BYTES)) sz -= 2 * MIX_BYTES;
  return sz;
}

const seeds: Uint8Array[] = [new Uint8Array(32)];

/** The epoch's seed: keccak256 chained from 32 zero bytes (ethash.py mkcache's cache_seeds). */
export function ethashSeed(epoch: number): Uint8Array {
  while (seeds.length <= epoch) seeds.push(keccak256(seeds[seeds.length - 1]!));
  return seeds[epoch]!;
}

/** One epoch's cache: n items of 16 words, and the dataset size its items are drawn over. */
export interface EthashCache {
  readonly epoch: number;
  readonly words: Uint32Array;
  readonly items: number;
  readonly fullSize: number;
}

const words = (bytes: Uint8Array) => new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
const bytesOf = (w: Uint32Array) => new Uint8Array(w.buffer, w.byteOffset, w.byteLength);

/** mkcache: a keccak512 chain from the seed, then CACHE_ROUNDS of RandMemoHash. */
export function makeEthashCache(epoch: number): EthashCache {
  const items = ethashCacheSize(epoch) / HASH_BYTES;
  const cache = new Uint32Array(items * HASH_WORDS);
  const bytes = bytesOf(cache);
  cache.set(words(keccak512(ethashSeed(epoch))));
  for (let i = 1; i < items; i++) {
    bytes.set(keccak512(bytes.subarray((i - 1) * HASH_BYTES, i * HASH_BYTES)), i * HASH_BYTES);
  }
  const x = new Uint32Array(HASH_WORDS);
  for (let r = 0; r < CACHE_ROUNDS; r++) {
    for (let i = 0; i < items; i++) {
      const v = cache[i * HASH_WORDS]! % items;
      const prev = ((i - 1 + items) % items) * HASH_WORDS;
      for (let k = 0; k < HASH_WORDS; k++) x[k] = cache[prev + k]! ^ cache[v * HASH_WORDS + k]!;
      bytes.set(keccak512(bytesOf(x)), i * HASH_BYTES);
    }
  }
  return { epoch, words: cache, items, fullSize: ethashFullSize(epoch) };
}

const fnv = (a: number, b: number) => (Math.imul(a, FNV_PRIME) ^ b) >>> 0;

/** calc_dataset_item into out[at .. at + 16). */
function datasetItem(cache: EthashCache, i: number, out: Uint32Array, at: number): void {
  const c = cache.words;
  const n = cache.items;
  const mix = new Uint32Array(HASH_WORDS);
  mix.set(c.subarray((i % n) * HASH_WORDS, ((i % n) + 1) * HASH_WORDS));
  mix[0] = (mix[0]! ^ i) >>> 0;
  mix.set(words(keccak512(bytesOf(mix))));
  for (let j = 0; j < DATASET_PARENTS; j++) {
    const parent = (fnv(i ^ j, mix[j % HASH_WORDS]!) % n) * HASH_WORDS;
    for (let k = 0; k < HASH_WORDS; k++) mix[k] = fnv(mix[k]!, c[parent + k]!);
  }
  out.set(words(keccak512(bytesOf(mix))), at);
}

/** hashimoto_light: s = keccak512(header ‖ nonce as 8 little-endian bytes), 64 accesses of two items. */
export function hashimotoLight(cache: EthashCache, headerHash: Uint8Array, nonce: bigint): PowOutput {
  const input = new Uint8Array(headerHash.length + 8);
  input.set(headerHash);
  new DataView(input.buffer).setBigUint64(headerHash.length, BigInt.asUintN(64, nonce), true);
  const sBytes = keccak512(input);
  const s = words(sBytes);
  const mix = new Uint32Array(MIX_WORDS);
  mix.set(s);
  mix.set(s, HASH_WORDS);
  const pages = cache.fullSize / HASH_BYTES / 2;
  const fresh = new Uint32Array(MIX_WORDS);
  for (let i = 0; i < ACCESSES; i++) {
    const p = (fnv(i ^ s[0]!, mix[i % MIX_WORDS]!) % pages) * 2;
    datasetItem(cache, p, fresh, 0);
    datasetItem(cache, p + 1, fresh, HASH_WORDS);
    for (let k = 0; k < MIX_WORDS; k++) mix[k] = fnv(mix[k]!, fresh[k]!);
  }
  const cmix = new Uint32Array(8);
  for (let i = 0; i < MIX_WORDS; i += 4) cmix[i / 4] = fnv(fnv(fnv(mix[i]!, mix[i + 1]!), mix[i + 2]!), mix[i + 3]!);
  const tail = new Uint8Array(96);
  tail.set(sBytes);
  tail.set(bytesOf(cmix), 64);
  return { mix: new Uint8Array(bytesOf(cmix)), result: keccak256(tail) };
}
