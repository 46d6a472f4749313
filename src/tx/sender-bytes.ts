/**
 * A transaction's sender read straight off its signed bytes, for the sender threads (issue 17): what
 * recoverSender(decodeEvmTransaction(raw)) finds, without the decoded transaction (fifteen fields,
 * thirteen bigints) that a thread throws away. Only the common shape is read here: a well-formed
 * transaction (tx-layout.ts) of version 0 or 2 whose values pass Transaction.__init__'s range check
 * by their sizes alone, r and s in [1, n) by their bytes, v a small number with a recovery id 0..3.
 * Everything else is left to the decoded path (undefined), which decides as pyquarkchain does, so both
 * paths agree by construction: same hash_unsigned preimage (the same window of the signed bytes as
 * transaction.ts's), same r ‖ s bytes, same recovery call.
 */
import { keccak256To } from "../crypto/keccak.ts";
import { recoverPublicKeyCompact } from "../crypto/secp256k1.ts";
import { type TxLayout, scratchTxLayout, txLayoutInto } from "./tx-layout.ts";

// The items of a transaction, in wire order (transaction.ts FIELDS).
const NONCE = 0;
const GASPRICE = 1;
const STARTGAS = 2;
const TO = 3;
const VALUE = 4;
const NETWORK_ID = 6;
const GAS_TOKEN_ID = 9;
const TRANSFER_TOKEN_ID = 10;
const VERSION = 11;
const V = 12;
const R = 13;
const S = 14;

/**
 * r ‖ s, the hash signed, keccak of the key, the layout and the answer: rewritten for each transaction
 * (read synchronously, or copied). A thread recovers thousands of senders a second: anything made per
 * transaction is its isolate's garbage, and the main thread's where it steals.
 */
const compact = new Uint8Array(64);
const msgHash = new Uint8Array(32);
const keyHash = new Uint8Array(32);
const layout = scratchTxLayout();
const answer: { keyHash: Uint8Array | undefined; layout: TxLayout } = { keyHash: undefined, layout };
const EIP155_TAIL = Uint8Array.of(0x80, 0x80); // rlp(0), rlp(0)
/** hash_unsigned's list prefix, one array per size (1 to 5 bytes). */
const PREFIXES = [1, 2, 3, 4, 5].map((n) => new Uint8Array(n));

const size = (l: TxLayout, item: number): number => l.ends[item]! - l.starts[item]!;

/** The unsigned integer item (at most 6 bytes: the caller checked). */
function smallInt({ raw, starts, ends }: TxLayout, item: number): number {
  let x = 0;
  for (let i = starts[item]!; i < ends[item]!; i++) x = x * 256 + raw[i]!;
  return x;
}

/** Below n = 0xffff...fffe baae... when it has fewer than 32 bytes or does not start with 0xff; nonzero when it has any (no leading zero). */
const belowN = (l: TxLayout, item: number): boolean => {
  const n = size(l, item);
  return n > 0 && (n < 32 || (n === 32 && l.raw[l.starts[item]!] !== 0xff));
};

/** What a decoded well-formed transaction's sender is, when this module can tell without decoding it. */
export interface BytesSender {
  /**
   * keccak256(x ‖ y): the sender's address is keyHash[12..32]; undefined: no key recovers (Transaction.sender
   * raises). Rewritten by the next call: copy what you keep.
   */
  readonly keyHash: Uint8Array | undefined;
  /** Where the transaction's items lie (its `to` is raw[starts[3]..ends[3]]); rewritten by the next call too. */
  readonly layout: TxLayout;
}

/**
 * The sender of the transaction `raw`, or undefined when it is not of the common shape (then
 * recoverSender(decodeEvmTransaction(raw)) decides, which may also throw). The answer, and all in
 * it, is rewritten by the next call.
 */
export function senderFromBytes(raw: Uint8Array): BytesSender | undefined {
  if (!txLayoutInto(raw, layout)) return undefined;
  const l = layout;
  // Transaction.__init__'s "Values way too high!": 2^256 for these, "ZZZZZZZZZZZZ" (> 2^56) for token ids.
  if (size(l, NONCE) > 32 || size(l, GASPRICE) > 32 || size(l, STARTGAS) > 32 || size(l, VALUE) > 32) return undefined;
  if (size(l, GAS_TOKEN_ID) > 7 || size(l, TRANSFER_TOKEN_ID) > 7) return undefined;
  if (!belowN(l, R) || !belowN(l, S) || size(l, V) > 6) return undefined;
  const versionSize = size(l, VERSION);
  const version = versionSize === 0 ? 0 : versionSize === 1 ? raw[l.starts[VERSION]!]! : -1;
  let recovery = smallInt(l, V) - 27;
  if (version === 0) {
    unsignedWindowHash(l, 11); // hash_unsigned: the 11 items before v
  } else if (version === 2) {
    if (size(l, NETWORK_ID) > 6) return undefined;
    recovery -= 8 + 2 * smallInt(l, NETWORK_ID); // v - (35 - 27 + 2 network_id) - 27
    unsignedWindowHash(l, 7, EIP155_TAIL); // UnsignedEIP155Transaction: 7 items, then 0, 0
  } else {
    return undefined; // version 1 hashes typed data; versions above 2 have no sender
  }
  if (recovery < 0 || recovery > 3) return undefined;
  compact.fill(0);
  copyInto(compact, 32, raw, l.starts[R]!, l.ends[R]!); // byte by byte: a subarray is an object each
  copyInto(compact, 64, raw, l.starts[S]!, l.ends[S]!);
  const key = recoverPublicKeyCompact(msgHash, compact, recovery);
  if (key !== undefined) keccak256To(keyHash, 0, key);
  answer.keyHash = key === undefined ? undefined : keyHash;
  return answer;
}

/** raw[start..end] into out, ending at out[end0 - 1] (right-aligned: a big-endian integer). */
function copyInto(out: Uint8Array, end0: number, raw: Uint8Array, start: number, end: number): void {
  for (let i = end - 1, j = end0 - 1; i >= start; i--, j--) out[j] = raw[i]!;
}

/** The transaction's `to` (empty or 20 bytes) as a view of its bytes. */
export const toOf = (l: TxLayout): Uint8Array => l.raw.subarray(l.starts[TO]!, l.ends[TO]!);

/** keccak of the list of the first `items` items' encodings (then `tail`), re-prefixed, into msgHash. */
function unsignedWindowHash({ raw, heads }: TxLayout, items: number, tail?: Uint8Array): void {
  const body = raw.subarray(heads[0]!, heads[items]!);
  const length = body.length + (tail === undefined ? 0 : tail.length);
  const size = length < 56 ? 0 : length < 256 ? 1 : length < 65536 ? 2 : length < 16777216 ? 3 : 4;
  const prefix = PREFIXES[size]!;
  prefix[0] = size === 0 ? 0xc0 + length : 0xf7 + size;
  for (let i = size, n = length; i >= 1; i--, n = Math.floor(n / 256)) prefix[i] = n % 256;
  keccak256To(msgHash, 0, prefix, body, tail);
}
