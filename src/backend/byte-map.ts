/**
 * A map keyed by the bytes of a Uint8Array, without a string per key: the in-memory store and a
 * batch's held writes look up and set a key per trie node, account and record of every block, and
 * a hex string per key (allocated, then hashed and compared by the Map) cost more than the lookup.
 * Keys are bucketed by a 30-bit FNV-1a hash of all their bytes (an SMI, which a Map hashes for
 * free) and compared byte for byte within a bucket. The map keeps the key arrays it is given:
 * callers do not write into a key after using it.
 */
export class ByteMap<V> {
  private readonly buckets = new Map<number, Slot<V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    for (let s = this.buckets.get(hashOf(key)); s !== undefined; s = s.next) if (equal(s.key, key)) return s.value;
    return undefined;
  }

  set(key: Uint8Array, value: V): void {
    const h = hashOf(key);
    const first = this.buckets.get(h);
    for (let s = first; s !== undefined; s = s.next)
      if (equal(s.key, key)) {
        s.value = value;
        return;
      }
    this.buckets.set(h, { key, value, next: first });
    this.count++;
  }

  delete(key: Uint8Array): void {
    const h = hashOf(key);
    let prev: Slot<V> | undefined;
    for (let s = this.buckets.get(h); s !== undefined; prev = s, s = s.next) {
      if (!equal(s.key, key)) continue;
      if (prev !== undefined) prev.next = s.next;
      else if (s.next !== undefined) this.buckets.set(h, s.next);
      else this.buckets.delete(h);
      this.count--;
      return;
    }
  }

  /** Every entry, in no particular order. */
  *entries(): IterableIterator<[Uint8Array, V]> {
    for (const first of this.buckets.values())
      for (let s: Slot<V> | undefined = first; s; s = s.next) yield [s.key, s.value];
  }

  /** Every value, in no particular order. */
  values(): V[] {
    const out: V[] = [];
    for (const first of this.buckets.values())
      for (let s: Slot<V> | undefined = first; s; s = s.next) out.push(s.value);
    return out;
  }
}

interface Slot<V> {
  readonly key: Uint8Array;
  value: V;
  next: Slot<V> | undefined;
}

/** FNV-1a over every byte, folded to 30 bits (a small integer on every V8 build). */
function hashOf(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
