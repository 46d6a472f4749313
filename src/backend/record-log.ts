/**
 * Byte records (key → value) kept as bytes, not as JS objects: every record is copied into a
 * growing log of large chunks, and found through an open-addressing index of plain integers (the
 * key's hash, the record's number). The in-memory store keeps every record of every block; as
 * JS objects (a key array, a value view, a map entry each: some 400 bytes of V8 heap a trie
 * node) they all survived the young generation and were copied by each scavenge on the way to
 * the old one, a large share of the import's GC time. In chunks they are off the V8 heap and
 * nothing is copied but their bytes, once.
 *
 * A value handed over (`set(key, value, true)`: a commit's trie nodes, written into the commit's
 * own arena chunks) is not copied: its chunk joins the log as it is. Copying it would cost more
 * than the copy: the first write into fresh memory is a page fault every 4 kB, some 2 us a
 * record on this machine.
 *
 * A rewritten or deleted record leaves its old bytes in the log (nothing is compacted): the
 * store's rewrites are a few small records a block (tips, canonical index), and its big records
 * (trie nodes, blocks, receipts) are written once. Rewriting a record with the same bytes (a
 * content-addressed record stored again) writes nothing.
 */

/** Chunks grow from this size (a store that holds a few records stays small: tests, ephemeral states) ... */
const FIRST_CHUNK = 4096;
/** ... to this one. */
const MAX_CHUNK = 1 << 20;
/** A record at least this large gets a chunk of its own (a block's bytes), so no chunk's tail is wasted. */
const LARGE = MAX_CHUNK >> 4;

/** Per record, in its page: the key's chunk (-1: gone), offset and length, the value's chunk, offset and length. */
const FIELDS = 6;
/**
 * Records per page (a page is 96 kB of integers): the record table grows a page at a time and is
 * never copied (a doubled table, 24 MB at a million records, was copied on some block's path).
 */
const PAGE_BITS = 12;
const PAGE_MASK = (1 << PAGE_BITS) - 1;
/** The first page starts this small and doubles up to a full page (a store of a few records stays small). */
const FIRST_PAGE = 64;
/** While the index is being rebuilt, each new record moves this many of the old index's slots over. */
const MOVE_PER_WRITE = 16;

export class RecordLog {
  private readonly chunks: Uint8Array[] = [];
  /** The chunk records are copied into, its index in `chunks`, and the bytes used in it. */
  private tail: Uint8Array = new Uint8Array(0);
  private tailIndex = -1;
  private used = 0;
  /** The chunks of handed-over values, by their buffer (the last one first: a commit's values come chunk by chunk). */
  private readonly adopted = new Map<ArrayBufferLike, number>();
  private lastAdopted: ArrayBufferLike | undefined;
  private lastAdoptedIndex = -1;
  /** Record n's fields are at FIELDS * (n & PAGE_MASK) in pages[n >>> PAGE_BITS]. */
  private readonly pages: Int32Array[] = [];
  private count = 0;
  /**
   * The index, two integers a slot side by side (one cache line for both): a record's number + 1
   * (0 empty, -1 a deleted or moved record's) and its key's hash.
   */
  private slots = new Int32Array(2 * 64);
  /**
   * The index being replaced by a larger `slots`, or undefined. It is not rebuilt in one go (a
   * stop of tens of ms on some block's path once the store holds 100k records): each new record
   * moves MOVE_PER_WRITE slots, and a key found there is moved at once, so a key is in one index.
   */
  private old: Int32Array | undefined;
  private oldAt = 0;
  /** Slots of `slots` not empty (records and marks): kept at most half of them, so a probe ends soon. */
  private filled = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  /** The value under `key`: a view of the log (do not write into it), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const at = this.find(key, hashOf(key));
    if (at < 0) return undefined;
    const n = this.slots[at]! - 1;
    const r = this.pages[n >>> PAGE_BITS]!;
    const f = FIELDS * (n & PAGE_MASK);
    return this.chunks[r[f + 3]!]!.subarray(r[f + 4]!, r[f + 4]! + r[f + 5]!);
  }

  /**
   * Puts `key` → `value`. The key is copied; so is the value unless `handedOver` (the caller gives
   * it up: nothing writes into it, or into the rest of its buffer, afterwards; the whole buffer is
   * kept). A value under 32 bytes is copied anyway, so that a small view does not keep a large
   * buffer alive.
   */
  set(key: Uint8Array, value: Uint8Array, handedOver = false): void {
    const h = hashOf(key);
    const at = this.find(key, h);
    if (at >= 0) {
      const old = this.slots[at]! - 1;
      if (this.valueIs(old, value)) return;
      this.gone(old);
      this.slots[at] = this.append(key, value, handedOver) + 1;
      return;
    }
    if (this.old !== undefined) this.moveSome(MOVE_PER_WRITE);
    if (4 * (this.filled + 1) > this.slots.length) this.rehash();
    this.place(this.append(key, value, handedOver) + 1, h);
    this.live++;
  }

