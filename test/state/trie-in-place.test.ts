import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";
import { Trie, TrieNodeCache, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { type SeededRandom, makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/**
 * A trie changes the nodes its edits made since it last hashed, committed, copied or walked
 * itself in place (node.ts). These runs interleave those events with runs of edits on several
 * tries that share nodes (copies, reopened roots, one node cache), and check every trie against
 * its own model: a node changed in place that someone else could see shows up as a wrong root,
 * entry or value elsewhere, and a record changed after its commit as a record whose hash is off.
 */

type Model = Map<string, readonly [Uint8Array, Uint8Array]>;
interface Live {
  trie: Trie;
  model: Model;
}

const sorted = (model: Model) =>
  [...model.values()].sort((a, b) => Buffer.compare(a[0], b[0])).map(([k, v]) => [hex(k), hex(v)]);
const listed = (entries: Iterable<[Uint8Array, Uint8Array]>) => [...entries].map(([k, v]) => [hex(k), hex(v)]);

/** Short keys from a small alphabet (prefixes, extensions, collapses), or 32 random bytes (deep, account-like). */
function randomKey(random: SeededRandom): Uint8Array {
  if (random.int(3) === 0) return random.bytes(32);
  const key = new Uint8Array(random.int(5));
  for (let i = 0; i < key.length; i++) key[i] = random.pick([0x00, 0x01, 0x10, 0x11, 0xff]);
  return key;
}
const randomValue = (random: SeededRandom) => random.bytes(random.pick([1, 3, 20, 40, 100]));

/** A key the model has, if any (so that deletes and rewrites hit). */
function knownKey(model: Model, random: SeededRandom): Uint8Array | undefined {
  if (model.size === 0) return undefined;
  const keys = [...model.values()];
  return keys[random.int(keys.length)]![0];
}

function edit(live: Live, random: SeededRandom): void {
  const key = (random.int(2) === 0 ? knownKey(live.model, random) : undefined) ?? randomKey(random);
  if (random.int(4) === 0) {
    live.trie.delete(key);
    live.model.delete(hex(key));
  } else {
    const value = randomValue(random);
    live.trie.put(key, value);
    live.model.set(hex(key), [key, value]);
  }
}

t.test("edits in place stay invisible to copies, walks, commits and the node cache", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-in-place");
  for (let run = 0; run < 12; run++) {
    const cache = new TrieNodeCache(run % 2 === 0 ? 25_000 : 40); // a small cache drops nodes, and memos miss
    const kv = TrieNodeDb.memory().kv;
    const pool: Live[] = [{ trie: new Trie(new TrieNodeDb(kv, cache)), model: new Map() }];
    /** Every record handed out so far, as its bytes were at its commit. */
    const records: { key: Uint8Array; value: Uint8Array; was: string }[] = [];
    let bad = 0;
    for (let step = 0; step < 600; step++) {
      const live = pool[random.int(pool.length)]!;
      const roll = random.int(100);
      if (roll < 70) {
        for (let n = 1 + random.int(12); n > 0; n--) edit(live, random); // a run of edits, nothing hashed between
      } else if (roll < 78) {
        const twin = { trie: live.trie.copy(), model: new Map(live.model) };
        if (pool.length < 4) pool.push(twin);
        else pool[random.int(pool.length)] = twin;
      } else if (roll < 84) {
        if (hex(live.trie.root()) !== hex(trieRoot(live.model.values()))) bad++;
      } else if (roll < 92) {
        const { root, writes, nodes } = live.trie.commit();
        for (const [key, value] of writes) records.push({ key, value, was: hex(value) });
        live.trie.db.write(writes);
        if (random.int(2) === 0) cache.admit(nodes);
        if (hex(root) !== hex(trieRoot(live.model.values()))) bad++;
        // Sometimes go on from the stored root in a new trie, sharing the cache (the next block's state).
        if (random.int(3) === 0) live.trie = new Trie(new TrieNodeDb(kv, cache), root);
      } else if (roll < 96) {
        // A walk begun, the trie edited, the walk finished: it sees the trie as it began.
        const walking = live.trie.entries();
        const before = sorted(live.model);
        const first = walking.next();
        for (let n = 1 + random.int(6); n > 0; n--) edit(live, random);
        const rest = first.done ? [] : [first.value, ...walking];
        if (JSON.stringify(listed(rest)) !== JSON.stringify(before)) bad++;
      } else {
        for (const [k, v] of live.model.values()) if (hex(live.trie.get(k) ?? new Uint8Array()) !== hex(v)) bad++;
      }
    }
    t.equal(bad, 0, `run ${run}: roots, walks and gets agree with each trie's model`);
    for (const [i, live] of pool.entries()) {
      t.same(listed(live.trie.entries()), sorted(live.model), `run ${run}: trie ${i}'s entries`);
      t.equal(hex(live.trie.root()), hex(trieRoot(live.model.values())), `run ${run}: trie ${i}'s root`);
    }
    const changed = records.filter((r) => hex(r.value) !== r.was || hex(keccak256(r.value)) !== hex(r.key.subarray(2)));
    t.equal(changed.length, 0, `run ${run}: ${records.length} records as committed, each under its hash`);
  }
});

t.test("a copy edited after the original: both go on from the shared nodes", async (t) => {
  const db = TrieNodeDb.memory();
  const trie = new Trie(db);
  const keys = Array.from({ length: 64 }, (_, i) => keccak256(Uint8Array.of(i)));
  for (const key of keys) trie.put(key, Uint8Array.of(1)); // one generation: the top branch is changed 64 times in place
  const copy = trie.copy();
  trie.put(keys[0]!, Uint8Array.of(2));
  copy.put(keys[0]!, Uint8Array.of(3));
  copy.put(keccak256(Uint8Array.of(200)), Uint8Array.of(4));
  t.same([...trie.get(keys[0]!)!], [2]);
  t.same([...copy.get(keys[0]!)!], [3]);
  t.equal(trie.get(keccak256(Uint8Array.of(200))), undefined, "the copy's new key is the copy's only");
  const model = (v: number) => keys.map((k, i) => [k, Uint8Array.of(i === 0 ? v : 1)] as const);
  t.equal(hex(trie.root()), hex(trieRoot(model(2))));
  t.equal(hex(copy.root()), hex(trieRoot([...model(3), [keccak256(Uint8Array.of(200)), Uint8Array.of(4)] as const])));
});
