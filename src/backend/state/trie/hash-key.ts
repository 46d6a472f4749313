/**
 * Maps keyed by a hash without a hex string per lookup: the key of the JS Map is a small integer
 * taken from four of the hash's bytes (a keccak output is uniform), and each entry keeps the whole
 * hash, compared on lookup, with the rare entries whose four bytes coincide chained behind it.
 * Building and hashing a 64-character string per node lookup was the node cache's main cost.
 */

/** 30 bits of the hash's bytes at [at, at + 4): a small integer (Smi) on every V8 build. */
export function hashKey(hash: Uint8Array, at = 0): number {
  return hash[at]! | (hash[at + 1]! << 8) | (hash[at + 2]! << 16) | ((hash[at + 3]! & 0x3f) << 24);
}

/** Whether two byte strings are equal, looking at the end first (the start chose the bucket). */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  let i = a.length;
  if (i !== b.length) return false;
  while (i-- > 0) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `key` is the bytes at[at, at + key.length) of `bytes` (a hash inside a record), end first. */
export function sameKeyAt(key: Uint8Array, bytes: Uint8Array, at: number): boolean {
  let i = key.length;
  while (i-- > 0) if (key[i] !== bytes[at + i]) return false;
  return true;
}

interface Entry<V> {
  readonly key: Uint8Array;
  readonly value: V;
  /** The next entry whose four bytes are the same. */
  same: Entry<V> | undefined;
}

/**
 * A map from byte-string keys to values, for keys that hold a hash at `at` (StateDb's records:
 * a two-letter tag, then a keccak hash). Entries are only added (records are never deleted).
 */
export class HashKeyedMap<V> {
  private readonly map = new Map<number, Entry<V>>();
  private count = 0;

  constructor(private readonly at = 0) {}

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    for (let e = this.map.get(hashKey(key, this.at)); e !== undefined; e = e.same)
      if (sameKey(e.key, key)) return e.value;
    return undefined;
  }

  has(key: Uint8Array): boolean {
    for (let e = this.map.get(hashKey(key, this.at)); e !== undefined; e = e.same) if (sameKey(e.key, key)) return true;
    return false;
  }

  /** Adds key → value unless the key is there already; returns whether it was added. */
  add(key: Uint8Array, value: V): boolean {
    const k = hashKey(key, this.at);
    const first = this.map.get(k);
    for (let e = first; e !== undefined; e = e.same) if (sameKey(e.key, key)) return false;
    this.map.set(k, { key, value, same: first });
    this.count++;
    return true;
  }
}
