/**
 * 0x5 modexp, EIP-198 at Byzantium prices (specials.py:proc_modexp). The three lengths are 256-bit words,
 * so the price is computed with bigints and checked before anything is allocated: every allocation below
 * is bounded by what the gas can pay for.
 */
import type { Precompile } from "../precompile.ts";
import { bigintToBytes, bytesToBigint, inputSlice, inputWord } from "./input.ts";

/** opcodes.py:GMODEXPQUADDIVISOR. */
export const MODEXP_QUAD_DIVISOR = 20n;

/** specials.py:mult_complexity (EIP-198). */
export function multComplexity(x: bigint): bigint {
  if (x <= 64n) return x * x;
  if (x <= 1024n) return (x * x) / 4n + 96n * x - 3072n;
  return (x * x) / 16n + 480n * x - 199680n;
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/** The EIP-198 price of an input; a bigint, since lengths up to 2^256 make it unbounded. */
export function modexpGas(input: Uint8Array): bigint {
  const baseLen = inputWord(input, 0);
  const expLen = inputWord(input, 32);
  const modLen = inputWord(input, 64);
  // The exponent's first word, cut to expLen bytes when it is shorter than a word (it must not read into
  // the modulus that follows).
  const shift = expLen < 32n ? 8n * (32n - expLen) : 0n;
  const head = inputWord(input, 96n + baseLen) >> shift;
  // specials.py: bitlength is the index of the highest set bit, -1 for zero, then max(bitlength, 0).
  const highBit = Math.max(bitLength(head) - 1, 0);
  const adjustedExpLen = BigInt(highBit) + 8n * (expLen > 32n ? expLen - 32n : 0n);
  const maxLen = modLen > baseLen ? modLen : baseLen;
  return (multComplexity(maxLen) * (adjustedExpLen > 1n ? adjustedExpLen : 1n)) / MODEXP_QUAD_DIVISOR;
}

/** base^exp mod m for m > 0; Python's pow(b, e, m) (so 0^0 mod m is 1 % m). */
export function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n % m;
  if (exp === 0n) return result;
  const b = base % m;
  // Left to right over the exponent's bits: one squaring per bit, one product per set bit.
  const bits = exp.toString(2);
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % m;
    if (bits.charCodeAt(i) === 49) result = (result * b) % m;
  }
  return result;
}

export const modexp: Precompile = (input, gas) => {
  const cost = modexpGas(input);
  if (cost > BigInt(gas)) return undefined;
  const gasUsed = Number(cost);
  // Past the gas check, baseLen and modLen are small: a non-zero one makes mult_complexity at least its
  // square, which the gas has paid for. expLen alone can still be large (when base and modulus are tiny),
  // so the exponent is read only once the modulus is known to be non-zero (below).
  const baseLen = inputWord(input, 0);
  const expLen = inputWord(input, 32);
  const modLen = inputWord(input, 64);
  if (baseLen === 0n) return { gasUsed, output: new Uint8Array(Number(modLen)) };
  if (modLen === 0n) return { gasUsed, output: new Uint8Array(0) };
  const mod = bytesToBigint(inputSlice(input, 96n + baseLen + expLen, Number(modLen)));
  if (mod === 0n) return { gasUsed, output: new Uint8Array(Number(modLen)) };
  // The modulus follows the exponent, so a non-zero modulus means the whole exponent lies inside the input:
  // its bytes are already allocated, however long expLen is.
  const base = bytesToBigint(inputSlice(input, 96n, Number(baseLen)));
  const exp = bytesToBigint(inputSlice(input, 96n + baseLen, Number(expLen)));
  const result = powMod(base, exp, mod);
  return { gasUsed, output: bigintToBytes(result, Number(modLen)) };
};
