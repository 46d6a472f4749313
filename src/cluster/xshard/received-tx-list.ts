import { encode } from "../../codec/index.ts";
import { AddXshardTxListRequest } from "../../messages/cluster.ts";
import { CrossShardTransactionDeposit, CrossShardTransactionList } from "../../messages/core.ts";

/** Every deposit field but message_data has a fixed size: a deposit encodes to this plus its data. */
const DEPOSIT_FIXED_BYTES = encode(CrossShardTransactionDeposit, CrossShardTransactionDeposit.zero()).length;
/** The list's own fields around its deposits: their count and the version. */
const LIST_FIXED_BYTES = encode(CrossShardTransactionList, CrossShardTransactionList.zero()).length;
/** What precedes tx_list in an ADD_XSHARD_TX_LIST request (branch, minor_block_hash). */
const REQUEST_PREFIX_BYTES = encode(AddXshardTxListRequest, AddXshardTxListRequest.zero()).length - LIST_FIXED_BYTES;

/**
 * A copy of the tx_list bytes of an ADD_XSHARD_TX_LIST payload, when they are exactly what
 * encoding the decoded `list` gives (no trailing bytes, version 1), so the store can keep them
 * instead of encoding the list again (as much work as decoding it); undefined otherwise.
 */
export function receivedTxListBytes(payload: Uint8Array, list: CrossShardTransactionList): Uint8Array | undefined {
  let size = LIST_FIXED_BYTES;
  for (const d of list.tx_list) size += DEPOSIT_FIXED_BYTES + d.message_data.length;
  const end = payload.length;
  if (end - size !== REQUEST_PREFIX_BYTES) return undefined;
  // The version is forced to 1 when encoding: other bytes there would not be what encode gives.
  if (payload[end - 4] !== 0 || payload[end - 3] !== 0 || payload[end - 2] !== 0 || payload[end - 1] !== 1) {
    return undefined;
  }
  return Uint8Array.prototype.slice.call(payload, REQUEST_PREFIX_BYTES);
}
