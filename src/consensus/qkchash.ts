import { keccak256, keccak512 } from "../crypto/keccak.ts";
import { OrderTree } from "./order-tree.ts";

/**
 * QuarkChain's qkchash (pyquarkchain qkchash/qkchash.py and libqkchash's qkc_hashx): 64 rounds
 * over an ordered set of 65536 uint64, each taking 16 elements out by order and putting 16
 * derived ones in. QKCHASHX (qkchash_with_rotation_stats) xors the set's rotation register
 * into the result. Words are little-endian uint64, as serialize_hash writes them.
 */

export const QKCHASH_EPOCH_LENGTH = 30000;
const CACHE_ENTRIES = 1024 * 64;
const ACCESS_ROUND = 64;

/** The mix digest and the result a seal is judged by (the result against 2^256 / difficulty). */
export interface PowOutput {
  readonly mix: Uint8Array;
  readonly result: Uint8Array;
}

const seeds: Uint8Array[] = [new Uint8Array(32)];

/** get_seed_from_block_number: keccak256 chained from 32 zero bytes, once per epoch. */
export function qkchashSeed(epoch: number): Uint8Array {
  while (seeds.length <= epoch) seeds.push(keccak256(seeds[seeds.length - 1]!));
  return seeds[epoch]!;
}

/** One epoch's set: the tree every hash starts from (with the register its building left), and a work copy. */
export class QkchashCache {
  private readonly work: OrderTree;
  constructor(readonly tree: OrderTree) {
    this.work = new OrderTree(tree.capacity);
  }
  /** A fresh copy of the epoch's tree to hash on (the one work tree, reused: hashing is synchronous). */
  workTree(): OrderTree {
    this.tree.copyInto(this.work);
    return this.work;
  }
}

/**
 * make_cache + cache_create: the distinct words of sha3_512(seed ‖ i as 4 big-endian bytes) for
 * i below 65536 / 8, sorted, inserted in that order into the tree (the order fixes its shape
 * and its rotation register, which QKCHASHX reads).
 */
export function makeQkchashCache(seed: Uint8Array): QkchashCache {
  const words = new BigUint64Array(CACHE_ENTRIES);
  const seen = new Set<bigint>();
  let count = 0;
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  const view = new DataView(input.buffer);
  for (let i = 0; i < CACHE_ENTRIES / 8; i++) {
    view.setUint32(seed.length, i);
    const o = keccak512(input);
    const ov = new DataView(o.buffer, o.byteOffset, 64);
    for (let k = 0; k < 8; k++) {
      const w = ov.getBigUint64(k * 8, true);
      if (seen.has(w)) continue;
      seen.add(w);
      words[count++] = w;
    }
  }
  const sorted = words.subarray(0, count).sort();
  const tree = new OrderTree(CACHE_ENTRIES);
  for (const w of sorted) tree.insert(Number(w >> 32n), Number(w & 0xffffffffn));
  return new QkchashCache(tree);
}

// fnv64's result, in two module-level halves (no allocation on the hot path).
let fh = 0;
let fl = 0;

/** fnv64(v1, v2) = v1 × 0x100000001b3 xor v2 mod 2^64, as (fh, fl); the prime is 2^40 + 0x1b3. */
function fnv64(h1: number, l1: number, h2: number, l2: number): void {
  const t = l1 * 0x1b3;
  const carry = Math.floor(t / 0x100000000);
  fl = ((t >>> 0) ^ l2) >>> 0;
  fh = ((Math.imul(h1, 0x1b3) + carry + (l1 << 8)) ^ h2) >>> 0;
}

/** (hi · 2^32 + lo) mod n, exactly, for n up to 2^16. */
function mod(hi: number, lo: number, n: number): number {
  return ((hi % n) * (0x100000000 % n) + (lo % n)) % n;
}

/**
 * QkcHashNative.calculate_hash: s = sha3_512(header_hash ‖ nonce as 8 little-endian bytes);
 * the mix digest is the compressed mix (xored with the rotation register for QKCHASHX), the
 * result sha3_256(s ‖ mix digest).
 */
export function qkchash(
  cache: QkchashCache,
  headerHash: Uint8Array,
  nonce: bigint,
  withRotationStats: boolean,
): PowOutput {
  const input = new Uint8Array(headerHash.length + 8);
  input.set(headerHash);
  new DataView(input.buffer).setBigUint64(headerHash.length, BigInt.asUintN(64, nonce), true);
  const s = keccak512(input);
  const sv = new DataView(s.buffer, s.byteOffset, 64);
  const mixHi = new Uint32Array(16);
  const mixLo = new Uint32Array(16);
  for (let i = 0; i < 16; i++) {
    mixLo[i] = sv.getUint32((i % 8) * 8, true);
    mixHi[i] = sv.getUint32((i % 8) * 8 + 4, true);
  }
  const tree = cache.workTree();
  const newHi = new Uint32Array(16);
  const newLo = new Uint32Array(16);
  const out = new Uint32Array(2);
  for (let i = 0; i < ACCESS_ROUND; i++) {
    fnv64(sv.getUint32(4, true), (sv.getUint32(0, true) ^ i) >>> 0, mixHi[i % 16]!, mixLo[i % 16]!);
    let ph = fh;
    let pl = fl;
    for (let j = 0; j < 16; j++) {
      tree.eraseByOrder(mod(ph, pl, tree.count), out);
      const dh = out[0]!;
      const dl = out[1]!;
      newHi[j] = dh;
      newLo[j] = dl;
      fnv64(ph, pl, dh, dl);
      tree.insert(fh, fl);
      fnv64(fh, fl, dh, dl);
      ph = fh;
      pl = fl;
    }
    for (let j = 0; j < 16; j++) {
      fnv64(mixHi[j]!, mixLo[j]!, newHi[j]!, newLo[j]!);
      mixHi[j] = fh;
      mixLo[j] = fl;
    }
  }
  const mix = new Uint8Array(32);
  const mv = new DataView(mix.buffer);
  for (let i = 0; i < 4; i++) {
    const j = i * 4;
    fnv64(mixHi[j]!, mixLo[j]!, mixHi[j + 1]!, mixLo[j + 1]!);
    fnv64(fh, fl, mixHi[j + 2]!, mixLo[j + 2]!);
    fnv64(fh, fl, mixHi[j + 3]!, mixLo[j + 3]!);
    let h = fh;
    let l = fl;
    if (withRotationStats) {
      l = (l ^ tree.stats[i * 2]!) >>> 0;
      h = (h ^ tree.stats[i * 2 + 1]!) >>> 0;
    }
    mv.setUint32(i * 8, l, true);
    mv.setUint32(i * 8 + 4, h, true);
  }
  const tail = new Uint8Array(96);
  tail.set(s);
  tail.set(mix, 64);
  return { mix, result: keccak256(tail) };
}