  delete(key: Uint8Array): void {
    const at = this.find(key, hashOf(key));
    if (at < 0) return;
    this.gone(this.slots[at]! - 1);
    this.slots[at] = -1;
    this.live--;
  }

  /** Every key (views of the log), in the order first written. */
  *keys(): IterableIterator<Uint8Array> {
    for (let n = 0; n < this.count; n++) {
      const r = this.pages[n >>> PAGE_BITS]!;
      const f = FIELDS * (n & PAGE_MASK);
      const c = r[f]!;
      if (c >= 0) yield this.chunks[c]!.subarray(r[f + 1]!, r[f + 1]! + r[f + 2]!);
    }
  }

  /** Where in `slots` the record of `key` (hash `h`) is, or -1 (one found in the old index is moved first). */
  private find(key: Uint8Array, h: number): number {
    const at = this.probe(this.slots, key, h);
    const old = this.old;
    if (at >= 0 || old === undefined) return at;
    const o = this.probe(old, key, h);
    if (o < 0) return -1;
    const s = old[o]!;
    old[o] = -1; // moved: the mark keeps the old index's other probes going
    return this.place(s, h);
  }

  /** Where in `index` the record of `key` (hash `h`) is, or -1. */
  private probe(index: Int32Array, key: Uint8Array, h: number): number {
    const mask = index.length - 2;
    for (let i = (2 * h) & mask; ; i = (i + 2) & mask) {
      const s = index[i]!;
      if (s === 0) return -1;
      if (s > 0 && index[i + 1] === h && this.keyIs(s - 1, key)) return i;
    }
  }

  /** Puts slot value `s` (record number + 1) with hash `h` in `slots`, at the first free or marked slot; where. */
  private place(s: number, h: number): number {
    const slots = this.slots;
    const mask = slots.length - 2;
    let i = (2 * h) & mask;
    while (slots[i]! > 0) i = (i + 2) & mask;
    if (slots[i] === 0) this.filled++;
    slots[i] = s;
    slots[i + 1] = h;
    return i;
  }

  /** Marks record n as rewritten or deleted (keys() skips it). */
  private gone(n: number): void {
    this.pages[n >>> PAGE_BITS]![FIELDS * (n & PAGE_MASK)] = -1;
  }

  private keyIs(n: number, key: Uint8Array): boolean {
    const r = this.pages[n >>> PAGE_BITS]!;
    const f = FIELDS * (n & PAGE_MASK);
    const length = r[f + 2]!;
    if (length !== key.length) return false;
    const chunk = this.chunks[r[f]!]!;
    const from = r[f + 1]!;
    for (let i = length - 1; i >= 0; i--) if (chunk[from + i] !== key[i]) return false; // the end differs first (hashes)
    return true;
  }

  private valueIs(n: number, value: Uint8Array): boolean {
    const r = this.pages[n >>> PAGE_BITS]!;
    const f = FIELDS * (n & PAGE_MASK);
    const length = r[f + 5]!;
    if (length !== value.length) return false;
    const chunk = this.chunks[r[f + 3]!]!;
    const from = r[f + 4]!;
    for (let i = 0; i < length; i++) if (chunk[from + i] !== value[i]) return false;
    return true;
  }

