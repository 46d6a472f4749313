import t from "tap";
import { HashKeyedMap, hashKey } from "../../src/backend/state/trie/hash-key.ts";
import { TrieNodeCache } from "../../src/backend/state/trie/node-cache.ts";
import { BRANCH, EMPTY_CHILDREN, LEAF, branch, hashed, leaf } from "../../src/backend/state/trie/node.ts";
import { Trie } from "../../src/backend/state/trie/trie.ts";
import { TrieNodeDb } from "../../src/backend/state/trie/node-db.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";

/** A 32-byte hash whose first four bytes (the bucket) are `bucket`'s and whose last byte is `tag`. */
function hashOf(bucket: number, tag: number): Uint8Array {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, bucket, true);
  h[31] = tag;
  return h;
}
/** A branch (the clock holds branches and extensions; leaves have a ring of their own) told apart by its value. */
const nodeTagged = (tag: number) => branch(EMPTY_CHILDREN.slice(), Uint8Array.of(tag));
const tagOf = (cache: TrieNodeCache, h: Uint8Array) => {
  const n = cache.get(h);
  return n === undefined ? undefined : n.kind === BRANCH ? n.value![0] : -1;
};

t.test("a full node cache drops a node not read since the clock last passed it, keeping the ones read", async (t) => {
  const cache = new TrieNodeCache(3);
  const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((i) => hashOf(i * 1000, i));
  cache.set(a!, nodeTagged(1));
  cache.set(b!, nodeTagged(2));
  cache.set(c!, nodeTagged(3));
  t.equal(tagOf(cache, a!), 1, "a read marks a as used");
  cache.set(d!, nodeTagged(4));
  t.equal(cache.size, 3);
  t.equal(cache.get(b!), undefined, "b, not read, went; a had a second chance");
  t.same(
    [a, c, d].map((h) => tagOf(cache, h!)),
    [1, 3, 4],
    "(reading each marks all three used)",
  );
  cache.set(e!, nodeTagged(5));
  t.equal(cache.size, 3, "all used: the hand clears every mark and takes the first it passed");
  t.same(
    [a, c, d, e].map((h) => tagOf(cache, h!)),
    [1, undefined, 4, 5],
  );
  cache.set(d!, nodeTagged(44));
  t.equal(cache.size, 3, "setting a cached hash again replaces its node");
  t.equal(tagOf(cache, d!), 44);
  t.equal(cache.get(Uint8Array.from(a!)), cache.get(a!), "looked up by the bytes, not the array");
  t.throws(() => new TrieNodeCache(0), RangeError);
});

t.test("hashes sharing their first four bytes are told apart, and dropped one by one", async (t) => {
  const cache = new TrieNodeCache(4);
  const same = [1, 2, 3, 4, 5].map((tag) => hashOf(0xdeadbeef, tag));
  t.equal(new Set(same.map((h) => hashKey(h))).size, 1, "one bucket");
  for (const [i, h] of same.slice(0, 4).entries()) cache.set(h, nodeTagged(i + 1));
  t.equal(cache.get(same[4]!), undefined, "a hash of the bucket not cached");
  t.same(
    [0, 2, 3].map((i) => tagOf(cache, same[i]!)),
    [1, 3, 4],
    "all but the second read",
  );
  cache.set(same[4]!, nodeTagged(5));
  t.same(
    same.map((h) => tagOf(cache, h)),
    [1, undefined, 3, 4, 5],
    "the chain's second entry went",
  );
  for (let i = 0; i < 10; i++) cache.set(hashOf(i, 100 + i), nodeTagged(100 + i));
  t.equal(cache.size, 4);
  t.same(
    same.map((h) => cache.get(h)),
    [undefined, undefined, undefined, undefined, undefined],
    "all of the bucket gone",
  );
});

t.test("a child known by hash remembers its cache entry while the node is cached, and only then", async (t) => {
  const cache = new TrieNodeCache(2);
  const other = new TrieNodeCache(2);
  const [a, b, c] = [1, 2, 3].map((i) => hashOf(i * 77, i));
  const child = hashed(a!);
  t.equal(cache.resolve(child), undefined, "not cached: nothing, nothing remembered");
  t.equal(child.cached, undefined);
  cache.set(a!, nodeTagged(1));
  t.equal(cache.resolve(child), cache.get(a!), "found by its hash");
  const entry = child.cached;
  t.ok(entry);
  t.equal(cache.resolve(child), cache.get(a!), "then by its entry");
  t.equal(other.resolve(child), undefined, "another cache does not answer from this one's entry");
  t.equal(child.cached, entry, "(and a miss there leaves the entry)");
  // a, read, has one second chance: three more nodes push it out
  for (const h of [b!, c!, hashOf(9, 9)]) cache.set(h, nodeTagged(h[31]!));
  t.equal(cache.get(a!), undefined, "a dropped");
  t.equal(entry!.node, undefined, "its entry emptied");
  t.equal(cache.resolve(child), undefined, "the child's memory misses");
  const reread = nodeTagged(1);
  cache.set(a!, reread, child);
  t.equal(cache.resolve(child), reread, "cached again, and remembered by the child that was read");
  t.not(child.cached, entry);
});

