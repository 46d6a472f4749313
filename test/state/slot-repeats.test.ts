/**
 * A slot asked for again and again (an SSTORE reads its slot and writes it; a token's transfer
 * loads a balance and stores it): the account keeps the last slot's key and value (qkc-account.ts),
 * and what it answers must stay the storage's value through writes, reverts, resets, commits and
 * hand-ons to the next block's state.
 */
import t from "tap";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { clearSlots } from "../../src/backend/state/slot-cache.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";

const A = new Uint8Array(20).fill(7);
const B = new Uint8Array(20).fill(9);
/** Slots that look alike to a careless memo: equal low digits, 2^255, 2^53 and its neighbours, zero. */
const SLOTS = [
  0n,
  1n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 255n,
  2n ** 255n + 1n,
  (1n << 256n) - 1n,
  1n << 64n,
];

t.test("the same slot read, written, reverted and reset answers what the storage holds", async (t) => {
  const kv = new MemoryKvEnv().shard(0);
  const s = WorldState.open(kv);
  s.setStorage(A, 5n, 50n);
  t.equal(s.getStorage(A, 5n), 50n);
  const snap = s.snapshot();
  s.setStorage(A, 5n, 51n);
  t.equal(s.getStorage(A, 5n), 51n, "a write after a read");
  s.setStorage(A, 5n, 52n);
  t.equal(s.getStorage(A, 5n), 52n, "a write after a write");
  s.revert(snap);
  t.equal(s.getStorage(A, 5n), 50n, "a revert brings the value before back, read right after");
  s.resetStorage(A);
  t.equal(s.getStorage(A, 5n), 0n, "a reset empties the storage");
  const reset = s.snapshot();
  s.setStorage(A, 5n, 9n);
  s.revert(reset);
  t.equal(s.getStorage(A, 5n), 0n, "a revert past a write into the reset storage");
});

t.test("slots whose bigints share low bits or bytes are told apart", async (t) => {
  const s = WorldState.open(new MemoryKvEnv().shard(0));
  SLOTS.forEach((slot, i) => s.setStorage(A, slot, BigInt(i + 1)));
  SLOTS.forEach((slot, i) => t.equal(s.getStorage(A, slot), BigInt(i + 1), `slot ${slot}`));
  // the same slot made anew (another bigint of the same value) is the same slot
  t.equal(s.getStorage(A, BigInt("0x8" + "0".repeat(63))), BigInt(SLOTS.indexOf(2n ** 255n) + 1));
});

t.test("a random mix of reads, writes, reverts, resets and commits agrees with a plain map", async (t) => {
  clearSlots();
  const kv = new MemoryKvEnv().shard(0);
  let s = WorldState.open(kv);
  // a nonce each: a blank account's storage goes with the account at commit (State.commit)
  s.setNonce(A, 1n);
  s.setNonce(B, 1n);
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  // the model: per account, slot -> value (0 absent), with snapshots as copies
  let model = new Map<string, bigint>();
  const snaps: Array<[number, Map<string, bigint>]> = [];
  const key = (a: Uint8Array, slot: bigint) => `${a[0]}:${slot}`;
  let mismatches = 0;
  for (let step = 0; step < 4000; step++) {
    const a = rand(1000) < 250 ? B : A;
    const slot = SLOTS[rand(SLOTS.length)]!;
    const r = rand(100);
    if (r < 40) {
      const got = s.getStorage(a, slot);
      if (got !== (model.get(key(a, slot)) ?? 0n)) mismatches++;
    } else if (r < 80) {
      const v = rand(3) === 0 ? 0n : BigInt(rand(1000)) << BigInt(rand(246));
      s.setStorage(a, slot, v);
      model.set(key(a, slot), v);
    } else if (r < 88) {
      snaps.push([s.snapshot(), new Map(model)]);
    } else if (r < 94 && snaps.length > 0) {
      // a revert ends every snapshot taken after the one it goes back to
      const [snap, m] = snaps.splice(rand(snaps.length))[0]!;
      s.revert(snap);
      model = m;
    } else if (r < 96) {
      s.resetStorage(a);
      for (const k of [...model.keys()]) if (k.startsWith(`${a[0]}:`)) model.delete(k);
      // and a write: a reset alone leaves the account untouched, and the commit passes it over
      s.setStorage(a, 12345n, 1n);
      model.set(key(a, 12345n), 1n);
    } else {
      // a block ends: commit, and the next block's state opens at the root (slots handed on)
      const { root, writes } = s.commit();
      kv.write(writes);
      s = WorldState.open(kv, root);
      snaps.length = 0;
    }
  }
  for (const [k, v] of model) {
    const [who, slot] = k.split(":");
    if (s.getStorage(who === "7" ? A : B, BigInt(slot!)) !== v) mismatches++;
  }
  t.equal(mismatches, 0, "every read answered the model's value");
});