  /** Room for `size` bytes in a chunk of the log's own; sets `tailIndex`/`used` past them, returns their offset. */
  private room(size: number): number {
    if (size >= LARGE) {
      this.chunks.push(uninitialized(size));
      return 0; // the caller finds it at chunks.length - 1
    }
    if (this.used + size > this.tail.length) {
      // The next size up, or the record's own if larger (a chunk under LARGE can be smaller than a record).
      this.tail = uninitialized(Math.max(size, Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, 2 * this.tail.length))));
      this.tailIndex = this.chunks.push(this.tail) - 1;
      this.used = 0;
    }
    const at = this.used;
    this.used += size;
    return at;
  }

  /** The index of the chunk that is `view`'s whole buffer, added to `chunks` if new. */
  private adopt(view: Uint8Array): number {
    const buffer = view.buffer;
    if (buffer === this.lastAdopted) return this.lastAdoptedIndex;
    let index = this.adopted.get(buffer);
    if (index === undefined) {
      index = this.chunks.push(new Uint8Array(buffer)) - 1;
      this.adopted.set(buffer, index);
    }
    this.lastAdopted = buffer;
    return (this.lastAdoptedIndex = index);
  }

  /** Stores the record; returns its number. */
  private append(key: Uint8Array, value: Uint8Array, handedOver: boolean): number {
    const keep = handedOver && value.length >= 32;
    const size = keep ? key.length : key.length + value.length;
    const at = this.room(size);
    const index = size >= LARGE ? this.chunks.length - 1 : this.tailIndex;
    const chunk = this.chunks[index]!;
    chunk.set(key, at);
    let valueIndex = index;
    let valueAt = at + key.length;
    if (keep) {
      valueIndex = this.adopt(value);
      valueAt = value.byteOffset;
    } else chunk.set(value, valueAt);
    const n = this.count++;
    const f = FIELDS * (n & PAGE_MASK);
    let r = this.pages[n >>> PAGE_BITS];
    if (r === undefined || f >= r.length) r = this.newPage(n >>> PAGE_BITS);
    r[f] = index;
    r[f + 1] = at;
    r[f + 2] = key.length;
    r[f + 3] = valueIndex;
    r[f + 4] = valueAt;
    r[f + 5] = value.length;
    return n;
  }

  /** Page p of the record table: a full one, or the first one doubled (copied: it is small). */
  private newPage(p: number): Int32Array {
    const had = this.pages[p];
    const size = p > 0 ? FIELDS << PAGE_BITS : had === undefined ? FIELDS * FIRST_PAGE : 2 * had.length;
    const page = new Int32Array(size);
    if (had !== undefined) page.set(had);
    this.pages[p] = page;
    return page;
  }

  /**
   * Starts a new index with room for twice the records (at most a quarter full), without the
   * deleted marks; the records move over as later ones are written (moveSome).
   */
  private rehash(): void {
    if (this.old !== undefined) this.moveSome(this.old.length); // writes outran the moves (many deletes)
    let size = 64;
    while (size < 4 * (this.live + 1)) size *= 2;
    this.old = this.slots;
    this.oldAt = 0;
    this.slots = new Int32Array(2 * size);
    this.filled = 0;
  }

  /** Moves the next `count` slots of the old index into `slots` (the index is new when the old one is done). */
  private moveSome(count: number): void {
    const old = this.old!;
    const end = Math.min(old.length, this.oldAt + 2 * count);
    for (let j = this.oldAt; j < end; j += 2) {
      const s = old[j]!;
      if (s <= 0) continue;
      old[j] = -1;
      this.place(s, old[j + 1]!);
    }
    this.oldAt = end;
    if (end === old.length) this.old = undefined;
  }
}

/**
 * A chunk's memory, not zeroed first (new Uint8Array(n) memsets it: a pass over a MB that is about to
 * be written anyway). Only the bytes records are copied into are ever read.
 */
function uninitialized(size: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
}

/** FNV-1a over every byte, folded to 30 bits (a small integer on every V8 build). */
function hashOf(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}
