import { keccak256To } from "./keccak.ts";
import { type RecoveryBackend, chooseBackend, loadLibsecp256k1 } from "./secp256k1-backends.ts";

/**
 * secp256k1 public-key recovery: one per transaction of every block (the sender), and the
 * ecrecover precompile. libsecp256k1 (the native addon) does it about 25x faster than
 * @noble/curves; noble stands in, with one process warning, where the addon cannot load.
 */
const backend: RecoveryBackend = chooseBackend(loadLibsecp256k1, (message) =>
  process.emitWarning(message, { code: "QKC_SECP256K1_FALLBACK" }),
);

/** Which implementation recovers here (tests, diagnostics). */
export const secp256k1Implementation: RecoveryBackend["name"] = backend.name;

/** The group order n: r and s must lie in [1, n). */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The signer's public key, x || y (64 bytes, no 04 prefix), as coincurve's
 * PublicKey.from_signature_and_message finds it; undefined where that raises: r or s outside
 * [1, n), a recovery bit outside 0..3, no curve point for r, or the point at infinity. High s is
 * accepted (pyquarkchain makes no EIP-2 check). Throws only for a msgHash that is not 32 bytes.
 */
export function recoverPublicKey(
  msgHash: Uint8Array,
  r: bigint,
  s: bigint,
  recoveryBit: number,
  compact?: Uint8Array,
): Uint8Array | undefined {
  if (msgHash.length !== 32) throw new TypeError(`a recovery signs a 32-byte hash, got ${msgHash.length} bytes`);
  if (r <= 0n || r >= SECP256K1_N || s <= 0n || s >= SECP256K1_N) return undefined;
  if (!Number.isInteger(recoveryBit) || recoveryBit < 0 || recoveryBit > 3) return undefined;
  return backend.recover(msgHash, r, s, recoveryBit, compact);
}

/**
 * The signer's 20-byte address, keccak256(x || y)[12:], or undefined as recoverPublicKey.
 * `compact`: r ‖ s as 64 big-endian bytes when the caller has them (no bigint -> bytes round trip).
 */
export function recoverAddress(
  msgHash: Uint8Array,
  r: bigint,
  s: bigint,
  recoveryBit: number,
  compact?: Uint8Array,
): Uint8Array | undefined {
  if (compact === undefined || msgHash.length !== 32) {
    const key = recoverPublicKey(msgHash, r, s, recoveryBit);
    if (key === undefined) return undefined;
    keccak256To(addressHash, 0, key);
    return addressHash.slice(12);
  }
  // recoverPublicKey's checks, then the key as the backend's own view: hashed at once, never kept.
  if (r <= 0n || r >= SECP256K1_N || s <= 0n || s >= SECP256K1_N) return undefined;
  if (!Number.isInteger(recoveryBit) || recoveryBit < 0 || recoveryBit > 3) return undefined;
  const key = backend.recoverCompact(msgHash, compact, recoveryBit);
  if (key === undefined) return undefined;
  keccak256To(addressHash, 0, key);
  return addressHash.slice(12);
}

/** keccak256 of a recovered key: the address is its last 20 bytes. */
const addressHash = new Uint8Array(32);

/**
 * recoverPublicKey from r ‖ s as 64 big-endian bytes (a transaction's own), for a caller that has
 * checked on the bytes that r and s lie in [1, n) and that recoveryBit is 0..3 (src/tx/sender-bytes.ts).
 * The key may be a view of a buffer the next call reuses: hash or copy it first.
 */
export function recoverPublicKeyCompact(
  msgHash: Uint8Array,
  compact: Uint8Array,
  recoveryBit: number,
): Uint8Array | undefined {
  return backend.recoverCompact(msgHash, compact, recoveryBit);
}
