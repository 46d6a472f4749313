import { listRoot } from "../state/trie/index.ts";
import { encodeReceipt, type Receipt } from "./receipt.ts";

/**
 * core.py:mk_receipt_sha, a block's hash_evm_receipt_root: a plain (not secure) trie holding
 * rlp(receipt) under rlp(i). The block passes its transaction receipts first, then its deposit
 * receipts (run first but listed after).
 */
export function receiptRoot(receipts: readonly Receipt[]): Uint8Array {
  return encodedReceiptRoot(receipts.map(encodeReceipt));
}

/** receiptRoot of receipts already encoded (a block encodes each once, for the root and the store). */
export function encodedReceiptRoot(encoded: readonly Uint8Array[]): Uint8Array {
  return listRoot(encoded); // the trie of rlp(i) -> encoded[i], built from its sorted keys
}
