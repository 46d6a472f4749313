import t from "tap";
import { hex, sameBytes } from "../../src/codec/bytes.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { secureTrieRoot, trieRoot } from "../../harness/trie-oracle.ts";
import {
  BLANK_ROOT,
  MissingTrieNodeError,
  SecureTrie,
  Trie,
  TrieNodeCache,
  TrieNodeDb,
} from "../../src/backend/state/trie/index.ts";
import { BRANCH, EXTENSION, HASHED, LEAF } from "../../src/backend/state/trie/node.ts";
import { type SeededRandom, makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/** The expected content of a trie: hex key → [key, value]. */
type Model = Map<string, readonly [Uint8Array, Uint8Array]>;

const sorted = (model: Model) =>
  [...model.values()].sort((a, b) => Buffer.compare(a[0], b[0])).map(([k, v]) => [hex(k), hex(v)]);
const listed = (entries: Iterable<[Uint8Array, Uint8Array]>) => [...entries].map(([k, v]) => [hex(k), hex(v)]);

/**
 * Keys from a small alphabet and of many lengths, so a run hits every shape: keys that are
 * prefixes of others (branch values), long shared paths (extensions), splits and collapses.
 */
function randomKey(random: SeededRandom): Uint8Array {
  const key = new Uint8Array(random.int(5));
  for (let i = 0; i < key.length; i++) key[i] = random.pick([0x00, 0x01, 0x10, 0x11, 0xff]);
  return key;
}
/** Values short (inlined nodes) and long (hashed nodes). */
const randomValue = (random: SeededRandom) => random.bytes(random.pick([1, 3, 20, 40, 100]));

/** One random edit of both the trie and its model: a delete one time in `deleteOneIn`, else a put. */
function randomEdit(trie: Trie, model: Model, random: SeededRandom, deleteOneIn: number): void {
  const key = randomKey(random);
  if (random.int(deleteOneIn) === 0) {
    trie.delete(key);
    model.delete(hex(key));
  } else {
    const value = randomValue(random);
    trie.put(key, value);
    model.set(hex(key), [key, value]);
  }
}

t.test("random puts and deletes agree with the whole-trie oracle after every step", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-oracle");
  for (let run = 0; run < 20; run++) {
    let trie = new Trie(TrieNodeDb.memory());
    const model: Model = new Map();
    let bad = 0;
    for (let step = 0; step < 150; step++) {
      if (step % 50 === 49) {
        // Go on from the stored root with an empty cache: the edits now meet nodes known only by hash.
        const { root, writes } = trie.commit();
        trie.db.write(writes);
        trie = new Trie(new TrieNodeDb(trie.db.kv), root);
      }
      randomEdit(trie, model, random, 3);
      if (hex(trie.root()) !== hex(trieRoot(model.values()))) bad++;
    }
    t.equal(bad, 0, `run ${run}: roots`);
    t.same(listed(trie.entries()), sorted(model), `run ${run}: entries in key order`);
    for (const [k, v] of model.values()) if (hex(trie.get(k) ?? new Uint8Array()) !== hex(v)) bad++;
    t.equal(trie.get(Uint8Array.of(0x42)), undefined, "an absent key");
    t.equal(bad, 0, `run ${run}: every get`);
  }
});

