/**
 * 0x1 ecrecover (specials.py:proc_ecrecover): the address that signed a 32-byte hash, left-padded to a
 * word, or an empty output when the signature recovers nothing. pyquarkchain recovers with libsecp256k1
 * (utils.py:ecrecover_to_pub, coincurve); here @noble/curves gives the same answers: no low-s rule, r and
 * s in [1, n), v exactly 27 or 28 as a whole word.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../../crypto/keccak.ts";
import type { Precompile } from "../precompile.ts";
import { inputSlice, inputWord } from "./input.ts";

/** opcodes.py:GECRECOVER. */
export const ECRECOVER_GAS = 3000;

const N = secp256k1.Point.CURVE().n;
const EMPTY = new Uint8Array(0);

export const ecrecover: Precompile = (input, gas) => {
  if (gas < ECRECOVER_GAS) return undefined;
  const spent = (output: Uint8Array) => ({ gasUsed: ECRECOVER_GAS, output });
  const hash = inputSlice(input, 0n, 32);
  const v = inputWord(input, 32);
  const r = inputWord(input, 64);
  const s = inputWord(input, 96);
  // specials.py: r >= n, s >= n or v outside {27, 28} succeed with no output (the gas is still spent).
  if (r >= N || s >= N || v < 27n || v > 28n) return spent(EMPTY);
  let pub: Uint8Array;
  try {
    // r = 0 or s = 0, an r that is no x on the curve, or a point at infinity: libsecp256k1 fails, and
    // ecrecover_to_pub turns the failure into 64 zero bytes, which proc_ecrecover answers with no output.
    pub = new secp256k1.Signature(r, s, Number(v - 27n)).recoverPublicKey(hash).toBytes(false);
  } catch {
    return spent(EMPTY);
  }
  const out = new Uint8Array(32);
  out.set(keccak256(pub.subarray(1)).subarray(12), 12);
  return spent(out);
};
