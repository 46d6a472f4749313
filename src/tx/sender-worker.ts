/**
 * A block's senders recovered in a shared buffer (issue 17): the sender threads and the main thread
 * claim transactions one at a time, in order, from the same SharedArrayBuffer, so the main thread's
 * run_block takes each sender as soon as some thread has it and recovers it itself when none has
 * (senders.ts). Every thread runs the very code the main thread runs (senderFromBytes, else
 * decodeEvmTransaction + recoverSender), so a sender found on a thread is the one found in place.
 * While a thread holds a transaction's bytes it also hashes what the main thread needs of them next:
 * the transaction's hash (merkleRoot's leaf, the receipts' and the tx index's key) and the secure-trie
 * keys of its sender and recipient (keccak of each address, which world-state computes on a load).
 */
import { keccak256Of, keccak256To } from "../crypto/keccak.ts";
import { senderFromBytes } from "./sender-bytes.ts";
import { decodeEvmTransaction, recoverSender } from "./transaction.ts";

/** A transaction's state in a job: nobody on it yet, claimed by a thread, its sender written, no sender, undecodable. */
export const UNCLAIMED = 0;
export const CLAIMED = 1;
export const DONE = 2;
export const NO_SENDER = 3;
export const UNDECODABLE = 4;
/** A transaction's hash state (besides UNCLAIMED, CLAIMED, DONE): not a SerializedEvmTransaction, for the main thread to hash. */
export const NOT_HASHED = 5;

const ADDRESS = 20;
const HASH = 32;
/** Int32 count, next, open, inside (the words' indexes below). */
const HEAD = 16;
const OPEN = 2;
const INSIDE = 3;
/** TransactionType.SERIALIZED_EVM (messages/core.ts): the one type whose hash a thread takes. */
const SERIALIZED_EVM = 0;
/** The `to` item of a transaction (transaction.ts FIELDS). */
const TO = 3;
/** An address and a TypedTransaction's head, rewritten by each use (read at once). */
const scratchAddress = new Uint8Array(ADDRESS);
const scratchHead = Uint8Array.of(SERIALIZED_EVM, 0, 0, 0, 0);

/**
 * One block's transactions, their senders and hashes in one SharedArrayBuffer:
 *   Int32 count, Int32 next (the next index a sender thread claims), Int32 open (1: threads may work on it),
 *   Int32 inside (how many threads are in it), Int32 states[n], Int32 hashStates[n],
 *   Uint32 ends[n] (transaction i is data[ends[i-1]..ends[i]]), Uint8 senders[20 n], Uint8 tos[20 n] (a 20-byte
 *   `to`), Uint8 senderKeys[32 n] (keccak of the sender), Uint8 toKeys[32 n] (keccak of the `to`), Uint8 txHashes[32 n],
 *   Uint8 data[...].
 * A DONE transaction has its sender and both keys written; a DONE hash state, its hash.
 * A buffer is reused for a later block once no thread is in it (reopen): allocating ~75 KB of shared
 * memory, zeroed, cost the main thread 0.2-0.6 ms a block. A thread enters (inside + 1) before it reads
 * `open`, the main thread closes (open = 0) before it reads `inside`: so either the thread sees the job
 * closed and leaves, or the main thread sees the thread and does not reuse the buffer. A thread that
 * meets the buffer again with an old block's message works on the new block, as with the new message.
 */
export class SenderJob {
  readonly count: number;
  readonly next: Int32Array;
  readonly states: Int32Array;
  readonly hashStates: Int32Array;
  readonly ends: Uint32Array;
  readonly senders: Uint8Array;
  readonly tos: Uint8Array;
  readonly senderKeys: Uint8Array;
  readonly toKeys: Uint8Array;
  readonly txHashes: Uint8Array;
  readonly data: Uint8Array;
  /** The main thread's: the transactions' own arrays (empty on a thread), and where run_block is in them. */
  serialized: readonly Uint8Array[] = [];
  cursor = 0;

  constructor(readonly buffer: SharedArrayBuffer) {
    const n = (this.count = new Int32Array(buffer, 0, 1)[0]!);
    this.next = new Int32Array(buffer, 4, 1);
    this.states = new Int32Array(buffer, HEAD, n);
    this.hashStates = new Int32Array(buffer, HEAD + 4 * n, n);
    this.ends = new Uint32Array(buffer, HEAD + 8 * n, n);
    this.senders = new Uint8Array(buffer, HEAD + 12 * n, ADDRESS * n);
    this.tos = new Uint8Array(buffer, HEAD + 32 * n, ADDRESS * n);
    this.senderKeys = new Uint8Array(buffer, HEAD + 52 * n, HASH * n);
    this.toKeys = new Uint8Array(buffer, HEAD + 84 * n, HASH * n);
    this.txHashes = new Uint8Array(buffer, HEAD + 116 * n, HASH * n);
    this.data = new Uint8Array(buffer, HEAD + 148 * n);
  }

