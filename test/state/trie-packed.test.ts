import t, { type Test } from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";
import { Trie, TrieNodeCache, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { unpackChildren } from "../../src/backend/state/trie/decode.ts";
import { BRANCH, EXTENSION, HASHED, type ResolvedNode, type TrieNode } from "../../src/backend/state/trie/node.ts";
import { type SeededRandom, makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/**
 * Packed branches (node.ts): a branch read from the store or admitted to the node cache keeps its
 * record and reads child i from it when a walk goes down slot i. Every read below goes through
 * such branches; a child read from the wrong place of a record (or the wrong node found for its
 * hash) gives a wrong value, a wrong order or a wrong root.
 */

type Model = Map<string, readonly [Uint8Array, Uint8Array]>;
const sorted = (model: Model) =>
  [...model.values()].sort((a, b) => Buffer.compare(a[0], b[0])).map(([k, v]) => [hex(k), hex(v)]);
const listed = (entries: Iterable<[Uint8Array, Uint8Array]>) => [...entries].map(([k, v]) => [hex(k), hex(v)]);

/** Keys of every shape: short ones from a small alphabet (inline nodes, branch values, extensions) and 32-byte ones (deep paths). */
function randomKey(random: SeededRandom): Uint8Array {
  if (random.int(2) === 0) return random.bytes(32);
  const key = new Uint8Array(random.int(5));
  for (let i = 0; i < key.length; i++) key[i] = random.pick([0x00, 0x01, 0x10, 0x11, 0xff]);
  return key;
}
const randomValue = (random: SeededRandom) => random.bytes(random.pick([1, 3, 20, 40, 100]));

function edit(trie: Trie, model: Model, random: SeededRandom): void {
  const keys = [...model.values()];
  if (keys.length > 0 && random.int(4) === 0) {
    const [key] = random.pick(keys);
    trie.delete(key);
    model.delete(hex(key));
    return;
  }
  const key = keys.length > 0 && random.int(3) === 0 ? random.pick(keys)[0] : randomKey(random);
  const value = randomValue(random);
  trie.put(key, value);
  model.set(hex(key), [key, value]);
}

/** Every read a trie answers, against the model: each get, both walks, next and prev at each key. */
function readsBack(t: Test, trie: Trie, model: Model, what: string): void {
  const want = sorted(model);
  let wrong = 0;
  for (const [k, v] of model.values()) if (hex(trie.get(k) ?? new Uint8Array()) !== hex(v)) wrong++;
  t.equal(wrong, 0, `${what}: every get`);
  t.same(listed(trie.entries()), want, `${what}: ascending walk`);
  t.same(listed(trie.entriesDescending()), [...want].reverse(), `${what}: descending walk`);
  const keys = want.map(([k]) => k);
  let steps = 0;
  for (let i = 0; i < keys.length; i += 7) {
    const key = Buffer.from(keys[i]!, "hex");
    if ((trie.next(key) && hex(trie.next(key)![0])) !== (keys[i + 1] ?? undefined)) steps++;
    if ((trie.prev(key) && hex(trie.prev(key)![0])) !== (keys[i - 1] ?? undefined)) steps++;
  }
  t.equal(steps, 0, `${what}: next and prev`);
}

/** The packed branches reachable from `node` (read through `db`), each checked slot by slot against its record decoded whole. */
function checkPacked(db: TrieNodeDb, node: TrieNode | undefined, seen: { packed: number; bad: number }): void {
  if (node === undefined) return;
  const n: ResolvedNode = db.resolve(node);
  if (n.kind === EXTENSION) return checkPacked(db, n.child, seen);
  if (n.kind !== BRANCH) return;
  if (n.children === undefined) {
    seen.packed++;
    const whole = unpackChildren(n.enc!);
    for (let i = 0; i < 16; i++) {
      const lazy = db.child(n, i);
      const want = whole[i];
      const ref = (c: TrieNode | undefined) =>
        c === undefined ? "-" : c.kind === HASHED ? hex(c.hash) : c.enc!.length < 32 ? hex(c.enc!) : hex(c.hash!);
      if (ref(lazy) !== ref(want)) seen.bad++;
    }
  }
  for (let i = 0; i < 16; i++) checkPacked(db, db.child(n, i), seen);
}

t.test(
  "random tries read back through packed branches: admitted, reopened from the store, edited in copies",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("trie-packed");
    for (let run = 0; run < 4; run++) {
      const cache = new TrieNodeCache();
      const db = new TrieNodeDb(TrieNodeDb.memory().kv, cache);
      let trie = new Trie(db);
      const model: Model = new Map();
      for (let block = 0; block < 6; block++) {
        const older = trie.copy();
        const olderModel: Model = new Map(model);
        for (let i = 0; i < 60; i++) edit(trie, model, random);
        const { root, writes, nodes } = trie.commit();
        db.write(writes);
        cache.admit(nodes); // the trie's own branches are packed now
        const what = `run ${run} block ${block}`;
        t.equal(hex(root), hex(trieRoot(model.values())), `${what}: the oracle's root`);
        readsBack(t, trie, model, `${what}, the committing trie`);
        readsBack(t, older, olderModel, `${what}, a copy taken before the edits`);

        // Only the leaves' records in the store: every branch and extension comes from the cache, packed.
        const leafOnly = new TrieNodeDb(TrieNodeDb.memory().kv, cache);
        leafOnly.write(writes.filter((_, i) => nodes[i]!.kind !== BRANCH && nodes[i]!.kind !== EXTENSION));
        const fromCache = new Trie(leafOnly, root);
        readsBack(t, fromCache, model, `${what}, through the cache`);
        const stored = nodes.filter((n) => n.kind === BRANCH || n.kind === EXTENSION).length;
        t.ok(leafOnly.reads <= writes.length - stored, `${what}: only leaves read from the store`);

        // A restart: a fresh cache, every node decoded (packed) from the store.
        const reopenedDb = new TrieNodeDb(db.kv, new TrieNodeCache());
        const reopened = new Trie(reopenedDb, root);
        readsBack(t, reopened, model, `${what}, reopened`);
        const seen = { packed: 0, bad: 0 };
        if (model.size > 0) checkPacked(reopenedDb, reopenedDb.load(root), seen);
        t.ok(seen.packed > 0 || model.size < 2, `${what}: ${seen.packed} packed branches checked`);
        t.equal(seen.bad, 0, `${what}: each packed slot reads as its record decoded whole`);

        // Edits of a copy of the reopened trie (copying packed branches) and of the admitted one give the oracle's roots.
        const copy = reopened.copy();
        const copyModel: Model = new Map(model);
        for (let i = 0; i < 40; i++) edit(copy, copyModel, random);
        t.equal(hex(copy.root()), hex(trieRoot(copyModel.values())), `${what}: a reopened copy's edits`);
        readsBack(t, copy, copyModel, `${what}, the edited copy`);
        readsBack(t, reopened, model, `${what}, the trie it was copied from`);
        trie = new Trie(db, root); // the next block opens the state at its parent's root
      }
    }
  },
);

t.test(
  "a packed branch near the top remembers its children's cache entries; one the cache dropped just misses",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("trie-packed-memo");
    const cache = new TrieNodeCache(40, 4); // small: the clock drops nodes the memos still name
    const db = new TrieNodeDb(TrieNodeDb.memory().kv, cache);
    const trie = new Trie(db);
    const model: Model = new Map();
    for (let i = 0; i < 400; i++) {
      const key = random.bytes(32);
      const value = randomValue(random);
      trie.put(key, value);
      model.set(hex(key), [key, value]);
    }
    const { root, writes, nodes } = trie.commit();
    db.write(writes);
    cache.admit(nodes);
    const reader = new Trie(db, root);
    const [key, value] = [...model.values()][0]!;
    t.equal(hex(reader.get(key)!), hex(value));
    const top = db.load(root);
    if (top.kind !== BRANCH || top.children !== undefined) return t.fail("the root is a packed branch");
    const slot = key[0]! >> 4;
    const entry = top.kids?.[slot];
    t.ok(
      entry?.node !== undefined && entry.node === db.child(top, slot),
      "the root remembers the entry of the child read",
    );
    // Every key read again: the 40-node clock drops and re-reads nodes the memos name all along.
    const reads = db.reads;
    let wrong = 0;
    for (const [k, v] of model.values()) if (hex(reader.get(k) ?? new Uint8Array()) !== hex(v)) wrong++;
    t.equal(wrong, 0, "every get right through memos that miss");
    t.ok(db.reads > reads, "(nodes were dropped and read again)");
    readsBack(t, new Trie(db, root), model, "a walk over the same cache");
  },
);
