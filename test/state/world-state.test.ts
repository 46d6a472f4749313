import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { LmdbKvEnv, MemoryKvEnv } from "../../src/backend/kv.ts";
import { BLANK_ROOT } from "../../src/backend/state/state-db.ts";
import { StaleSnapshotError, WorldState } from "../../src/backend/state/world-state.ts";
import { hex } from "../../src/codec/bytes.ts";

/** WorldState's own contract: what pyquarkchain's State leaves to its callers (batches, clones, costs). */

const QKC = 35760n;
const addr = (n: number) => {
  const a = new Uint8Array(20);
  new DataView(a.buffer).setUint32(16, n);
  return a;
};
const memory = () => new MemoryKvEnv().shard(0);
const codeRecords = (writes: readonly (readonly [Uint8Array, Uint8Array])[]) =>
  writes.filter(([k]) => k[0] === 0x63 && k[1] === 0x64).length; // "cd"

t.test("a commit's batch is all a reopened state needs", async (t) => {
  const kv = memory();
  const s = WorldState.open(kv);
  s.setCode(addr(1), Uint8Array.of(0x60, 0x00));
  s.setNonce(addr(1), 1n);
  s.setStorage(addr(1), 7n, 8n);
  for (let i = 0; i < 17; i++) s.addBalance(addr(1), 1000n + BigInt(i), 5n);
  const { root, writes } = s.commit();
  t.equal(s.getStorage(addr(1), 7n), 8n, "the committing state reads its own writes before they are stored");
  t.throws(() => WorldState.open(kv, root), "the Kv alone does not have the root yet");
  kv.write(writes);
  const again = WorldState.open(kv, root);
  t.equal(again.getStorage(addr(1), 7n), 8n);
  t.equal(hex(again.getCode(addr(1))), "6000");
  t.equal(again.getBalances(addr(1)).size, 17);
});

t.test("a block's cost is what it changed", async (t) => {
  const kv = memory();
  let s = WorldState.open(kv);
  for (let i = 0; i < 2000; i++) s.addBalance(addr(i + 1), QKC, BigInt(i + 1));
  let c = s.commit();
  kv.write(c.writes);
  const full = c.writes.length;

  s = WorldState.open(kv, c.root);
  s.getBalance(addr(5), QKC);
  s.getStorage(addr(6), 1n);
  c = s.commit();
  t.strictSame(c.writes, [], "reads write nothing");

  s.addBalance(addr(5), QKC, 1n);
  c = s.commit();
  t.ok(c.writes.length > 0 && c.writes.length <= 8, `one account changed: ${c.writes.length} records of ${full}`);
});

t.test("code is stored only if a commit writes it", async (t) => {
  const s = WorldState.open(memory());
  const snap = s.snapshot();
  s.setCode(addr(1), Uint8Array.of(1, 2, 3));
  s.revert(snap);
  s.setNonce(addr(1), 1n);
  t.equal(codeRecords(s.commit().writes), 0, "reverted code");
  s.setCode(addr(2), Uint8Array.of(1, 2, 3));
  t.equal(codeRecords(s.commit().writes), 1);
});

t.test("ephemeralClone: the committed state, at no cost to the original", async (t) => {
  const s = WorldState.open(memory());
  s.addBalance(addr(1), QKC, 10n);
  const { root } = s.commit();
  s.addBalance(addr(1), QKC, 5n); // not committed: a clone does not see it (State.ephemeral_clone)
  const clone = s.ephemeralClone();
  t.equal(hex(clone.root()), hex(root));
  t.equal(clone.getBalance(addr(1), QKC), 10n);
  clone.addBalance(addr(2), QKC, 3n);
  clone.setStorage(addr(1), 1n, 1n);
  const cloneCommit = clone.commit();
  t.not(hex(cloneCommit.root), hex(root));
  t.ok(
    cloneCommit.writes.every(([k]) => s.db.get(k) === undefined),
    "the clone's records stay with the clone",
  );
  t.equal(s.getBalance(addr(2), QKC), 0n, "the original does not see the clone's changes");
  t.equal(s.getBalance(addr(1), QKC), 15n);
  const mine = s.commit();
  t.equal(WorldState.open(s.db, mine.root).getBalance(addr(1), QKC), 15n);
  t.equal(WorldState.open(s.db, mine.root).getBalance(addr(2), QKC), 0n);
});

