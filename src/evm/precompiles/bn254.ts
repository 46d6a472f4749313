/**
 * 0x6 ecadd, 0x7 ecmul, 0x8 ecpairing on alt_bn128 at Byzantium prices (EIPs 196 and 197;
 * specials.py:proc_ecadd, proc_ecmul, proc_ecpairing over py_ecc's optimized_bn128). Every malformed input
 * (a coordinate not below the field modulus, a point off the curve, a G2 point outside the subgroup, a
 * pairing input not a multiple of 192 bytes) fails the call: all the gas given is consumed.
 */
import { bn254 } from "@noble/curves/bn254.js";
import type { Precompile } from "../precompile.ts";
import { bigintToBytes, inputWord } from "./input.ts";

/** opcodes.py: GECADD, GECMUL, GPAIRINGBASE, GPAIRINGPERPOINT (Byzantium's, not Istanbul's). */
export const ECADD_GAS = 500;
export const ECMUL_GAS = 40000;
export const PAIRING_BASE_GAS = 100000;
export const PAIRING_PER_PAIR_GAS = 80000;

const { Fp, Fp2, Fp12 } = bn254.fields;
const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
type G1Point = InstanceType<typeof G1>;
type G2Point = InstanceType<typeof G2>;
/** The group order r (py_ecc's curve_order). */
const R = bn254.G1.Point.Fn.ORDER;

/** specials.py:validate_point: both coordinates below p, and (0, 0) is the point at infinity. */
function g1At(input: Uint8Array, offset: number): G1Point | undefined {
  const x = inputWord(input, offset);
  const y = inputWord(input, offset + 32);
  if (x >= Fp.ORDER || y >= Fp.ORDER) return undefined;
  if (x === 0n && y === 0n) return G1.ZERO;
  try {
    const p = G1.fromAffine({ x, y });
    p.assertValidity(); // on the curve; G1 has cofactor 1, so that is the subgroup too
    return p;
  } catch {
    return undefined;
  }
}

/**
 * A G2 point from four words: x's imaginary then real part, y's imaginary then real part (EIP-197;
 * specials.py builds FQ2([x_r, x_i])). On the twist and in the order-r subgroup (specials.py checks
 * multiply(p2, curve_order) is zero; noble's assertValidity runs the equivalent endomorphism test).
 */
function g2At(input: Uint8Array, offset: number): G2Point | undefined {
  const xi = inputWord(input, offset);
  const xr = inputWord(input, offset + 32);
  const yi = inputWord(input, offset + 64);
  const yr = inputWord(input, offset + 96);
  if (xi >= Fp.ORDER || xr >= Fp.ORDER || yi >= Fp.ORDER || yr >= Fp.ORDER) return undefined;
  if (xi === 0n && xr === 0n && yi === 0n && yr === 0n) return G2.ZERO;
  try {
    const p = G2.fromAffine({ x: Fp2.fromBigTuple([xr, xi]), y: Fp2.fromBigTuple([yr, yi]) });
    p.assertValidity();
    return p;
  } catch {
    return undefined;
  }
}

/** encode_int32(x) + encode_int32(y) of the normalized point; infinity is (0, 0). */
function g1Bytes(p: G1Point): Uint8Array {
  const out = new Uint8Array(64);
  if (p.is0()) return out;
  const { x, y } = p.toAffine();
  out.set(bigintToBytes(x, 32), 0);
  out.set(bigintToBytes(y, 32), 32);
  return out;
}

export const ecadd: Precompile = (input, gas) => {
  if (gas < ECADD_GAS) return undefined;
  const p1 = g1At(input, 0);
  const p2 = g1At(input, 64);
  if (p1 === undefined || p2 === undefined) return undefined;
  return { gasUsed: ECADD_GAS, output: g1Bytes(p1.add(p2)) };
};

export const ecmul: Precompile = (input, gas) => {
  if (gas < ECMUL_GAS) return undefined;
  const p = g1At(input, 0);
  if (p === undefined) return undefined;
  // Any 256-bit scalar: py_ecc multiplies by it as it is, which is multiplying by it mod r.
  const k = inputWord(input, 64) % R;
  const product = k === 0n || p.is0() ? G1.ZERO : p.multiplyUnsafe(k);
  return { gasUsed: ECMUL_GAS, output: g1Bytes(product) };
};

export const ecpairing: Precompile = (input, gas) => {
  if (input.length % 192 !== 0) return undefined;
  const pairCount = input.length / 192;
  const cost = PAIRING_BASE_GAS + PAIRING_PER_PAIR_GAS * pairCount;
  if (gas < cost) return undefined;
  const pairs: { g1: G1Point; g2: G2Point }[] = [];
  for (let off = 0; off < input.length; off += 192) {
    const g1 = g1At(input, off);
    const g2 = g2At(input, off + 64);
    if (g1 === undefined || g2 === undefined) return undefined;
    // A pair with infinity on either side contributes 1 to the product (py_ecc's pairing returns one).
    if (!g1.is0() && !g2.is0()) pairs.push({ g1, g2 });
  }
  const product = pairs.length === 0 ? Fp12.ONE : bn254.pairingBatch(pairs);
  const output = new Uint8Array(32);
  output[31] = Fp12.eql(product, Fp12.ONE) ? 1 : 0;
  return { gasUsed: cost, output };
};
