import { ByteMap } from "./byte-map.ts";
import { sameBytes } from "../codec/bytes.ts";
import type { RangeKv } from "./kv.ts";

type Entry = readonly [key: Uint8Array, value: Uint8Array | undefined];

/** How long a writeWithNext write waits for another write at most, and how many may wait. */
const RIDERS_WAIT_MS = 1000;
const MAX_RIDERS = 64;

/**
 * A Kv whose writes can be held back and applied together (`batch`): one Kv write, one LMDB
 * transaction, for everything a block stores. Reads inside a batch see the held writes (the
 * canonical index rewrite reads what the block's own write holds); `keysDown` does not, and is
 * not used inside one. Outside a batch, reads and writes go straight through.
 */
export class BatchedKv implements RangeKv {
  /** The held writes by key: a later write of a key replaces the earlier one. */
  private pending: ByteMap<Entry> | undefined;
  /** Held writes of records keyed by their value's hash (writeHashed): not looked up by the batch's reads. */
  private hashed: Array<ReadonlyArray<Entry>> = [];
  private onWritten: Array<() => void> = [];
  private onDropped: Array<() => void> = [];
  /** Writes waiting to go with the next one (writeWithNext), oldest first. */
  private riders: Entry[] = [];
  private ridersTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushLater = (): void => {
    this.ridersTimer = undefined;
    if (this.pending !== undefined) return; // the open batch takes them
    try {
      this.flush();
    } catch (err) {
      process.emitWarning(`store write failed: ${(err as Error).message}`, { code: "QKC_STORE_RIDERS" }); // kept: retried with the next write
    }
  };
  /** Work deferred by `afterWriteSoon`, its writes done: steps, each saying whether more is left. */
  private soon: Array<() => boolean> = [];
  private soonScheduled = false;
  /** One step at a time, so the event loop reads the master's answer between steps. */
  private readonly stepLater = (): void => {
    this.soonScheduled = false;
    try {
      if (this.soon.length > 0 && !this.soon[0]!()) this.soon.shift();
    } catch (err) {
      this.soon.shift();
      // A cache's fill failed: the store is whole (the work runs after its write); say so, do not crash.
      process.emitWarning(`deferred store work failed: ${(err as Error).message}`, { code: "QKC_STORE_DEFERRED" });
    }
    this.scheduleSoon();
  };

  constructor(private readonly inner: RangeKv) {}

  /**
   * Runs `fn` with writes held back, then writes them in one Kv write. If `fn` or the write
   * throws, nothing is written and the `ifDropped` callbacks run. Nested calls join the outer one.
   */
  batch<T>(fn: () => T): T {
    if (this.pending !== undefined) return fn();
    const pending = (this.pending = new ByteMap<Entry>());
    const hashed: Array<ReadonlyArray<Entry>> = (this.hashed = []);
    const written: Array<() => void> = (this.onWritten = []);
    const dropped: Array<() => void> = (this.onDropped = []);
    let result: T;
    try {
      result = fn();
      this.pending = undefined;
      const held = pending.values();
      const riders = this.riders;
      if (hashed.length === 0) this.inner.write(riders.length === 0 ? held : [...riders, ...held]);
      else {
        // One array, filled in place: hashed.flat() took ~0.2 ms for a block's 1,100 records, this ~6 us.
        let size = riders.length + held.length;
        for (const h of hashed) size += h.length;
        const all = new Array<Entry>(size);
        let at = 0;
        for (const h of hashed) for (let i = 0; i < h.length; i++) all[at++] = h[i]!;
        const handedOver = at;
        for (const e of riders) all[at++] = e; // before the batch's own: a later write of a key wins
        for (const e of held) all[at++] = e;
        this.inner.write(all, handedOver);
      }
      this.ridden();
    } catch (err) {
      for (const f of dropped) f();
      throw err;
    } finally {
      this.pending = undefined;
      this.onWritten = this.onDropped = [];
      this.hashed = [];
    }
    for (const f of written) f();
    return result;
  }

  /** Runs `f` once what was written so far is in the Kv: now, or when the open batch is written. */
  afterWrite(f: () => void): void {
    if (this.pending === undefined) f();
    else this.onWritten.push(f);
  }