t.test("leaves go first in first out in a ring of their own, and never push a branch out", async (t) => {
  const cache = new TrieNodeCache(2, 3);
  const [x, y] = [1, 2].map((i) => hashOf(i * 31, i));
  cache.set(x!, nodeTagged(1));
  cache.set(y!, nodeTagged(2));
  const leafHashes = [1, 2, 3, 4, 5].map((i) => hashOf(i * 1013 + 7, 50 + i));
  const leafOf = (i: number) => leaf(Uint8Array.of(1), Uint8Array.of(50 + i));
  for (const [i, h] of leafHashes.slice(0, 3).entries()) cache.set(h, leafOf(i));
  t.equal(cache.size, 5, "two branches and three leaves");
  t.ok(cache.get(leafHashes[0]!), "(the first leaf read: a ring gives no second chance)");
  cache.set(leafHashes[3]!, leafOf(3));
  cache.set(leafHashes[4]!, leafOf(4));
  t.same(
    leafHashes.map((h) => cache.get(h)?.kind),
    [undefined, undefined, 0, 0, 0],
    "the two oldest leaves went, read or not",
  );
  t.same([tagOf(cache, x!), tagOf(cache, y!)], [1, 2], "the branches stayed");
  t.equal(cache.size, 5);
  t.throws(() => new TrieNodeCache(1, 0), RangeError);
});

t.test("a hash-keyed map finds keys by their bytes after a tag, whatever their first bytes", async (t) => {
  const map = new HashKeyedMap<string>(2);
  const key = (tag: number, bucket: number, last: number) => {
    const k = new Uint8Array(34);
    k[0] = tag;
    new DataView(k.buffer).setUint32(2, bucket, true);
    k[33] = last;
    return k;
  };
  t.ok(map.add(key(1, 7, 1), "a"));
  t.ok(map.add(key(2, 7, 1), "b"), "another tag, same hash bytes");
  t.ok(map.add(key(1, 7, 2), "c"));
  t.notOk(map.add(key(1, 7, 1), "x"), "a key already there stays as it was");
  t.equal(map.size, 3);
  t.same(
    [map.get(key(1, 7, 1)), map.get(key(2, 7, 1)), map.get(key(1, 7, 2)), map.get(key(1, 8, 1))],
    ["a", "b", "c", undefined],
  );
  t.ok(map.has(key(2, 7, 1)));
  t.notOk(map.has(key(2, 7, 2)));
});

t.test("a node read below a committed branch keeps its hash apart from the commit's record chunk", async (t) => {
  // Committed branches are admitted packed: their records are views into the commit's 64 kB chunks
  // (trie.ts), and a child's hash read from such a record is a view into the same chunk.
  const db = new TrieNodeDb(new MemoryKvEnv().shard(0), new TrieNodeCache(1000));
  const trie = new Trie(db);
  const keys = Array.from({ length: 64 }, (_, i) => keccak256(Uint8Array.of(i)));
  for (const k of keys) trie.put(k, Uint8Array.of(1, 2, 3));
  const commit = trie.commit();
  db.kv.write(commit.writes);
  db.cache.admit(commit.nodes); // branches only: the leaves are read from the store
  const reopened = new Trie(db, commit.root);
  for (const k of keys) t.same(reopened.get(k), Uint8Array.of(1, 2, 3));
  t.equal(db.reads, 64, "each leaf was read from the store, below a cached branch");
  const leafHashes = commit.nodes.filter((n) => n.kind === LEAF).map((n) => n.hash!);
  const kept = leafHashes.map((h) => db.cache.get(h)).filter((n) => n !== undefined);
  t.ok(kept.length > 0, "leaves read are cached");
  const chunked = kept.filter((n) => n.hash!.buffer.byteLength !== 32);
  t.equal(chunked.length, 0, "each read node's hash is 32 bytes of its own, not a view that keeps a chunk alive");
});