  /** The bytes a job of `count` transactions of `size` bytes in all takes. */
  static size(count: number, size: number): number {
    return HEAD + 148 * count + size;
  }

  /**
   * The job for these serialized transactions (of these types), nothing claimed yet: in `reuse` (closed
   * by reopen, at least size() bytes) or a new buffer of at least `minBytes`.
   */
  static of(txs: readonly Uint8Array[], types?: readonly number[], reuse?: SharedArrayBuffer, minBytes = 0): SenderJob {
    let size = 0;
    for (const t of txs) size += t.length;
    const count = txs.length;
    const buffer = reuse ?? new SharedArrayBuffer(Math.max(SenderJob.size(count, size), minBytes));
    const head = new Int32Array(buffer, 0, HEAD / 4);
    head[0] = count;
    head[1] = 0;
    const job = new SenderJob(buffer);
    if (reuse !== undefined) {
      job.states.fill(UNCLAIMED);
      job.hashStates.fill(UNCLAIMED);
    }
    job.serialized = txs;
    let at = 0;
    txs.forEach((t, i) => {
      job.data.set(t, at);
      job.ends[i] = at += t.length;
      if (types !== undefined && types[i] !== SERIALIZED_EVM) job.hashStates[i] = NOT_HASHED;
    });
    Atomics.store(head, OPEN, 1); // all of it written before (a thread reads it after it sees `open`)
    return job;
  }

  /**
   * Close `buffer` (a job's, no longer run) for reuse by SenderJob.of: true when no thread is in it, nor
   * can enter (false: a thread is; try again later).
   */
  static reopen(buffer: SharedArrayBuffer): boolean {
    const head = new Int32Array(buffer, 0, HEAD / 4);
    if (Atomics.load(head, INSIDE) !== 0) return false;
    Atomics.store(head, OPEN, 0);
    return Atomics.load(head, INSIDE) === 0;
  }

