import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE, hexToBytes, numberToBytesBE } from "@noble/curves/utils.js";

/**
 * The two ways to recover a secp256k1 public key. Both answer as libsecp256k1's
 * secp256k1_ecdsa_recover does (pyquarkchain's, through coincurve): r and s must lie in
 * [1, n), high s is accepted (no EIP-2 check), recovery ids 2 and 3 use x = r + n, and an x off
 * the curve, an x >= p or a point at infinity recover nothing.
 */
export interface RecoveryBackend {
  readonly name: "libsecp256k1" | "noble";
  /**
   * The 64-byte public key x || y, or undefined where no key recovers. r and s may be any value
   * of [0, 2^256); msgHash is 32 bytes; recoveryBit is 0..3 (the caller checks those three).
   * `compact`, when given, is r and s already as 64 big-endian bytes (a transaction's own bytes).
   */
  recover(msgHash: Uint8Array, r: bigint, s: bigint, recoveryBit: number, compact?: Uint8Array): Uint8Array | undefined;
  /**
   * The same from r ‖ s as 64 big-endian bytes alone, r and s already known to lie in [1, n). The key
   * may be a view of a buffer the next call reuses: read it before recovering again (a sender thread
   * hashes it at once).
   */
  recoverCompact(msgHash: Uint8Array, compact: Uint8Array, recoveryBit: number): Uint8Array | undefined;
}

/** Pure JS: about 25x slower than libsecp256k1 (bench/secp256k1.bench.ts), but loads everywhere. */
export const nobleBackend: RecoveryBackend = {
  name: "noble",
  recover(msgHash, r, s, recoveryBit) {
    try {
      const key = new secp256k1.Signature(r, s, recoveryBit).recoverPublicKey(msgHash);
      return key.toBytes(false).subarray(1);
    } catch {
      // noble throws for every input that recovers nothing: out-of-range r or s, x off the
      // curve or >= p, infinity. Callers only want "no key".
      return undefined;
    }
  },
  recoverCompact(msgHash, compact, recoveryBit) {
    return this.recover(
      msgHash,
      bytesToNumberBE(compact.subarray(0, 32)),
      bytesToNumberBE(compact.subarray(32)),
      recoveryBit,
    );
  },
};

/** The part of the secp256k1 package's API used here (it ships no types). */
interface Secp256k1Addon {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array;
}

/**
 * libsecp256k1 through the `secp256k1` package's N-API addon. Its tarball carries a linux-x64
 * build (prebuilds/, loaded by node-gyp-build at run time), so no install script or compiler is
 * needed. Throws when the addon cannot load. `secp256k1/bindings.js`, not the package's main: the
 * main silently falls back to `elliptic` (pure JS, slower than noble) when the addon is missing.
 */
export function loadLibsecp256k1(): RecoveryBackend {
  const addon = createRequire(import.meta.url)("secp256k1/bindings.js") as Secp256k1Addon;
  // The addon reads its arguments through N-API, which first moves a typed array that lives on V8's
  // heap (any fresh one of <= 64 bytes: a hash, a transaction's r ‖ s) to a malloc'd backing store of
  // its own. So each call's inputs are copied into these, off V8's heap from the start (an ArrayBuffer's
  // store always is), and the key comes back in one too.
  const msg = new Uint8Array(new ArrayBuffer(32));
  const sig = new Uint8Array(new ArrayBuffer(64));
  const key = new Uint8Array(new ArrayBuffer(65)); // 04 ‖ x ‖ y, written again by each call
  const recover = (msgHash: Uint8Array, compact: Uint8Array, recoveryBit: number): Uint8Array | undefined => {
    for (let i = 0; i < 32; i++) msg[i] = msgHash[i]!;
    for (let i = 0; i < 64; i++) sig[i] = compact[i]!;
    try {
      return addon.ecdsaRecover(sig, recoveryBit, msg, false, key).subarray(1);
    } catch {
      // Its only throws for checked inputs: "Signature could not be parsed" (r or s >= n) and
      // "Public key could not be recover" (r or s zero, x off the curve, infinity).
      return undefined;
    }
  };
  return {
    name: "libsecp256k1",
    recover(msgHash, r, s, recoveryBit, compact) {
      if (compact !== undefined) return recover(msgHash, compact, recoveryBit)?.slice();
      const rs = new Uint8Array(64);
      rs.set(numberToBytesBE(r, 32), 0);
      rs.set(numberToBytesBE(s, 32), 32);
      return recover(msgHash, rs, recoveryBit)?.slice();
    },
    recoverCompact: recover,
  };
}

/**
 * A known answer for the loaded backend: secret key 1 signs keccak256("qkc"), so the key that
 * recovers is the generator G. A backend that loads but answers wrong (a mismatched build, say)
 * is refused, not trusted with every sender.
 */
const SELF_TEST = {
  msgHash: hexToBytes("9cb936029f91a315e742fdfeb1c0d18b0c9cc56e512b5821c4dfe9bac7f3dd78"),
  r: 0x4077a604df78b47550a4daa2209beba4512f48fdf96cd75de1155046afb85bf9n,
  s: 0x3e27c6d4a086d41d828ee3455550eacb299cde0186e0aa4d05e6e7d72efa2436n,
  recoveryBit: 0,
};

/** G, uncompressed without its 04 prefix. */
const GENERATOR = secp256k1.Point.BASE.toBytes(false).subarray(1);

function passesSelfTest(backend: RecoveryBackend): boolean {
  const { msgHash, r, s, recoveryBit } = SELF_TEST;
  const key = backend.recover(msgHash, r, s, recoveryBit);
  return key !== undefined && key.length === 64 && key.every((b, i) => b === GENERATOR[i]);
}

/**
 * The fast backend when `load` gives one that passes the known answer; otherwise noble, with
 * one `warn` saying why (recovery is then ~25x slower: every transaction of every block pays it).
 */
export function chooseBackend(load: () => RecoveryBackend, warn: (message: string) => void): RecoveryBackend {
  let fast: RecoveryBackend;
  try {
    fast = load();
  } catch (e) {
    warn(`libsecp256k1 did not load (${e instanceof Error ? e.message : String(e)}); recovering with @noble/curves`);
    return nobleBackend;
  }
  if (!passesSelfTest(fast)) {
    warn(`${fast.name} failed its known-answer recovery; recovering with @noble/curves`);
    return nobleBackend;
  }
  return fast;
}