  /**
   * Runs `step` once what was written so far is in the Kv, but not on the caller's path: one call
   * per turn of the event loop (setImmediate) while it returns true (more to do), or all at once at
   * the next `settle()`. For work no read depends on for its answer (the node cache's admission of
   * a block's nodes): a block's answer waits on the master's answer to its header, and the main
   * thread does this meanwhile, in steps short enough for that answer to be read between them.
   * Never runs if the open batch is dropped.
   */
  afterWriteSoon(step: () => boolean): void {
    this.afterWrite(() => {
      this.soon.push(step);
      this.scheduleSoon();
    });
  }

  private scheduleSoon(): void {
    if (this.soonScheduled || this.soon.length === 0) return;
    this.soonScheduled = true;
    setImmediate(this.stepLater);
  }

  /** Runs the work `afterWriteSoon` deferred to its end, now (before the next block reads what it fills). */
  settle(): void {
    const soon = this.soon;
    while (soon.length > 0) {
      const step = soon[0]!;
      try {
        while (step());
      } finally {
        soon.shift(); // done, or failed: a failed step is not retried (the store is whole either way)
      }
    }
  }

  /** Runs `f` if the open batch is dropped (nothing when no batch is open). */
  ifDropped(f: () => void): void {
    if (this.pending !== undefined) this.onDropped.push(f);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const pending = this.pending;
    if (pending !== undefined) {
      const held = pending.get(key);
      if (held !== undefined) return held[1];
    }
    const riders = this.riders;
    for (let i = riders.length - 1; i >= 0; i--) if (sameBytes(riders[i]![0], key)) return riders[i]![1];
    return this.inner.get(key);
  }

  write(entries: ReadonlyArray<Entry>): void {
    const pending = this.pending;
    if (pending !== undefined) for (const e of entries) pending.set(e[0], e);
    else if (this.riders.length === 0)
      this.inner.write(entries); // nothing handed over: the caller's arrays may be its own
    else {
      this.inner.write([...this.riders, ...entries]);
      this.ridden();
    }
  }

  /**
   * A write that may wait for the next one (the next block's, one Kv write, one LMDB transaction
   * with its sync): reads see it at once; it is written with the next write or batch, within a
   * second (`RIDERS_WAIT_MS`) if none comes, or at `flush`. A process that dies meanwhile loses it:
   * only for records whose loss is harmless (a commit mark: pyquarkchain re-adds an uncommitted block).
   * Inside a batch it is a write of the batch.
   */
  writeWithNext(entries: ReadonlyArray<Entry>): void {
    if (this.pending !== undefined) return this.write(entries);
    for (const e of entries) this.riders.push(e);
    if (this.riders.length >= MAX_RIDERS) return this.flush();
    if (this.ridersTimer === undefined) {
      this.ridersTimer = setTimeout(this.flushLater, RIDERS_WAIT_MS);
      this.ridersTimer.unref();
    }
  }

  /** Writes what waits for the next write (writeWithNext) now. */
  flush(): void {
    if (this.riders.length === 0) return;
    this.inner.write(this.riders);
    this.ridden();
  }

  private ridden(): void {
    this.riders = [];
    if (this.ridersTimer !== undefined) clearTimeout(this.ridersTimer);
    this.ridersTimer = undefined;
  }

  /**
   * Writes records whose key is the hash of their value (trie nodes, code, preimages: a block's
   * state records), handed over to the store (Kv.write's `handedOver`: nothing writes into them). Inside a batch they are held without an index: a read of one of these keys
   * inside the same batch does not see it (nothing reads a block's new state while storing it),
   * and a read of an older record under the same key finds the same value.
   */
  writeHashed(entries: ReadonlyArray<Entry>): void {
    if (this.pending === undefined) this.inner.write(entries, entries.length);
    else if (entries.length > 0) this.hashed.push(entries);
  }

  keysDown(start: Uint8Array, end: Uint8Array): Iterable<Uint8Array> {
    return this.inner.keysDown(start, end);
  }
}