t.test("snapshots do not survive a commit", async (t) => {
  const s = WorldState.open(memory());
  const snap = s.snapshot();
  s.addBalance(addr(1), QKC, 1n);
  s.commit();
  t.throws(() => s.revert(snap), StaleSnapshotError);
  const later = s.snapshot();
  s.addBalance(addr(1), QKC, 1n);
  s.revert(later);
  t.equal(s.getBalance(addr(1), QKC), 1n);
});

t.test("a read without caching leaves full_shard_key free", async (t) => {
  const s = WorldState.open(memory(), BLANK_ROOT, { fullShardKey: 4 });
  t.equal(s.peekAccount(addr(9)).fullShardKey, 4);
  s.fullShardKey = 0;
  s.addBalance(addr(9), QKC, 1n);
  t.equal(s.getFullShardKey(addr(9)), 0, "get_balance(should_cache=False) did not fix the key");
});

t.test("recordUndo joins the journal", async (t) => {
  const s = WorldState.open(memory());
  const deposits: string[] = [];
  const snap = s.snapshot();
  deposits.push("d1");
  s.recordUndo(() => deposits.pop());
  s.addBalance(addr(1), QKC, 1n);
  s.revert(snap);
  t.strictSame(deposits, []);
  t.equal(s.getBalance(addr(1), QKC), 0n);
});

t.test("a state committed into LMDB reads back after the environment is reopened", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "qkc-world-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let env = new LmdbKvEnv(dir);
  let s = WorldState.open(env.shard(1), BLANK_ROOT, { fullShardKey: 0x10001 });
  s.setCode(addr(3), Uint8Array.of(0x5b));
  s.setStorage(addr(3), 2n ** 255n, 42n);
  s.setNonce(addr(3), 1n);
  for (let i = 0; i < 20; i++) s.addBalance(addr(3), BigInt(i + 1), BigInt(i + 1));
  let c = s.commit();
  env.shard(1).write(c.writes);
  s = WorldState.open(env.shard(1), c.root);
  s.addBalance(addr(3), 1n, -1n);
  s.setStorage(addr(3), 5n, 6n);
  c = s.commit();
  env.shard(1).write(c.writes);
  await env.close();

  env = new LmdbKvEnv(dir);
  t.teardown(() => env.close());
  s = WorldState.open(env.shard(1), c.root);
  t.equal(s.getFullShardKey(addr(3)), 0x10001);
  t.equal(hex(s.getCode(addr(3))), "5b");
  t.equal(s.getStorage(addr(3), 2n ** 255n), 42n);
  t.equal(s.getStorage(addr(3), 5n), 6n);
  t.equal(s.getBalance(addr(3), 1n), 0n);
  t.equal(s.getBalance(addr(3), 20n), 20n);
  t.equal(s.getBalances(addr(3)).size, 19);
});

t.test("nextAccountBalance walks the account trie as get_total_balance does", async (t) => {
  const s = WorldState.open(memory());
  for (let i = 1; i <= 30; i++) s.addBalance(addr(i), QKC, BigInt(i));
  for (let i = 0; i < 17; i++) s.addBalance(addr(30), 100n + BigInt(i), 1n); // one token-trie account
  s.setNonce(addr(31), 1n); // no QKC
  s.commit();
  let key: Uint8Array = new Uint8Array(32);
  let total = 0n;
  let steps = 0;
  for (let step = s.nextAccountBalance(key, QKC); step; step = s.nextAccountBalance(key, QKC)) {
    t.ok(Buffer.compare(step.hashedKey, key) > 0, "strictly after the last key");
    key = step.hashedKey;
    total += step.balance;
    steps++;
  }
  t.equal(steps, 31);
  t.equal(total, 465n);
  t.equal(s.nextAccountBalance(key, 100n), undefined);
});

