import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";

/** A recoverable ECDSA signature: r, s (low s) and the recovery id 0..3. */
export interface RecoverableSignature {
  r: bigint;
  s: bigint;
  recovery: number;
}

/** The part of the `secp256k1` package's API (bindings.js: the addon behind lib/index.js's checks) used here. */
interface SignAddon {
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
}

function loadAddon(): SignAddon | undefined {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings.js") as SignAddon;
  } catch {
    return undefined; // noble signs instead (secp256k1.ts warns once about the missing addon)
  }
}
const addon = loadAddon();

/**
 * coincurve's sign_recoverable, which pyquarkchain's ecsign uses: RFC 6979 nonces, low s. The
 * libsecp256k1 addon signs about ten times faster than @noble/curves (GEN_TX signs a transaction
 * per loadtest account); both give the same signature. Throws for a key that is not a valid
 * secret (zero or >= n) or a msgHash that is not 32 bytes.
 */
export function signRecoverable(msgHash: Uint8Array, key: Uint8Array): RecoverableSignature {
  if (msgHash.length !== 32) throw new TypeError(`a signature signs a 32-byte hash, got ${msgHash.length} bytes`);
  if (key.length !== 32) throw new TypeError(`a secret key is 32 bytes, got ${key.length}`);
  if (addon) {
    // Throws "The nonce generation function failed, or the private key was invalid" for a bad key.
    const out = addon.ecdsaSign(msgHash, key);
    return {
      r: bytesToNumberBE(out.signature.subarray(0, 32)),
      s: bytesToNumberBE(out.signature.subarray(32)),
      recovery: out.recid,
    };
  }
  return nobleSignRecoverable(msgHash, key);
}

/** The same with @noble/curves only (tests compare the two). */
export function nobleSignRecoverable(msgHash: Uint8Array, key: Uint8Array): RecoverableSignature {
  const sig = secp256k1.Signature.fromBytes(
    secp256k1.sign(msgHash, key, { prehash: false, format: "recovered" }),
    "recovered",
  );
  return { r: sig.r, s: sig.s, recovery: sig.recovery! };
}
