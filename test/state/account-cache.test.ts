/**
 * Accounts handed from one block's world state to the next (account-cache.ts): what a block read or
 * committed is not looked up in the state trie again by the next state opened at its root, and every
 * state reads exactly what the trie at its root holds.
 */
import t from "tap";
import { type Kv, MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";
import { CountingKv } from "../helpers/counting-kv.ts";

const QKC = 0x8bb0n;
const addr = (i: number): Uint8Array => new Uint8Array(20).fill(i);

/** Every field a block can see of `a` at the state's root. */
function view(s: WorldState, a: Uint8Array): string {
  return `${s.getNonce(a)} ${s.getBalance(a, QKC)} ${s.getFullShardKey(a)} ${s.accountExists(a)}`;
}

t.test("the accounts a block read or wrote are read by the next block without the trie", async (t) => {
  const kv = new CountingKv(new MemoryKvEnv().shard(0));
  const g = WorldState.open(kv); // a node cache of its own: every trie read reaches the Kv
  for (let i = 1; i <= 40; i++) g.addBalance(addr(i), QKC, 1000n + BigInt(i));
  const genesis = g.commit();
  kv.write(genesis.writes);

  const s = WorldState.open(kv, genesis.root);
  const before = kv.gets;
  t.equal(s.getBalance(addr(3), QKC), 1003n);
  t.equal(s.getBalance(addr(40), QKC), 1040n);
  t.equal(kv.gets, before, "no trie node read for accounts the last commit wrote");
  t.equal(s.getBalance(addr(41), QKC), 0n, "an account it never saw ...");
  t.ok(kv.gets > before, "... is looked up in the trie");

  s.setNonce(addr(3), 5n); // written
  s.addBalance(addr(42), QKC, 0n); // touched while blank: deleted (absent) at commit
  s.getNonce(addr(4)); // read only: its value stands
  const next = s.commit();
  kv.write(next.writes);
  const n = WorldState.open(kv, next.root); // (opening reads the root node)
  const at = kv.gets;
  t.equal(n.getNonce(addr(3)), 5n);
  t.equal(n.getBalance(addr(4), QKC), 1004n);
  t.equal(n.getBalance(addr(41), QKC), 0n);
  t.equal(n.accountExists(addr(42)), false);
  t.equal(kv.gets, at, "written, read-only, absent and deleted accounts: all from the last commit");

  const old = WorldState.open(kv, genesis.root); // the parent's root: its own set, not the child's
  t.equal(old.getNonce(addr(3)), 0n);
});

t.test("a state over another store, at the same root, reads its own trie", async (t) => {
  const a = new CountingKv(new MemoryKvEnv().shard(0));
  const s = WorldState.open(a);
  s.addBalance(addr(1), QKC, 7n);
  const { root, writes } = s.commit();
  const b = new CountingKv(new MemoryKvEnv().shard(0));
  b.write(writes);
  const other = WorldState.open(b, root);
  t.equal(other.getBalance(addr(1), QKC), 7n);
  t.ok(b.gets > 0, "read from its store's trie");
});

t.test("over random blocks, every account reads as the trie at the block's root holds it", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("account-cache");
  const kv = new MemoryKvEnv().shard(0);
  const plain = new MemoryKvEnv().shard(0); // the same records, never opened with a kept set
  let root: Uint8Array | undefined;
  for (let block = 0; block < 30; block++) {
    const s = root === undefined ? WorldState.open(kv) : WorldState.open(kv, root);
    for (let k = 0; k < 20; k++) {
      const a = addr(1 + random.int(24));
      const op = random.int(5);
      if (op === 0) s.setNonce(a, s.getNonce(a) + 1n);
      else if (op === 1) s.addBalance(a, QKC, BigInt(random.int(100)));
      else if (op === 2 && s.getBalance(a, QKC) > 0n) s.addBalance(a, QKC, -s.getBalance(a, QKC));
      else if (op === 3) s.deleteAccount(a);
      else s.getNonce(a);
      if (random.int(6) === 0) {
        const snap = s.snapshot();
        s.setNonce(a, 99n);
        s.revert(snap);
      }
    }
    s.fullShardKey = random.int(3); // a new account takes the key current when it is first read
    const c = s.commit();
    kv.write(c.writes);
    plain.write(c.writes);
    root = c.root;
    const cached = WorldState.open(kv, root);
    const fresh = WorldState.open(plain, root);
    for (let i = 1; i <= 25; i++)
      if (view(cached, addr(i)) !== view(fresh, addr(i))) t.fail(`block ${block}: account ${i}`);
  }
  t.pass("every account as the trie has it");
});