t.test("the secure trie agrees with the oracle; deleting every key gives the blank root", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("secure-trie-oracle");
  const trie = new SecureTrie(TrieNodeDb.memory());
  const model: Model = new Map();
  const keys = Array.from({ length: 300 }, () => random.bytes(20));
  for (const key of keys) {
    const value = randomValue(random);
    trie.put(key, value);
    model.set(hex(key), [key, value]);
  }
  t.equal(hex(trie.root()), hex(secureTrieRoot(model.values())));
  t.same(
    listed(trie.hashedEntries()),
    [...model.values()].map(([k, v]) => [hex(keccak256(k)), hex(v)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    "hashed entries in hashed-key order",
  );
  // get_total_balance's paging: from 32 zero bytes, `limit` entries a call, each call resuming after the last key.
  const paged: string[] = [];
  let cursor: Uint8Array = new Uint8Array(32);
  for (let full = true; full;) {
    let n = 0;
    for (let entry; n < 7 && (entry = trie.nextHashed(cursor)) !== undefined; n++) {
      paged.push(hex(entry[0]));
      cursor = entry[0];
    }
    full = n === 7;
  }
  t.same(
    paged,
    listed(trie.hashedEntries()).map(([k]) => k),
    "paging by nextHashed visits every account once, in order",
  );

  const { writes } = trie.commit();
  trie.db.write(writes);
  for (const key of keys) trie.put(key, new Uint8Array()); // an empty value deletes (update in pyquarkchain's callers)
  t.ok(trie.isEmpty());
  t.equal(hex(trie.root()), hex(BLANK_ROOT));
  t.same(trie.commit(), { root: BLANK_ROOT, writes: [], nodes: [] });
  t.equal(hex(BLANK_ROOT), "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
});

t.test("entries from a key and descending agree with the sorted model", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-walk");
  const trie = new Trie(TrieNodeDb.memory());
  const model: Model = new Map();
  for (let i = 0; i < 200; i++) {
    const key = randomKey(random);
    const value = randomValue(random);
    trie.put(key, value);
    model.set(hex(key), [key, value]);
  }
  const all = sorted(model);
  const { root, writes } = trie.commit();
  trie.db.write(writes);
  const stored = new Trie(new TrieNodeDb(trie.db.kv), root); // its walks read nodes from the Kv
  let bad = 0;
  for (let i = 0; i < 300; i++) {
    const from = randomKey(random);
    const f = hex(from);
    const up = all.filter(([k]) => Buffer.compare(Buffer.from(k!, "hex"), from) >= 0);
    const down = all.filter(([k]) => Buffer.compare(Buffer.from(k!, "hex"), from) <= 0).reverse();
    const walked = i % 2 === 0 ? trie : stored;
    if (JSON.stringify(listed(walked.entries(from))) !== JSON.stringify(up)) bad++;
    if (JSON.stringify(listed(walked.entriesDescending(from))) !== JSON.stringify(down)) bad++;
    const next = walked.next(from);
    const prev = walked.prev(from);
    if ((next ? hex(next[0]) : undefined) !== up.find(([k]) => k !== f)?.[0]) bad++;
    if ((prev ? hex(prev[0]) : undefined) !== down.find(([k]) => k !== f)?.[0]) bad++;
  }
  t.equal(bad, 0, "300 bounds, four walks each");
  t.same(listed(trie.entriesDescending()), [...all].reverse());
  t.same(listed(stored.entries()), all);

  const walking = trie.entries();
  const firstTwo = [walking.next().value, walking.next().value];
  for (const [k] of all) trie.delete(Buffer.from(k!, "hex"));
  t.ok(trie.isEmpty());
  t.same(
    listed([...firstTwo, ...walking] as [Uint8Array, Uint8Array][]),
    all,
    "a walk begun before the edits sees them not",
  );
});

/** A committed secure trie of n random 20-byte keys (accounts-like values), its nodes written. */
function filled(n: number, random: SeededRandom): { trie: SecureTrie; keys: Uint8Array[]; writes: number } {
  const trie = new SecureTrie(TrieNodeDb.memory());
  const keys = Array.from({ length: n }, () => random.bytes(20));
  for (const key of keys) trie.put(key, random.bytes(70));
  const { writes } = trie.commit();
  trie.db.write(writes);
  return { trie, keys, writes: writes.length };
}

t.test("a block's writes are in proportion to the keys it changes, not to the trie", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-cost");
  const { trie, keys, writes } = filled(10_000, random);
  t.ok(writes > 10_000, `the first commit writes every node (${writes})`);
  t.same(trie.commit().writes, [], "a commit without changes writes nothing");
  trie.put(keys[1234]!, trie.get(keys[1234]!)!);
  t.same(trie.commit().writes, [], "rewriting a value it already has changes nothing");

  trie.put(keys[77]!, random.bytes(70));
  const one = trie.commit();
  // The path to a leaf of 10k random keys is about log16(10k) ≈ 3.3 branches, plus the leaf.
  t.ok(one.writes.length >= 3 && one.writes.length <= 6, `one key changed: ${one.writes.length} node writes`);
  trie.db.write(one.writes);

  for (let i = 0; i < 10; i++) trie.put(random.bytes(20), random.bytes(70));
  const ten = trie.commit();
  t.ok(ten.writes.length <= 60, `ten keys added: ${ten.writes.length} node writes`);
  for (const [key] of ten.writes) t.equal(hex(key.subarray(0, 2)), "746e", "every record is under the tn prefix");
});

