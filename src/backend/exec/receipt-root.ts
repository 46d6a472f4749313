import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { listRoot } from "../state/trie/index.ts";
import { postToSenderThread } from "../../tx/senders.ts";
import { senderStats } from "../../tx/sender-stats.ts";
import { CLAIMED, DONE, HERE, ListRootJob, POSTED } from "./receipt-root-job.ts";
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

/** Below this many receipts the root is computed in place: the copy and the post cost about what it does. */
export const THREAD_MIN_RECEIPTS = 32;

/**
 * How long take() waits for a thread already on the root before it computes the root itself: a root of
 * a few hundred receipts takes a thread ~0.5 ms, and one still on it after twice that has stopped or
 * lost its core. It spins, as senders.ts's senderOf does (a main thread that sleeps waits for its core).
 */
const WAIT_MS = 1;

/** Buffers of jobs taken (DONE or HERE: no thread reads them any more), for the next blocks. */
const spare: SharedArrayBuffer[] = [];
const MAX_SPARE = 2;
/** A new buffer's headroom: the next blocks' receipts fit without a new one. */
const MIN_BUFFER = 128 * 1024;

const MODULE = new URL(`./receipt-root-job${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

/** A block's receipt root, on a sender thread meanwhile or here when asked. */
export interface PendingReceiptRoot {
  /** The root (computed here if no thread has started on it); once. */
  take(): Uint8Array;
  /** The block will not ask: no thread starts on it (one that has, finishes into a buffer nobody reads). */
  cancel(): void;
}

/**
 * encodedReceiptRoot(encoded) started on a sender thread, to be taken after the main thread's
 * world.commit: `encoded` are views into `record` (encodeReceiptList). In place when the block is small
 * or no thread is up.
 */
export function receiptRootAhead(record: Uint8Array, encoded: readonly Uint8Array[]): PendingReceiptRoot {
  if (encoded.length < THREAD_MIN_RECEIPTS) return new RootHere(encoded);
  const size = ListRootJob.size(encoded.length, record.length);
  const at = spare.findIndex((b) => b.byteLength >= size);
  const buffer = at >= 0 ? spare.splice(at, 1)[0]! : new SharedArrayBuffer(Math.max(size, MIN_BUFFER));
  const job = ListRootJob.fill(buffer, record, encoded);
  if (job === undefined || !postToSenderThread({ module: MODULE, buffer })) {
    recycle(buffer);
    return new RootHere(encoded);
  }
  return new RootOnThread(job, encoded);
}

class RootHere implements PendingReceiptRoot {
  constructor(private readonly encoded: readonly Uint8Array[]) {}
  take(): Uint8Array {
    return encodedReceiptRoot(this.encoded);
  }
  cancel(): void {}
}

class RootOnThread implements PendingReceiptRoot {
  constructor(
    readonly job: ListRootJob,
    private readonly encoded: readonly Uint8Array[],
  ) {}

  take(): Uint8Array {
    const { state } = this.job;
    let s = Atomics.load(state, 0);
    if (s === POSTED && Atomics.compareExchange(state, 0, POSTED, HERE) === POSTED) {
      senderStats.rootsHere++; // the thread was busy with something else (or is gone)
      recycle(this.job.buffer);
      return encodedReceiptRoot(this.encoded);
    }
    s = Atomics.load(state, 0);
    if (s === CLAIMED) s = waitFor(state);
    if (s !== DONE) {
      // Still on it: the thread stopped mid-job or lost its core. Here then; the buffer is not reused
      // (the thread may still write into it).
      senderStats.rootsHere++;
      return encodedReceiptRoot(this.encoded);
    }
    senderStats.rootsByThread++;
    const root = this.job.root.slice();
    recycle(this.job.buffer);
    return root;
  }

  cancel(): void {
    const { state } = this.job;
    if (Atomics.compareExchange(state, 0, POSTED, HERE) === POSTED || Atomics.load(state, 0) === DONE)
      recycle(this.job.buffer);
  }
}

/** Wait, boundedly, for the thread on the job to finish it (CLAIMED still: it did not in time). */
function waitFor(state: Int32Array): number {
  senderStats.rootWaits++;
  const t0 = performance.now();
  let s = Atomics.load(state, 0);
  while (s === CLAIMED && performance.now() - t0 < WAIT_MS) s = Atomics.load(state, 0);
  if (senderStats.on) senderStats.rootWaitMs += performance.now() - t0;
  return s;
}

/** Keep a taken job's buffer (DONE or HERE) for a later block. */
function recycle(buffer: SharedArrayBuffer): void {
  if (spare.length < MAX_SPARE) spare.push(buffer);
}
