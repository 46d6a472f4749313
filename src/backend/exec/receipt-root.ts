import { rlpEncode, rlpInt } from "../../tx/rlp.ts";
import { Trie, TrieNodeDb } from "../state/trie/index.ts";
import { encodeReceipt, type Receipt } from "./receipt.ts";

/** big_endian_int: minimal bytes, 0 is empty. */
/**
 * core.py:mk_receipt_sha, a block's hash_evm_receipt_root: a plain (not secure) trie holding
 * rlp(receipt) under rlp(i). The block passes its transaction receipts first, then its deposit
 * receipts (run first but listed after).
 */
export function receiptRoot(receipts: readonly Receipt[]): Uint8Array {
  const trie = new Trie(TrieNodeDb.memory());
  receipts.forEach((r, i) => trie.put(rlpEncode(rlpInt(i)), encodeReceipt(r)));
  return trie.root();
}
