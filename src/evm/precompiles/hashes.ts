/**
 * The data precompiles 0x2 sha256, 0x3 ripemd160 and 0x4 identity (specials.py:proc_sha256,
 * proc_ripemd160, proc_identity): a base price plus a price per 32-byte word of input, then a digest
 * (ripemd160's left-padded to a word) or the input itself.
 */
import { createHash } from "node:crypto";
import { ripemd160 as nobleRipemd160 } from "@noble/hashes/legacy.js";
import type { Precompile } from "../precompile.ts";
import { wordCount } from "./input.ts";

/** opcodes.py: GSHA256BASE/WORD, GRIPEMD160BASE/WORD, GIDENTITYBASE/WORD. */
export const SHA256_GAS = { base: 60, word: 12 } as const;
export const RIPEMD160_GAS = { base: 600, word: 120 } as const;
export const IDENTITY_GAS = { base: 15, word: 3 } as const;

const priced =
  (price: { readonly base: number; readonly word: number }, compute: (input: Uint8Array) => Uint8Array): Precompile =>
  (input, gas) => {
    const cost = price.base + price.word * wordCount(input.length);
    if (gas < cost) return undefined;
    return { gasUsed: cost, output: compute(input) };
  };

/**
 * Node's OpenSSL digests: 30x (sha256) and 8x (ripemd160) faster than pure JS on large inputs, which a
 * contract can feed by the megabyte (stStaticCall/static_Call50000_sha256 hashes 2.5 GB). An OpenSSL build
 * without RIPEMD-160 falls back to @noble/hashes, which gives the same bytes.
 */
const nativeDigest = (algorithm: string) => (input: Uint8Array) =>
  new Uint8Array(createHash(algorithm).update(input).digest());
const ripemd160Digest = (() => {
  try {
    createHash("ripemd160");
    return nativeDigest("ripemd160");
  } catch {
    return (input: Uint8Array) => nobleRipemd160(input);
  }
})();

export const sha256: Precompile = priced(SHA256_GAS, nativeDigest("sha256"));

export const ripemd160: Precompile = priced(RIPEMD160_GAS, (input) => {
  // specials.py:proc_ripemd160: [0] * 12 + digest.
  const out = new Uint8Array(32);
  out.set(ripemd160Digest(input), 12);
  return out;
});

// A copy: the caller's memory may change after the call while the output lives on as return data.
export const identity: Precompile = priced(IDENTITY_GAS, (input) => input.slice());
