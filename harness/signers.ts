/**
 * Signers for benches and tests: deterministic keys, their addresses, and transactions signed as a
 * wallet signs them (version 0: hash_unsigned, v = 27 + recovery id), so the importer under
 * test recovers every sender for real.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../src/crypto/keccak.ts";
import { type EvmTransaction, encodeEvmTransaction, unsignedHash } from "../src/tx/transaction.ts";
import type { TypedTransaction } from "../src/messages/core.ts";

export interface Signer {
  readonly key: Uint8Array;
  readonly address: Uint8Array;
  nonce: bigint;
}

/** Signer `i` of a family: the key is keccak("qkc-bench/<family>/<i>"), never zero. */
export function signer(family: string, i: number): Signer {
  const key = keccak256(new TextEncoder().encode(`qkc-bench/${family}/${i}`));
  const pub = secp256k1.getPublicKey(key, false);
  return { key, address: keccak256(pub.subarray(1)).slice(12), nonce: 0n };
}

/** A 20-byte address nobody holds a key for (recipients): keccak of a label. */
export function addressOf(label: string): Uint8Array {
  return keccak256(new TextEncoder().encode(label)).slice(12);
}

/** `tx` with its nonce from `from` (then bumped) and signed by it. */
export function signTx(from: Signer, tx: Omit<EvmTransaction, "nonce" | "v" | "r" | "s">): TypedTransaction {
  const unsigned: EvmTransaction = { ...tx, nonce: from.nonce++, v: 0n, r: 0n, s: 0n };
  const sig = secp256k1.Signature.fromBytes(
    secp256k1.sign(unsignedHash(unsigned), from.key, { prehash: false, format: "recovered" }),
    "recovered",
  );
  const signed = { ...unsigned, v: 27n + BigInt(sig.recovery!), r: sig.r, s: sig.s };
  return { tx: { type: 0, serialized_tx: encodeEvmTransaction(signed) } } as TypedTransaction;
}