  /** Transaction i's bytes (a view into the shared buffer). */
  bytes(i: number): Uint8Array {
    return this.data.subarray(i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  /** Claim transaction i (false when some thread has it already). */
  claim(i: number): boolean {
    return Atomics.compareExchange(this.states, i, UNCLAIMED, CLAIMED) === UNCLAIMED;
  }

  /** Write what transaction i's claimant found (its sender and keys written before) and wake whoever waits for it. */
  settle(i: number, state: typeof DONE | typeof NO_SENDER | typeof UNDECODABLE): void {
    Atomics.store(this.states, i, state);
    Atomics.notify(this.states, i);
  }

  /** Recover claimed transaction i's sender, hash its sender and recipient, write them and settle it. */
  recover(i: number): void {
    const raw = this.bytes(i);
    const found = senderFromBytes(raw);
    if (found !== undefined) {
      if (found.keyHash === undefined) return this.settle(i, NO_SENDER);
      const { starts, ends } = found.layout;
      this.publish(i, found.keyHash, 12, raw, starts[TO]!, ends[TO]!);
      return this.settle(i, DONE);
    }
    // Not the common shape: the decoded path decides (and may refuse the bytes).
    let sender: Uint8Array | null;
    let to: Uint8Array;
    try {
      const tx = decodeEvmTransaction(raw);
      sender = recoverSender(tx);
      to = tx.to;
    } catch {
      return this.settle(i, UNDECODABLE); // the main thread meets (and reports) the same decoding error itself
    }
    if (sender === null) return this.settle(i, NO_SENDER);
    this.publish(i, sender, 0, to, 0, to.length);
    this.settle(i, DONE);
  }

  /**
   * Transaction i's sender (the 20 bytes at sender[senderAt..]) and recipient (to[toStart..toEnd]),
   * each with its keccak. Through one scratch address, not views: a view is an object each, and
   * a thread writes thousands a second.
   */
  private publish(
    i: number,
    sender: Uint8Array,
    senderAt: number,
    to: Uint8Array,
    toStart: number,
    toEnd: number,
  ): void {
    const at = i * ADDRESS;
    for (let k = 0; k < ADDRESS; k++) scratchAddress[k] = sender[senderAt + k]!;
    this.senders.set(scratchAddress, at);
    keccak256To(this.senderKeys, i * HASH, scratchAddress);
    if (toEnd - toStart !== ADDRESS) return; // a contract creation: nobody to load
    for (let k = 0; k < ADDRESS; k++) scratchAddress[k] = to[toStart + k]!;
    this.tos.set(scratchAddress, at);
    keccak256To(this.toKeys, i * HASH, scratchAddress);
  }

  /** Transaction i's sender once DONE (a copy). */
  sender(i: number): Uint8Array {
    return this.senders.slice(i * ADDRESS, (i + 1) * ADDRESS);
  }

  /** keccak of transaction i's sender once DONE (a copy). */
  senderKey(i: number): Uint8Array {
    return this.senderKeys.slice(i * HASH, (i + 1) * HASH);
  }

  /** keccak of transaction i's `to` once DONE, when `to` has 20 bytes (a copy). */
  toKey(i: number): Uint8Array {
    return this.toKeys.slice(i * HASH, (i + 1) * HASH);
  }

  /** Whether DONE transaction i's `to` has 20 bytes and they are these (toKey(i) is then keccak(to)). */
  hasTo(i: number, to: Uint8Array): boolean {
    if (to.length !== ADDRESS) return false;
    const at = i * ADDRESS;
    for (let k = 0; k < ADDRESS; k++) if (this.tos[at + k] !== to[k]) return false;
    return true;
  }

  /** Claim transaction i's hash (false when some thread has it already, or it is not a thread's to take). */
  claimHash(i: number): boolean {
    return Atomics.compareExchange(this.hashStates, i, UNCLAIMED, CLAIMED) === UNCLAIMED;
  }

  /** Write transaction i's hash and wake whoever waits for it. */
  settleHash(i: number, hash: Uint8Array): void {
    this.txHashes.set(hash, i * HASH);
    this.settledHash(i);
  }

  /** Hash claimed transaction i (a SerializedEvmTransaction) into its slot and wake whoever waits for it. */
  hash(i: number): void {
    const bytes = this.bytes(i);
    const n = bytes.length;
    const head = scratchHead; // type ‖ 4-byte length, rewritten for each
    head[1] = n >>> 24;
    head[2] = (n >>> 16) & 255;
    head[3] = (n >>> 8) & 255;
    head[4] = n & 255;
    keccak256To(this.txHashes, i * HASH, head, bytes);
    this.settledHash(i);
  }

  private settledHash(i: number): void {
    Atomics.store(this.hashStates, i, DONE);
    Atomics.notify(this.hashStates, i);
  }

  /** Transaction i's hash once its hash state is DONE (a copy). */
  txHash(i: number): Uint8Array {
    return this.txHashes.slice(i * HASH, (i + 1) * HASH);
  }

  /** How many threads are in this job now. */
  threadsInside(): number {
    return Atomics.load(new Int32Array(this.buffer, 0, HEAD / 4), INSIDE);
  }

  /** No thread claims anything more (the main thread still may, transaction by transaction). */
  cancel(): void {
    Atomics.store(this.next, 0, this.count);
  }
}

/** typedTransactionHash of a SerializedEvmTransaction with these bytes: keccak(type ‖ 4-byte length ‖ bytes). */
export function serializedEvmHash(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  return keccak256Of(Uint8Array.of(SERIALIZED_EVM, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255), bytes);
}

/**
 * A sender thread's share of a job: first the transactions' hashes (merkleRoot asks for them before
 * run_block starts), then: claim the next transaction nobody has, recover its sender, write it, until
 * the job runs out (the main thread may have taken some, or cancelled the rest).
 */
export function recoverJob(buffer: SharedArrayBuffer): void {
  const head = new Int32Array(buffer, 0, HEAD / 4);
  Atomics.add(head, INSIDE, 1);
  try {
    if (Atomics.load(head, OPEN) === 1) recoverOpenJob(new SenderJob(buffer));
  } finally {
    Atomics.sub(head, INSIDE, 1);
  }
}

function recoverOpenJob(job: SenderJob): void {
  for (let i = 0; i < job.count && Atomics.load(job.next, 0) < job.count; i++) if (job.claimHash(i)) job.hash(i);
  for (;;) {
    const i = Atomics.add(job.next, 0, 1);
    if (i >= job.count) return;
    if (job.claim(i)) job.recover(i);
  }
}
