import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../../../crypto/keccak.ts";
import { tokenIdEncode } from "../../../config/token.ts";
import type { EvmTransaction } from "../../../tx/transaction.ts";
import { reject, type TxRejection } from "../tx-rejection.ts";
import { parseHexBytes, parseIntOrHex, type PostEntry, type StateTestTransaction } from "./fixture.ts";

/** token_id_encode("QKC") = 0x8bb0: the gas token of every state test, and the default transfer token. */
export const QKC = tokenIdEncode("QKC");

const TT256 = 1n << 256n;

/** The transaction of one post entry and who sent it. */
export interface StateTestTx {
  readonly tx: EvmTransaction;
  /** null where pyquarkchain's Transaction.sender raises (no secretKey: v only, r = s = 0). */
  readonly sender: Uint8Array | null;
}

/** utils.privtoaddr: the last 20 bytes of keccak(the uncompressed public key without its 0x04). */
export function privateKeyToAddress(key: Uint8Array): Uint8Array {
  return keccak256(secp256k1.getPublicKey(key, false).subarray(1)).slice(12);
}

const orZero = (s: string | undefined): string => (s === undefined || s === "" ? "0" : s);

/**
 * new_statetest_utils.py:compute_state_test_unit's transaction: version 0, network id 1, shard keys
 * 0, gas in QKC, value in transferTokenId[t] (QKC where absent). Transaction.sign sets the sender to
 * privtoaddr(secretKey) without recovering it, and the signature itself is never read again (the
 * wrapper hash is 32 zero bytes), so v, r and s stay 0 here. The constructor's range check
 * ("Values way too high!") is an InvalidTransaction the checker catches: a rejection here.
 */
export function buildStateTestTx(
  t: StateTestTransaction,
  entry: PostEntry,
  senderOf: (key: Uint8Array) => Uint8Array,
): StateTestTx | TxRejection {
  const pick = (list: readonly string[], i: number, what: string): string => {
    const x = list[i];
    if (x === undefined) throw new RangeError(`transaction.${what}[${i}] does not exist`);
    return x;
  };
  const transferTokenId =
    t.transferTokenId === null
      ? QKC
      : parseIntOrHex(pick(t.transferTokenId, entry.t, "transferTokenId"), "transferTokenId");
  const to = parseHexBytes(t.to, "transaction.to");
  if (to.length !== 0 && to.length !== 20) throw new RangeError("transaction.to is not an address");
  const tx: EvmTransaction = {
    nonce: t.nonce,
    gasprice: t.gasPrice,
    startgas: parseIntOrHex(orZero(pick(t.gasLimit, entry.g, "gasLimit")), "gasLimit"),
    to,
    value: parseIntOrHex(orZero(pick(t.value, entry.v, "value")), "value"),
    data: parseHexBytes(pick(t.data, entry.d, "data"), "data"),
    network_id: 1n,
    from_full_shard_key: 0,
    to_full_shard_key: 0,
    gas_token_id: QKC,
    transfer_token_id: transferTokenId,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
  };
  if ([tx.gasprice, tx.startgas, tx.value, tx.nonce].some((n) => n >= TT256)) {
    return reject("InvalidTransaction", "Values way too high!");
  }
  return { tx, sender: t.secretKey === null ? null : senderOf(t.secretKey) };
}
