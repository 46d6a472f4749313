import { keccak256To } from "../../crypto/keccak.ts";
import { writeWord, writeWordAt } from "../../evm/words.ts";

/** A 2048-bit log bloom as 256 big-endian bytes (the receipt's and the header's `bloom`). */
export type Bloom = Uint8Array;

export const emptyBloom = (): Bloom => new Uint8Array(256);

/** The digest bloomBits reads (no 32-byte array per value hashed). */
const DIGEST = new Uint8Array(32);

/**
 * bloom.py:bloom_insert's three bit positions of a value, packed 11 bits each into one number:
 * the low 11 bits of each of the first three big-endian 16-bit words of keccak(value).
 */
function bloomBits(value: Uint8Array): number {
  const h = DIGEST;
  keccak256To(h, 0, value);
  return (
    (((h[0]! << 8) | h[1]!) & 2047) + (((h[2]! << 8) | h[3]!) & 2047) * 2048 + (((h[4]! << 8) | h[5]!) & 2047) * 4194304
  );
}

/** Set the three packed bits. Bit i of the 2048-bit integer is bit (i & 7) of byte 255 - (i >> 3). */
function setBits(bloom: Bloom, bits: number): void {
  for (let k = 0; k < 3; k++) {
    const bit = bits % 2048;
    bits = (bits - bit) / 2048;
    bloom[255 - (bit >> 3)]! |= 1 << (bit & 7);
  }
}

/** bloom.py:bloom_insert. */
export function bloomInsert(bloom: Bloom, value: Uint8Array): Bloom {
  setBits(bloom, bloomBits(value));
  return bloom;
}

/*
 * The bits of recent values, so that a token's Transfer logs (the same contract address and topic0
 * in every transaction, the same few holders as topics 1 and 2) hash each value once: direct-mapped
 * memos, a slot per value picked from its bits, a newcomer replacing whatever held its slot. A
 * topic's slot also keeps the topic's 32 bytes, which a receipt copies instead of cutting the
 * bigint into limbs (three shifted bigints a word).
 */
const WORD_SLOTS = 1024;
const wordKeys: (bigint | undefined)[] = new Array<bigint | undefined>(WORD_SLOTS).fill(undefined);
const wordBits = new Float64Array(WORD_SLOTS);
/** The 32 big-endian bytes of wordKeys[i] at [32i, 32i+32), whenever wordKeys[i] is set. */
const wordBytes = new Uint8Array(WORD_SLOTS * 32);
const WORD = new Uint8Array(32);
/** A word's slot comes from its value as a double (no bigint made): the bits of its top 53 bits and exponent. */
const AS_DOUBLE = new Float64Array(1);
const DOUBLE_HALVES = new Uint32Array(AS_DOUBLE.buffer);

function wordSlot(word: bigint): number {
  AS_DOUBLE[0] = Number(word);
  const h = DOUBLE_HALVES[0]! ^ DOUBLE_HALVES[1]!;
  return (h ^ (h >>> 10) ^ (h >>> 20)) & (WORD_SLOTS - 1);
}

/** The memo's slot `slot` given to `word`, whose 32 bytes are in WORD: its bits. */
function remember(slot: number, word: bigint): number {
  const bits = bloomBits(WORD);
  wordBytes.set(WORD, slot * 32);
  wordKeys[slot] = word;
  wordBits[slot] = bits;
  return bits;
}

/** bloom_insert of a log topic, a 256-bit word hashed as its 32 big-endian bytes (Log.bloomables). */
export function bloomInsertWord(bloom: Bloom, word: bigint): Bloom {
  const slot = wordSlot(word);
  let bits: number;
  if (wordKeys[slot] === word) bits = wordBits[slot]!;
  else {
    writeWord(WORD, 0, word);
    bits = remember(slot, word);
  }
  setBits(bloom, bits);
  return bloom;
}

/**
 * A receipt's topic: its 32 bytes written at `out[at..at+32)` (`view` is a DataView of `out`'s
 * buffer at offset 0) and bloom_insert of it into `bloom`.
 */
export function writeTopic(bloom: Bloom, word: bigint, out: Uint8Array, view: DataView, at: number): void {
  const slot = wordSlot(word);
  let bits: number;
  if (wordKeys[slot] === word) {
    const from = slot * 32;
    for (let i = 0; i < 32; i++) out[at + i] = wordBytes[from + i]!;
    bits = wordBits[slot]!;
  } else {
    writeWordAt(view, at, word);
    for (let i = 0; i < 32; i++) WORD[i] = out[at + i]!;
    bits = remember(slot, word);
  }
  setBits(bloom, bits);
}

/** A small direct-mapped memo of 20-byte addresses (each slot: the address, then its bits). */
const ADDR_SLOTS = 64;
const addrKeys = new Uint8Array(ADDR_SLOTS * 20);
const addrBits = new Float64Array(ADDR_SLOTS).fill(-1);

/** bloom_insert of a log's address. */
export function bloomInsertAddress(bloom: Bloom, address: Uint8Array): Bloom {
  if (address.length !== 20) return bloomInsert(bloom, address);
  const slot = (address[19]! ^ (address[18]! << 3) ^ address[0]!) & (ADDR_SLOTS - 1);
  const at = slot * 20;
  let bits = addrBits[slot]!;
  let hit = bits >= 0;
  for (let i = 0; hit && i < 20; i++) hit = addrKeys[at + i] === address[i];
  if (!hit) {
    bits = bloomBits(address);
    addrKeys.set(address, at);
    addrBits[slot] = bits;
  }
  setBits(bloom, bits);
  return bloom;
}

/** In place: `into |= other` (the header bloom is the OR of its receipts' blooms). */
export function bloomOr(into: Bloom, other: Bloom): Bloom {
  for (let i = 0; i < 256; i++) into[i]! |= other[i]!;
  return into;
}
