import { signRecoverable } from "../crypto/secp256k1-sign.ts";
import { type EvmTransaction, InvalidTransactionError, unsignedHash } from "./transaction.ts";

/**
 * Transaction.sign (quarkchain/evm/transactions.py): ecsign over hash_unsigned (version 0 and 2)
 * or hash_typed (version 1), deterministic (RFC 6979) and low-s as coincurve signs; v = 27 +
 * recovery id, plus 35 - 27 + 2 * network_id for version 2. Throws InvalidTransactionError for a
 * version above 2 or a key that is not a valid 32-byte secret.
 */
export function signEvmTransaction(tx: EvmTransaction, key: Uint8Array): EvmTransaction {
  if (tx.version > 2n) throw new InvalidTransactionError("Invalid transaction version.");
  const unsigned: EvmTransaction = { ...tx, v: 0n, r: 0n, s: 0n };
  let sig;
  try {
    sig = signRecoverable(unsignedHash(unsigned), key);
  } catch (err) {
    throw new InvalidTransactionError(`cannot sign: ${(err as Error).message}`);
  }
  let v = 27n + BigInt(sig.recovery);
  if (tx.version === 2n) v += 35n - 27n + tx.network_id * 2n;
  return { ...unsigned, v, r: sig.r, s: sig.s };
}
