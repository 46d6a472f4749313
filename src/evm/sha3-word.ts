/**
 * SHA3's result as a stack word, with the hashes of 64-byte inputs remembered. A 64-byte SHA3 is
 * how Solidity finds a mapping's slot, keccak(key ‖ slot): a token hashes its sender's and its
 * recipient's key in every transfer, and the same holders come back transfer after transfer. A hit
 * costs 16 compares instead of a Keccak and the ten bigints that make its 256-bit word.
 */
import { keccak256To } from "../crypto/keccak.ts";
import { readWordAt } from "./words.ts";

/** Direct-mapped: a slot per input, picked from its bytes; a newcomer replaces whatever held its slot. */
const SLOTS = 1024;
const SLOT_BITS = 10;
/** The input remembered in each slot, 64 bytes a slot. */
const inputs = new Uint8Array(SLOTS * 64);
const inputView = new DataView(inputs.buffer);
/** keccak256 of slot i's input as a word; undefined while the slot is empty. */
const words: (bigint | undefined)[] = new Array<bigint | undefined>(SLOTS).fill(undefined);

const DIGEST = new Uint8Array(32);
const DIGEST_VIEW = new DataView(DIGEST.buffer);

/**
 * keccak256(buf[start..start+size)) as a word. `view` is a DataView of `buf`'s whole buffer (a
 * frame's memory and its view), and the range lies inside `buf`.
 */
export function sha3Word(buf: Uint8Array, view: DataView, start: number, size: number): bigint {
  if (size !== 64) return hashWord(buf, start, size);
  // The slot from the low bytes of both words (a key's and a slot number's) and a middle one.
  const h = view.getUint32(start + 28) ^ Math.imul(view.getUint32(start + 60), 0x85ebca6b) ^ view.getUint32(start + 16);
  const slot = Math.imul(h, 0x9e3779b1) >>> (32 - SLOT_BITS);
  const at = slot * 64;
  const known = words[slot];
  if (known !== undefined) {
    let same = true;
    for (let i = 0; i < 64 && same; i += 4) same = view.getUint32(start + i) === inputView.getUint32(at + i);
    if (same) return known;
  }
  const w = hashWord(buf, start, 64);
  for (let i = 0; i < 64; i += 4) inputView.setUint32(at + i, view.getUint32(start + i));
  words[slot] = w;
  return w;
}

function hashWord(buf: Uint8Array, start: number, size: number): bigint {
  keccak256To(DIGEST, 0, buf.subarray(start, start + size));
  return readWordAt(DIGEST_VIEW, 0);
}
