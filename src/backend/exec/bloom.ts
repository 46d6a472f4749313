import { keccak256To } from "../../crypto/keccak.ts";
import { writeWord } from "../../evm/words.ts";

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
 * memos, a slot per value picked from its bits, a newcomer replacing whatever held its slot.
 */
const WORD_SLOTS = 1024;
const wordKeys: (bigint | undefined)[] = new Array<bigint | undefined>(WORD_SLOTS).fill(undefined);
const wordBits = new Float64Array(WORD_SLOTS);
const WORD = new Uint8Array(32);
/** A word's slot comes from its value as a double (no bigint made): the bits of its top 53 bits and exponent. */
const AS_DOUBLE = new Float64Array(1);
const DOUBLE_HALVES = new Uint32Array(AS_DOUBLE.buffer);

/** bloom_insert of a log topic, a 256-bit word hashed as its 32 big-endian bytes (Log.bloomables). */
export function bloomInsertWord(bloom: Bloom, word: bigint): Bloom {
  return bloomInsertWordAt(bloom, word, undefined, 0);
}

/** bloomInsertWord when the word's 32 bytes are already written at `bytes[at..at+32)` (a receipt's topic). */
export function bloomInsertWordAt(bloom: Bloom, word: bigint, bytes: Uint8Array | undefined, at: number): Bloom {
  AS_DOUBLE[0] = Number(word);
  const h = DOUBLE_HALVES[0]! ^ DOUBLE_HALVES[1]!;
  const slot = (h ^ (h >>> 10) ^ (h >>> 20)) & (WORD_SLOTS - 1);
  let bits: number;
  if (wordKeys[slot] === word) bits = wordBits[slot]!;
  else {
    // The word's bytes into WORD, copied from the receipt's when written there (no view made).
    if (bytes === undefined) writeWord(WORD, 0, word);
    else for (let i = 0; i < 32; i++) WORD[i] = bytes[at + i]!;
    bits = bloomBits(WORD);
    wordKeys[slot] = word;
    wordBits[slot] = bits;
  }
  setBits(bloom, bits);
  return bloom;
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
