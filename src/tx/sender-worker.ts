/**
 * A block's senders recovered in a shared buffer (issue 17): the sender threads and the main thread
 * claim transactions one at a time, in order, from the same SharedArrayBuffer, so the main thread's
 * run_block takes each sender as soon as some thread has it and recovers it itself when none has
 * (senders.ts). Every thread runs the very code the main thread runs (decodeEvmTransaction,
 * recoverSender), so a sender found on a thread is the one found in place.
 */
import { decodeEvmTransaction, recoverSender } from "./transaction.ts";

/** A transaction's state in a job: nobody on it yet, claimed by a thread, its sender written, no sender, undecodable. */
export const UNCLAIMED = 0;
export const CLAIMED = 1;
export const DONE = 2;
export const NO_SENDER = 3;
export const UNDECODABLE = 4;

const ADDRESS = 20;

/**
 * One block's transactions and their senders in one SharedArrayBuffer:
 *   Int32 count, Int32 next (the next index a sender thread claims), Int32 states[n], Uint32 ends[n] (transaction i
 *   is data[ends[i-1]..ends[i]]), Uint8 senders[20 n], Uint8 data[...].
 */
export class SenderJob {
  readonly count: number;
  readonly next: Int32Array;
  readonly states: Int32Array;
  readonly ends: Uint32Array;
  readonly senders: Uint8Array;
  readonly data: Uint8Array;
  /** The main thread's own claims from the back end (only it steals there; threads claim from the front). */
  back: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const count = (this.count = new Int32Array(buffer, 0, 1)[0]!);
    this.next = new Int32Array(buffer, 4, 1);
    this.states = new Int32Array(buffer, 8, count);
    this.ends = new Uint32Array(buffer, 8 + 4 * count, count);
    this.senders = new Uint8Array(buffer, 8 + 8 * count, ADDRESS * count);
    this.data = new Uint8Array(buffer, 8 + 28 * count);
    this.back = count;
  }

  /** The job for these serialized transactions, nothing claimed yet. */
  static of(txs: readonly Uint8Array[]): SenderJob {
    let size = 0;
    for (const t of txs) size += t.length;
    const count = txs.length;
    const buffer = new SharedArrayBuffer(8 + 28 * count + size);
    new Int32Array(buffer, 0, 1)[0] = count;
    const job = new SenderJob(buffer);
    let at = 0;
    txs.forEach((t, i) => {
      job.data.set(t, at);
      job.ends[i] = at += t.length;
    });
    return job;
  }

  /** Transaction i's bytes (a view into the shared buffer). */
  bytes(i: number): Uint8Array {
    return this.data.subarray(i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  /** Claim transaction i (false when some thread has it already). */
  claim(i: number): boolean {
    return Atomics.compareExchange(this.states, i, UNCLAIMED, CLAIMED) === UNCLAIMED;
  }

  /** Write what transaction i's claimant found and wake whoever waits for it. */
  settle(i: number, state: typeof DONE | typeof NO_SENDER | typeof UNDECODABLE, sender?: Uint8Array): void {
    if (sender !== undefined) this.senders.set(sender, i * ADDRESS);
    Atomics.store(this.states, i, state);
    Atomics.notify(this.states, i);
  }

  /** Transaction i's sender once DONE (a copy). */
  sender(i: number): Uint8Array {
    return this.senders.slice(i * ADDRESS, (i + 1) * ADDRESS);
  }

  /** No thread claims anything more (the main thread still may, transaction by transaction). */
  cancel(): void {
    Atomics.store(this.next, 0, this.count);
  }
}

/**
 * A sender thread's share of a job: claim the next transaction nobody has, recover its sender,
 * write it, until the job runs out (the main thread may have taken some, or cancelled the rest).
 */
export function recoverJob(buffer: SharedArrayBuffer): void {
  const job = new SenderJob(buffer);
  for (;;) {
    const i = Atomics.add(job.next, 0, 1);
    if (i >= job.count) return;
    if (!job.claim(i)) continue;
    let sender: Uint8Array | null;
    try {
      sender = recoverSender(decodeEvmTransaction(job.bytes(i)));
    } catch {
      job.settle(i, UNDECODABLE); // the main thread meets (and reports) the same decoding error itself
      continue;
    }
    if (sender === null) job.settle(i, NO_SENDER);
    else job.settle(i, DONE, sender);
  }
}