t.test("old roots stay readable after later commits; copies and reopened tries are independent", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-history");
  const db = TrieNodeDb.memory();
  const trie = new Trie(db);
  const roots: { root: Uint8Array; content: string[][] }[] = [];
  const model: Model = new Map();
  for (let block = 0; block < 8; block++) {
    for (let i = 0; i < 30; i++) randomEdit(trie, model, random, 4);
    const { root, writes } = trie.commit();
    db.write(writes);
    roots.push({ root, content: sorted(model) });
  }
  for (const [i, { root, content }] of roots.entries()) {
    const reopened = new Trie(new TrieNodeDb(db.kv), root); // a fresh cache: every node comes from the Kv
    t.same(listed(reopened.entries()), content, `block ${i}'s root reads back its entries`);
    t.equal(hex(reopened.root()), hex(root));
  }

  const copy = trie.copy();
  copy.put(Uint8Array.of(9, 9), Uint8Array.of(1));
  t.equal(trie.get(Uint8Array.of(9, 9)), undefined, "an edit of the copy leaves the original alone");
  t.equal(hex(trie.root()), hex(roots.at(-1)!.root));

  const stranger = new Uint8Array(32).fill(7);
  t.throws(() => new Trie(db, stranger), MissingTrieNodeError, "a root the store never had");
});

t.test("the node cache saves reads from the Kv on a hot path", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-cache");
  const { trie, keys } = filled(2000, random);
  const db = new TrieNodeDb(trie.db.kv);
  const first = new SecureTrie(db, trie.root());
  for (const key of keys.slice(0, 50)) first.get(key);
  const cold = db.reads;
  t.ok(cold > 50 && cold < 300, `50 cold gets read ${cold} nodes`);
  const second = new SecureTrie(db, trie.root());
  for (const key of keys.slice(0, 50)) t.ok(second.get(key));
  t.equal(db.reads, cold, "the same gets again read nothing from the Kv");

  const sibling = new TrieNodeDb(trie.db.kv, db.cache); // the next block's state, sharing the shard's cache
  const third = new SecureTrie(sibling, trie.root());
  for (const key of keys.slice(0, 50)) t.ok(third.get(key));
  t.equal(sibling.reads, 0, "a store sharing the cache reads nothing either");
  t.notOk(new TrieNodeDb(TrieNodeDb.memory().kv, db.cache).has(trie.root()), "has() asks its own Kv, not the cache");
  t.ok(sibling.has(trie.root()));
});

t.test(
  "a commit's branches and extensions, admitted to a node cache, answer for the store (children by hash); its leaves stay in the store",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("trie-admit");
    const cache = new TrieNodeCache();
    let trie = new Trie(TrieNodeDb.memory());
    const model: Model = new Map();
    for (let block = 0; block < 5; block++) {
      for (let i = 0; i < 40; i++) {
        const key = random.bytes(1 + random.int(8));
        const value = randomValue(random);
        trie.put(key, value);
        model.set(hex(key), [key, value]);
      }
      const { root, writes, nodes } = trie.commit();
      t.equal(nodes.length, writes.length, "a node for each record");
      trie.db.write(writes);
      cache.admit(nodes);
      const leaves = nodes.filter((n) => n.kind === LEAF);
      t.ok(leaves.length > 0 && leaves.length < nodes.length, "(the commit made leaves and other nodes)");
      t.ok(
        nodes.every((n) => (n.kind === LEAF ? cache.get(n.hash!) === undefined : cache.get(n.hash!) === n)),
        "every node admitted but the leaves",
      );
      // A store with the leaves' records alone: the cache answers for every other node.
      const leafRecords = writes.filter((_, i) => nodes[i]!.kind === LEAF);
      const store = new TrieNodeDb(TrieNodeDb.memory().kv, cache);
      store.write(leafRecords);
      const cached = new Trie(store, root);
      t.same(listed(cached.entries()), sorted(model), `after commit ${block}, every entry read`);
      t.ok(store.reads <= leafRecords.length, "only leaves were read from the store");
      trie = new Trie(new TrieNodeDb(trie.db.kv, cache), root);
    }
    const top = cache.get(trie.root())!;
    if (top.kind === BRANCH) {
      t.equal(top.children, undefined, "a cached branch is packed: its record, not the nodes a commit made");
      t.ok(top.enc !== undefined && sameBytes(keccak256(top.enc), top.hash!), "its record is its RLP");
    } else if (top.kind === EXTENSION) {
      const c = top.child;
      t.ok(c.kind === HASHED || (c.enc !== undefined && c.enc.length < 32), "an extension holds its child by hash");
    }
  },
);

