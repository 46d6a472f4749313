import type { CrossShardTransactionDeposit, MinorBlock, TypedTransaction } from "../../messages/core.ts";
import { type EvmTransaction, decodeEvmTransaction, recoverSender } from "../../tx/transaction.ts";
import { isInBranch } from "./block-rules.ts";

/**
 * The transaction history index of pyquarkchain's TransactionHistoryMixin
 * (quarkchain/cluster/shard_db_operator.py), kept only with ENABLE_TRANSACTION_HISTORY. Its keys
 * are pyquarkchain's byte for byte, because a page's `next` cursor is a key (minus one) that the
 * client sends back as `start`:
 *
 *   "index_addr_" recipient(20) height(4) kind(1) index(4)   per address a transaction touches
 *   "index_alltx_" height(4) kind(1) index(4)                 per transaction of the shard
 *
 * kind 0 is a cross-shard deposit received (index into the block's received list), 1 a
 * transaction of the block (index into tx_list). Values are empty. The entries of a block are
 * put when it joins the canonical chain and removed when it leaves, with the txindex_ records
 * (put_transaction_index_from_block / remove_transaction_index_from_block).
 */
export const ADDR_PREFIX = new Uint8Array(Buffer.from("index_addr_", "latin1"));
export const ALLTX_PREFIX = new Uint8Array(Buffer.from("index_alltx_", "latin1"));
const DEPOSIT = 0;
const TX = 1;

function entryKey(prefix: Uint8Array, recipient: Uint8Array | null, height: bigint, kind: number, index: number) {
  const at = prefix.length + (recipient?.length ?? 0);
  const key = new Uint8Array(at + 9);
  key.set(prefix);
  if (recipient) key.set(recipient, prefix.length);
  const view = new DataView(key.buffer);
  view.setUint32(at, Number(height));
  key[at + 4] = kind;
  view.setUint32(at + 5, index);
  return key;
}

/** __encode_address_transaction_key. */
export const addressKey = (recipient: Uint8Array, height: bigint, deposit: boolean, index: number) =>
  entryKey(ADDR_PREFIX, recipient, height, deposit ? DEPOSIT : TX, index);

/** __encode_alltx_key. */
export const allTxKey = (height: bigint, deposit: boolean, index: number) =>
  entryKey(ALLTX_PREFIX, null, height, deposit ? DEPOSIT : TX, index);

/** What a key names, read from `offset` (the prefix's length): __get_transaction_details's decoding. */
export function readEntryKey(key: Uint8Array, offset: number): { height: bigint; deposit: boolean; index: number } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  // The index is whatever follows the kind byte, as int.from_bytes(k[offset + 5:]) reads it.
  let index = 0;
  for (let i = offset + 5; i < key.length; i++) index = index * 256 + key[i]!;
  return { height: BigInt(view.getUint32(offset)), deposit: key[offset + 4] === DEPOSIT, index };
}

/** A transaction of a stored block, decoded once with its sender (null when it does not recover). */
export interface DecodedTx {
  readonly evm: EvmTransaction;
  readonly sender: Uint8Array | null;
}
const decoded = new WeakMap<TypedTransaction, DecodedTx>();
export function decodedTx(tx: TypedTransaction): DecodedTx {
  let d = decoded.get(tx);
  if (d === undefined) {
    const evm = decodeEvmTransaction(tx.tx.serialized_tx);
    decoded.set(tx, (d = { evm, sender: recoverSender(evm) }));
  }
  return d;
}

/**
 * The keys of a canonical block's entries (__update_transaction_history_index and
 * __update_transaction_history_index_from_block): for each transaction its alltx key, its
 * sender's key, and its recipient's when the recipient is on this shard; for each deposit
 * received its recipient's key (dummy root-chain deposits of value 0 left out) and, unless it
 * is a root-chain coinbase deposit, its alltx key.
 */
export function historyKeys(
  fullShardId: number,
  block: MinorBlock,
  received: readonly CrossShardTransactionDeposit[],
): Uint8Array[] {
  const height = block.header.height;
  const keys: Uint8Array[] = [];
  block.tx_list.forEach((tx, i) => {
    const { evm, sender } = decodedTx(tx);
    keys.push(allTxKey(height, false, i));
    if (sender) keys.push(addressKey(sender, height, false, i));
    // "to" is empty for a contract creation
    if (evm.to.length > 0 && isInBranch(fullShardId, evm.to_full_shard_key))
      keys.push(addressKey(evm.to, height, false, i));
  });
  received.forEach((d, i) => {
    if (d.is_from_root_chain && d.value === 0n) return;
    keys.push(addressKey(d.to_address.recipient, height, true, i));
    if (!d.is_from_root_chain) keys.push(allTxKey(height, true, i));
  });
  return keys;
}

/** `key` as a big-endian integer plus `delta`, in as many bytes (pyquarkchain's start / next arithmetic). */
export function offsetKey(key: Uint8Array, delta: 1 | -1): Uint8Array {
  const out = key.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    const v = out[i]! + delta;
    out[i] = v & 0xff;
    if (v >= 0 && v <= 0xff) return out;
  }
  // int.to_bytes refuses a carry out of the top byte (OverflowError); no key of the index gets here
  throw new RangeError("key arithmetic overflowed its length");
}
