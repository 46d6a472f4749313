/**
 * Storage slots handed from one block's world state to the next (slot-cache.ts): a contract's slots
 * read or committed in one block are not read from its storage trie again in the next, and no state
 * ever sees values another state has not committed at the root it opened.
 */
import t from "tap";
import { type Kv, MemoryKvEnv } from "../../src/backend/kv.ts";
import { clearSlots, keptSlots } from "../../src/backend/state/slot-cache.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { CountingKv } from "../helpers/counting-kv.ts";

const CONTRACT = new Uint8Array(20).fill(7);
const OTHER = new Uint8Array(20).fill(8);
const SLOT = 0xabcdefn << 200n;

/** A state at `root` over `kv` whose account CONTRACT is loaded (its account record read). */
function openAt(kv: Kv, root: Uint8Array): WorldState {
  const s = WorldState.open(kv, root); // a node cache of its own: every trie read reaches the Kv
  s.getNonce(CONTRACT);
  return s;
}

function genesis(kv: Kv): Uint8Array {
  const s = WorldState.open(kv);
  s.setNonce(CONTRACT, 1n);
  for (let i = 1n; i <= 40n; i++) s.setStorage(CONTRACT, SLOT + i, 100n + i);
  const { root, writes } = s.commit();
  kv.write(writes);
  return root;
}

t.beforeEach(() => clearSlots());

t.test("the slots a block committed are read in the next block without the storage trie", async (t) => {
  const kv = new CountingKv(new MemoryKvEnv().shard(0));
  const root = genesis(kv); // its commit keeps the 40 slots at the new root
  t.same(keptSlots(), { roots: 1, slots: 40 });

  const s = openAt(kv, root);
  const before = kv.gets;
  t.equal(s.getStorage(CONTRACT, SLOT + 3n), 103n);
  t.equal(s.getStorage(CONTRACT, SLOT + 40n), 140n);
  t.equal(kv.gets, before, "no trie node read");
  t.same(keptSlots(), { roots: 0, slots: 0 }, "the state took them (one owner at a time)");

  s.setStorage(CONTRACT, SLOT + 3n, 7n);
  s.setStorage(CONTRACT, SLOT + 41n, 9n); // a new slot: read (0) from the trie, then set
  const next = s.commit();
  kv.write(next.writes);
  t.same(keptSlots(), { roots: 1, slots: 41 }, "handed on under the new root, with what was set");

  const again = openAt(kv, next.root);
  const mark = kv.gets;
  t.equal(again.getStorage(CONTRACT, SLOT + 3n), 7n);
  t.equal(again.getStorage(CONTRACT, SLOT + 41n), 9n);
  t.equal(again.getStorage(CONTRACT, SLOT + 5n), 105n);
  t.equal(kv.gets, mark, "no trie node read");

  clearSlots();
  const cold = openAt(kv, next.root);
  const coldMark = kv.gets;
  t.equal(cold.getStorage(CONTRACT, SLOT + 3n), 7n, "the trie says the same");
  t.equal(cold.getStorage(CONTRACT, SLOT + 41n), 9n);
  t.ok(kv.gets > coldMark, "without kept slots the trie is read");
});

t.test("no state sees slots another has not committed at the root it opened", async (t) => {
  const kv = new MemoryKvEnv().shard(0);
  const root = genesis(kv);

  // Two states on the same parent (a fork, or a pool's state next to the import's).
  const a = openAt(kv, root);
  t.equal(a.getStorage(CONTRACT, SLOT + 1n), 101n);
  a.setStorage(CONTRACT, SLOT + 1n, 5n);
  const b = openAt(kv, root);
  t.equal(b.getStorage(CONTRACT, SLOT + 1n), 101n, "a's uncommitted write is a's alone");

  // a commits; b, still at the parent, keeps reading the parent's values.
  const aDone = a.commit();
  kv.write(aDone.writes);
  t.equal(b.getStorage(CONTRACT, SLOT + 2n), 102n);
  t.equal(b.getStorage(CONTRACT, SLOT + 1n), 101n);

  // A state at the parent opened after a's commit reads the parent too (a's slots are under a's root).
  const c = openAt(kv, root);
  t.equal(c.getStorage(CONTRACT, SLOT + 1n), 101n);
  const d = openAt(kv, aDone.root);
  t.equal(d.getStorage(CONTRACT, SLOT + 1n), 5n);
});

t.test("reverted writes and reset storage are not handed on; an abandoned state hands on nothing", async (t) => {
  const kv = new MemoryKvEnv().shard(0);
  const root = genesis(kv);

  const s = openAt(kv, root);
  s.setStorage(OTHER, 1n, 1n); // another account touched, so the state's commit has work
  const snap = s.snapshot();
  s.setStorage(CONTRACT, SLOT + 1n, 55n);
  s.revert(snap); // the contract is left untouched: the commit passes it over
  const done = s.commit();
  kv.write(done.writes);
  t.same(keptSlots(), { roots: 2, slots: 41 }, "the untouched contract's slots, and OTHER's");
  const abandoned = openAt(kv, done.root);
  t.equal(abandoned.getStorage(CONTRACT, SLOT + 1n), 101n, "the kept slots hold the reverted write's old value");
  t.same(keptSlots(), { roots: 1, slots: 1 }, "taken");
  abandoned.setStorage(CONTRACT, SLOT + 2n, 66n);
  // never committed: the next state at that root reads the trie
  t.equal(openAt(kv, done.root).getStorage(CONTRACT, SLOT + 2n), 102n);

  const r = openAt(kv, done.root);
  t.equal(r.getStorage(CONTRACT, SLOT + 4n), 104n);
  r.resetStorage(CONTRACT);
  r.setStorage(CONTRACT, SLOT + 9n, 3n);
  r.setNonce(CONTRACT, 2n);
  const reset = r.commit();
  kv.write(reset.writes);
  const after = openAt(kv, reset.root);
  t.equal(after.getStorage(CONTRACT, SLOT + 4n), 0n, "emptied by reset_storage");
  t.equal(after.getStorage(CONTRACT, SLOT + 9n), 3n);
});