t.test("records of commits not stored yet are read back through the state's db, batch after batch", async (t) => {
  const kv = memory();
  const s = WorldState.open(kv);
  s.setStorage(addr(1), 1n, 2n);
  s.addBalance(addr(1), QKC, 3n);
  const c1 = s.commit();
  s.setCode(addr(2), Uint8Array.of(0x60, 0x01));
  s.setStorage(addr(2), 5n, 6n);
  const c2 = s.commit();
  // The clone opens at the second root over the same db: neither batch is in the Kv.
  const clone = s.ephemeralClone();
  t.equal(clone.getStorage(addr(1), 1n), 2n, "a slot of the first commit");
  t.equal(clone.getBalance(addr(1), QKC), 3n);
  t.equal(clone.getStorage(addr(2), 5n), 6n, "a slot of the second");
  t.equal(hex(clone.getCode(addr(2))), "6001");
  t.throws(() => WorldState.open(kv, c2.root), "the Kv alone has neither");
  kv.write(c1.writes);
  kv.write(c2.writes);
  const again = WorldState.open(kv, c2.root);
  t.equal(again.getStorage(addr(1), 1n), 2n, "both batches stored: all a reopened state needs");
  t.equal(hex(again.getCode(addr(2))), "6001");
  s.setCode(addr(3), Uint8Array.of(0x60, 0x01));
  t.equal(codeRecords(s.commit().writes), 0, "code this state stored before is left out");
});

t.test("an address array the caller reuses for another address finds the other account", async (t) => {
  const s = WorldState.open(memory());
  const a = addr(1);
  s.addBalance(a, QKC, 5n);
  a.set(addr(2));
  t.equal(s.getBalance(a, QKC), 0n, "the new bytes, not the last account found through the same array");
  s.addBalance(a, QKC, 7n);
  a.set(addr(1));
  t.equal(s.getBalance(a, QKC), 5n);
  t.equal(s.getBalance(addr(2), QKC), 7n);
  s.commit();
  t.equal(s.getBalance(a, QKC), 5n, "after the commit, read again from the trie");
});

t.test(
  "slots that share their low 64 bits are distinct slots (the slot caches are keyed by the whole slot)",
  async (t) => {
    // A contract chooses its slots: i << 64 all share their low 64-bit digit, the only part of a
    // BigInt V8 hashes, so the caches must not key by the bigint (qkc-account.ts slotKey).
    const slots = [3n, 2n ** 64n - 1n];
    for (let i = 1n; i <= 200n; i++) slots.push(i << 64n, i << 192n, (i << 128n) | 3n);
    const kv = memory();
    const s = WorldState.open(kv);
    s.setNonce(addr(9), 1n); // not blank: a blank account's storage goes with it at commit (EIP-161)
    slots.forEach((slot, i) => s.setStorage(addr(9), slot, BigInt(i + 1)));
    const snap = s.snapshot();
    for (const slot of slots.slice(0, 50)) s.setStorage(addr(9), slot, 0n);
    s.revert(snap);
    slots.forEach((slot, i) => t.equal(s.getStorage(addr(9), slot), BigInt(i + 1), `slot ${slot}`));
    const { root, writes } = s.commit();
    kv.write(writes);

    const reversed = WorldState.open(memory());
    reversed.setNonce(addr(9), 1n);
    [...slots].reverse().forEach((slot) => reversed.setStorage(addr(9), slot, BigInt(slots.indexOf(slot) + 1)));
    t.equal(hex(reversed.commit().root), hex(root), "the same storage trie, whatever the order");
    const again = WorldState.open(kv, root);
    t.equal(again.getStorage(addr(9), 1n << 64n), 3n);
    t.equal(again.getStorage(addr(9), 200n << 192n), BigInt(slots.length - 1));
    t.equal(again.getStorage(addr(9), 201n << 64n), 0n, "an unset slot");
  },
);
