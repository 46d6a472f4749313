/**
 * A block's receipt root computed on a sender thread while the main thread commits the block's state
 * (issue 17): after the transaction loop only the main thread works, and the receipt trie's hashing
 * needs nothing of its objects, only the receipts' encodings. So they go, copied into one
 * SharedArrayBuffer, to a thread (senders.ts postToSenderThread), which runs listRoot on them, the
 * very code the main thread runs (list-root.ts), and writes the root into the same buffer.
 *
 * The buffer's first word says who has the job: POSTED (nobody yet), CLAIMED (a thread is on it),
 * DONE (the thread wrote the root), HERE (the main thread took it back and computes the root itself;
 * a thread that comes later leaves it), FILLING (the main thread is writing a new job into a reused
 * buffer; a thread that comes with an old message leaves it too). A thread reads the job only after
 * its own POSTED -> CLAIMED, and the main thread writes into a buffer only once it is DONE or HERE,
 * never while a thread may be reading it.
 */
import { listRoot } from "../state/trie/list-root.ts";

export const POSTED = 0;
export const CLAIMED = 1;
export const DONE = 2;
export const HERE = 3;
export const FILLING = 4;

const HASH = 32;
/** Int32 state, Int32 count. */
const HEAD = 8;

/**
 * One job in its buffer: Int32 state, Int32 count, Uint32 starts[count], Uint32 ends[count] (value i is
 * data[starts[i]..ends[i]]), Uint8 root[32], Uint8 data[...] (the receipts' record as the store keeps it).
 */
export class ListRootJob {
  readonly state: Int32Array;
  readonly count: number;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly root: Uint8Array;
  readonly data: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.state = new Int32Array(buffer, 0, 1);
    const n = (this.count = new Int32Array(buffer, 4, 1)[0]!);
    this.starts = new Uint32Array(buffer, HEAD, n);
    this.ends = new Uint32Array(buffer, HEAD + 4 * n, n);
    this.root = new Uint8Array(buffer, HEAD + 8 * n, HASH);
    this.data = new Uint8Array(buffer, HEAD + 8 * n + HASH);
  }

  /** The bytes a job of `count` values in `dataSize` bytes takes. */
  static size(count: number, dataSize: number): number {
    return HEAD + 8 * count + HASH + dataSize;
  }

  /**
   * Write the job for `values`, views into `record` (a block's receipts record), into `buffer` (at least
   * size(values.length, record.length) bytes, DONE, HERE or new), then mark it POSTED; undefined (the
   * buffer left HERE) when a value is not a view into the record.
   */
  static fill(buffer: SharedArrayBuffer, record: Uint8Array, values: readonly Uint8Array[]): ListRootJob | undefined {
    const head = new Int32Array(buffer, 0, 2);
    head[0] = FILLING;
    head[1] = values.length;
    const job = new ListRootJob(buffer);
    job.data.set(record);
    const base = record.byteOffset;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const start = v.byteOffset - base;
      if (v.buffer !== record.buffer || start < 0 || start + v.length > record.length) {
        Atomics.store(job.state, 0, HERE);
        return undefined;
      }
      job.starts[i] = start;
      job.ends[i] = start + v.length;
    }
    Atomics.store(job.state, 0, POSTED); // the data before the state (a thread reads them after it)
    return job;
  }

  /** The values (views into the buffer). */
  values(): Uint8Array[] {
    const values = new Array<Uint8Array>(this.count);
    for (let i = 0; i < this.count; i++) values[i] = this.data.subarray(this.starts[i]!, this.ends[i]!);
    return values;
  }
}

/** A sender thread's part (senders.ts calls it with the posted buffer): the root, unless someone has the job. */
export function runThreadJob(buffer: SharedArrayBuffer): void {
  const state = new Int32Array(buffer, 0, 1);
  if (Atomics.compareExchange(state, 0, POSTED, CLAIMED) !== POSTED) return; // taken back, or refilled meanwhile
  const job = new ListRootJob(buffer);
  job.root.set(listRoot(job.values()));
  Atomics.store(state, 0, DONE);
  Atomics.notify(state, 0);
}
