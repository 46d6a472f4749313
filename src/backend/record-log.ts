/**
 * Byte records (key → value) kept as bytes, not as JS objects: every record is copied into a
 * growing log of large chunks, and found through an open-addressing index of plain integers (the
 * key's hash, the record's number). The in-memory store keeps every record of every block; as
 * JS objects (a key array, a value view, a map entry each: some 400 bytes of V8 heap a trie
 * node) they all survived the young generation and were copied by each scavenge on the way to
 * the old one, a large share of the import's GC time. In chunks they are off the V8 heap and
 * nothing is copied but their bytes, once.
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

/** Per record, in `records`: chunk (-1: gone), offset, key length, value length. */
const FIELDS = 4;

export class RecordLog {
  private readonly chunks: Uint8Array[] = [];
  /** The chunk small records are appended to, its index in `chunks`, and the bytes used in it. */
  private tail = new Uint8Array(0);
  private tailIndex = -1;
  private used = 0;
  private records = new Int32Array(FIELDS * 64);
  private count = 0;
  /** The index: a record's number + 1 per slot (0 empty, -1 a deleted record's), and its key's hash. */
  private slots = new Int32Array(64);
  private hashes = new Int32Array(64);
  /** Slots not empty (records and deleted marks): kept at most half of them, so a probe ends soon. */
  private filled = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  /** The value under `key`: a view of the log (do not write into it), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const at = this.find(key, hashOf(key));
    return at < 0 ? undefined : this.valueOf(this.slots[at]! - 1);
  }

  /** Puts a copy of `key` → `value` (a copy of both: the caller's arrays are not kept). */
  set(key: Uint8Array, value: Uint8Array): void {
    const h = hashOf(key);
    const at = this.find(key, h);
    if (at >= 0) {
      const old = this.slots[at]! - 1;
      if (this.valueIs(old, value)) return;
      this.records[FIELDS * old] = -1;
      this.slots[at] = this.append(key, value) + 1;
      return;
    }
    if (2 * (this.filled + 1) > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i]! > 0) i = (i + 1) & mask;
    if (this.slots[i] === 0) this.filled++;
    this.slots[i] = this.append(key, value) + 1;
    this.hashes[i] = h;
    this.live++;
  }

  delete(key: Uint8Array): void {
    const at = this.find(key, hashOf(key));
    if (at < 0) return;
    this.records[FIELDS * (this.slots[at]! - 1)] = -1;
    this.slots[at] = -1;
    this.live--;
  }

  /** Every key (views of the log), in the order first written. */
  *keys(): IterableIterator<Uint8Array> {
    const r = this.records;
    for (let n = 0; n < this.count; n++) {
      const c = r[FIELDS * n]!;
      if (c >= 0) yield this.chunks[c]!.subarray(r[FIELDS * n + 1]!, r[FIELDS * n + 1]! + r[FIELDS * n + 2]!);
    }
  }

  /** The slot holding `key` (hash `h`), or -1. */
  private find(key: Uint8Array, h: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (s > 0 && this.hashes[i] === h && this.keyIs(s - 1, key)) return i;
    }
  }

  private keyIs(n: number, key: Uint8Array): boolean {
    const r = this.records;
    const length = r[FIELDS * n + 2]!;
    if (length !== key.length) return false;
    const chunk = this.chunks[r[FIELDS * n]!]!;
    const from = r[FIELDS * n + 1]!;
    for (let i = length - 1; i >= 0; i--) if (chunk[from + i] !== key[i]) return false; // the end differs first (hashes)
    return true;
  }

  private valueIs(n: number, value: Uint8Array): boolean {
    const r = this.records;
    const length = r[FIELDS * n + 3]!;
    if (length !== value.length) return false;
    const chunk = this.chunks[r[FIELDS * n]!]!;
    const from = r[FIELDS * n + 1]! + r[FIELDS * n + 2]!;
    for (let i = 0; i < length; i++) if (chunk[from + i] !== value[i]) return false;
    return true;
  }

  private valueOf(n: number): Uint8Array {
    const r = this.records;
    const from = r[FIELDS * n + 1]! + r[FIELDS * n + 2]!;
    return this.chunks[r[FIELDS * n]!]!.subarray(from, from + r[FIELDS * n + 3]!);
  }

  /** Copies the record into the log; returns its number. */
  private append(key: Uint8Array, value: Uint8Array): number {
    const size = key.length + value.length;
    let chunk: Uint8Array;
    let index: number;
    let at: number;
    if (size >= LARGE) {
      chunk = new Uint8Array(size);
      index = this.chunks.push(chunk) - 1;
      at = 0;
    } else {
      if (this.used + size > this.tail.length) {
        this.tail = new Uint8Array(Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, 2 * this.tail.length)));
        this.tailIndex = this.chunks.push(this.tail) - 1;
        this.used = 0;
      }
      chunk = this.tail;
      index = this.tailIndex;
      at = this.used;
      this.used += size;
    }
    copyInto(chunk, at, key);
    copyInto(chunk, at + key.length, value);
    if (FIELDS * (this.count + 1) > this.records.length) {
      const more = new Int32Array(2 * this.records.length);
      more.set(this.records);
      this.records = more;
    }
    const n = this.count++;
    const r = this.records;
    r[FIELDS * n] = index;
    r[FIELDS * n + 1] = at;
    r[FIELDS * n + 2] = key.length;
    r[FIELDS * n + 3] = value.length;
    return n;
  }

  /** A new index with room for twice the records (at most a quarter full), without the deleted marks. */
  private rehash(): void {
    let size = 64;
    while (size < 4 * (this.live + 1)) size *= 2;
    const slots = new Int32Array(size);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < this.slots.length; j++) {
      const s = this.slots[j]!;
      if (s <= 0) continue;
      const h = this.hashes[j]!;
      let i = h & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = s;
      hashes[i] = h;
    }
    this.slots = slots;
    this.hashes = hashes;
    this.filled = this.live;
  }
}

/** Uint8Array.set calls out of JS: for a key or a hash, a loop is quicker. */
function copyInto(out: Uint8Array, at: number, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n > 64) out.set(bytes, at);
  else for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
}

/** FNV-1a over every byte, folded to 30 bits (a small integer on every V8 build). */
function hashOf(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}
