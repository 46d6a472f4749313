/**
 * The work a sender thread does (senders.ts): decode each transaction and recover its sender with
 * the very code the main thread runs (decodeEvmTransaction, recoverSender), so a sender found here
 * is the one found in place.
 */
import { decodeEvmTransaction, recoverSender } from "./transaction.ts";

/** One result a transaction: 0 no sender (Transaction.sender raises), 1 a sender follows, 2 undecodable. */
export const RESULT_SIZE = 21;

/**
 * The senders of the transactions packed in `data` (transaction i is data[ends[i-1]..ends[i]]), each
 * RESULT_SIZE bytes: a tag, then the 20-byte address when the tag is 1.
 */
export function recoverPacked(data: Uint8Array, ends: Uint32Array): Uint8Array {
  const out = new Uint8Array(ends.length * RESULT_SIZE);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const at = i * RESULT_SIZE;
    let sender: Uint8Array | null;
    try {
      sender = recoverSender(decodeEvmTransaction(data.subarray(start, end)));
    } catch {
      out[at] = 2; // the main thread meets (and reports) the same decoding error itself
      start = end;
      continue;
    }
    if (sender !== null) {
      out[at] = 1;
      out.set(sender, at + 1);
    }
    start = end;
  }
  return out;
}
