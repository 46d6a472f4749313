import t, { type Test } from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";
import { Trie, TrieNodeCache, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { ALL_SLOTS, BRANCH, type ResolvedNode } from "../../src/backend/state/trie/node.ts";
import { type SeededRandom, makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/**
 * Copy-on-write of packed branches (node.ts BranchNode.own/base, branch-copy.ts): an edit that
 * copies a branch read from a record holds only the slots it sets and reads and encodes the
 * others from that record. A slot read from the wrong record or the wrong place of it, or encoded
 * wrongly, gives a root other than the oracle's (derive/mpt.ts, a separate implementation) or a
 * wrong read. Each block below edits a trie whose branches are all packed (reopened from the
 * store, or admitted to the node cache), hashes it mid-block (the copies then freeze and are
 * copied again), copies it, reads it mid-block, and deletes (which may collapse a copy).
 */

type Model = Map<string, readonly [Uint8Array, Uint8Array]>;
const rootOf = (model: Model) => hex(trieRoot(model.values()));

/** 32-byte keys (deep paths, as the state's secure tries have) and short ones (inline nodes, branch values). */
function randomKey(random: SeededRandom): Uint8Array {
  if (random.int(3) > 0) return random.bytes(32);
  const key = new Uint8Array(random.int(4));
  for (let i = 0; i < key.length; i++) key[i] = random.pick([0x00, 0x01, 0x10, 0x11, 0x1f, 0xff]);
  return key;
}

function edit(trie: Trie, model: Model, random: SeededRandom): void {
  const entries = [...model.values()];
  if (entries.length > 0 && random.int(4) === 0) {
    const [key] = random.pick(entries);
    trie.delete(key);
    model.delete(hex(key));
    return;
  }
  const key = entries.length > 0 && random.int(3) === 0 ? random.pick(entries)[0] : randomKey(random);
  const value = random.bytes(random.pick([1, 2, 5, 31, 40]));
  trie.put(key, value);
  model.set(hex(key), [key, value]);
}

function readsBack(t: Test, trie: Trie, model: Model, what: string): void {
  let wrong = 0;
  for (const [k, v] of model.values()) if (hex(trie.get(k) ?? new Uint8Array()) !== hex(v)) wrong++;
  t.equal(wrong, 0, `${what}: every get`);
  const want = [...model.values()].map(([k, v]) => [hex(k), hex(v)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  t.same(
    [...trie.entries()].map(([k, v]) => [hex(k), hex(v)]),
    want,
    `${what}: the walk`,
  );
}

t.test("random tries edited through copies of packed branches give the oracle's roots and reads", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-branch-copy");
  let copies = 0;
  for (let run = 0; run < 3; run++) {
    const cache = new TrieNodeCache(run === 2 ? 30 : 25_000, 8); // a tiny cache: copies' slots read back from the store
    const db = new TrieNodeDb(TrieNodeDb.memory().kv, cache);
    const model: Model = new Map();
    let root = new Trie(db).root();
    for (let block = 0; block < 10; block++) {
      const what = `run ${run} block ${block}`;
      // Every other block from a fresh store reader (packed by decoding), else through the cache (packed by admit).
      const trie = new Trie(block % 2 === 0 ? db : new TrieNodeDb(db.kv, new TrieNodeCache()), root);
      const before = new Map(model);
      const edits = 20 + random.int(120);
      for (let i = 0; i < edits; i++) {
        edit(trie, model, random);
        if (random.int(40) === 0) t.equal(hex(trie.root()), rootOf(model), `${what}: a root mid-block`);
        if (random.int(60) === 0) readsBack(t, trie, model, `${what}: mid-block`);
      }
      const twin = trie.copy(); // shares the copies made so far; editing it must not change `trie`
      const twinModel = new Map(model);
      for (let i = 0; i < 15; i++) edit(twin, twinModel, random);
      const commit = trie.commit();
      copies += commit.nodes.filter((n: ResolvedNode) => n.kind === BRANCH && n.own !== ALL_SLOTS).length;
      const held = commit.nodes.filter((n: ResolvedNode) => n.kind === BRANCH && n.base !== undefined).length;
      t.equal(held, 0, `${what}: no committed branch keeps the record it was copied from`);
      t.equal(hex(commit.root), rootOf(model), `${what}: the committed root`);
      t.equal(hex(twin.root()), rootOf(twinModel), `${what}: the copy's root`);
      readsBack(t, trie, model, `${what}: after the commit`);
      db.write(commit.writes);
      cache.admit(commit.nodes);
      readsBack(t, new Trie(db, commit.root), model, `${what}: reopened`);
      readsBack(t, new Trie(db, root), before, `${what}: the parent's root, unchanged`);
      root = commit.root;
    }
  }
  t.ok(copies > 100, `${copies} committed branches held only some of their slots (the copies were exercised)`);
});

t.test("a copy that loses entries collapses like a branch of its own: deletions down to nothing", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("trie-branch-copy-delete");
  const db = TrieNodeDb.memory();
  const model: Model = new Map();
  const trie = new Trie(db);
  for (let i = 0; i < 200; i++) edit(trie, model, random);
  for (let i = 0; i < 200; i++) {
    const key = random.bytes(32); // deep paths: many branches to copy and collapse
    trie.put(key, random.bytes(4));
    model.set(hex(key), [key, random.bytes(0)]);
  }
  for (const [k] of model.values()) model.set(hex(k), [k, trie.get(k)!]);
  const first = trie.commit();
  db.write(first.writes);
  let root = first.root;
  const keys = [...model.values()].map(([k]) => k);
  while (keys.length > 0) {
    const reopened = new Trie(db, root); // every branch packed: each deletion edits copies
    for (let i = 0; i < 30 && keys.length > 0; i++) {
      const key = keys.splice(random.int(keys.length), 1)[0]!;
      reopened.delete(key);
      model.delete(hex(key));
    }
    const commit = reopened.commit();
    t.equal(hex(commit.root), rootOf(model), `${model.size} left`);
    db.write(commit.writes);
    root = commit.root;
  }
  t.equal(hex(root), hex(new Trie(db).root()), "the empty trie's root at the end");
});