t.test(
  "a trie (and a copy taken before) goes on after its nodes were admitted: reads, edits and roots as before",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("trie-admit-live");
    const cache = new TrieNodeCache();
    const trie = new Trie(new TrieNodeDb(TrieNodeDb.memory().kv, cache));
    const model: Model = new Map();
    for (let block = 0; block < 6; block++) {
      const before = trie.copy();
      const beforeModel: Model = new Map(model);
      for (let i = 0; i < 30; i++) randomEdit(trie, model, random, 4);
      const { root, writes, nodes } = trie.commit();
      trie.db.write(writes);
      // The admitted nodes are the trie's own: admitting swaps their in-memory children for hashes.
      cache.admit(nodes);
      t.same(listed(trie.entries()), sorted(model), `commit ${block}: the trie reads through the hashes`);
      t.same(listed(before.copy().entries()), sorted(beforeModel), "an older copy still reads its own entries");
      t.equal(hex(root), hex(trieRoot([...model.values()])), "the root is the oracle's");
    }
    t.equal(hex(trie.root()), hex(trieRoot([...model.values()])), "edits after admission give the oracle's root");
  },
);

t.test("a packed branch admitted with its children finds them in the cache, by the hashes in its record", async (t) => {
  const cache = new TrieNodeCache();
  const trie = new SecureTrie(new TrieNodeDb(TrieNodeDb.memory().kv, cache));
  for (let i = 0; i < 200; i++) trie.put(Uint8Array.of(i), new Uint8Array(40).fill(i));
  const { root, writes, nodes } = trie.commit();
  trie.db.write(writes);
  cache.admit(nodes);
  const top = cache.get(root)!;
  if (top.kind !== BRANCH) return t.fail("the root of 200 keys is a branch");
  const bare = new TrieNodeDb(TrieNodeDb.memory().kv, cache); // no records: only the cache can answer
  for (let i = 0; i < 16; i++) {
    const child = bare.child(top, i);
    t.ok(
      child !== undefined && child.kind === BRANCH && child === cache.get(child.hash!),
      `slot ${i}: the cached branch`,
    );
  }
  t.equal(bare.reads, 0, "nothing read from a store");
});

t.test(
  "every committed record is its node's RLP under keccak256 of it, and stays so through later commits",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("trie-records");
    const db = TrieNodeDb.memory();
    const trie = new Trie(db);
    const model: Model = new Map();
    const kept: [key: Uint8Array, value: Uint8Array, copy: string][] = [];
    for (let block = 0; block < 12; block++) {
      for (let i = 0; i < 40; i++) randomEdit(trie, model, random, 5);
      // Half the blocks hash the trie before committing: the commit then copies the node's hash into its key.
      const hashedFirst = block % 2 === 0 ? hex(trie.root()) : undefined;
      const { root, writes } = trie.commit();
      if (hashedFirst !== undefined) t.equal(hex(root), hashedFirst, "the root a commit gives is the one root() gave");
      for (const [key, value] of writes) {
        kept.push([key, value, hex(value)]);
        // The root is written under its hash even when short (its record is then its RLP, under 32 bytes).
        if (value.length < 32) t.equal(hex(key.subarray(2)), hex(root), "a short record is the root's");
      }
      db.write(writes);
      t.equal(hex(root), hex(trieRoot(model.values())), `block ${block}: the oracle's root`);
    }
    let bad = 0;
    for (const [key, value, copy] of kept) {
      if (hex(key.subarray(0, 2)) !== "746e" || hex(key.subarray(2)) !== hex(keccak256(value)) || hex(value) !== copy)
        bad++;
    }
    t.equal(bad, 0, `all ${kept.length} records: "tn" + keccak256(value), their bytes unchanged by later commits`);
  },
);
