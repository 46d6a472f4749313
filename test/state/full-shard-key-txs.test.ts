import { readFileSync } from "node:fs";
import t from "tap";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { hex } from "../../src/codec/bytes.ts";
import { QKC, execState, qkcTx } from "./exec-env.ts";

/**
 * EXECUTION.md §2.1 [run], through the transaction layer on WorldState: tx1 (to_full_shard_key 4)
 * runs BALANCE(X) in a contract, tx2 (key 0) sends X 7 QKC. X was first read by tx1, so it is stored
 * with key 4; the coinbase, first read at tx1's fee, too. Every value is what pyquarkchain's
 * apply_transaction and State gave (vectors/full-shard-key-txs.py, DEFAULT_ENV).
 */

const expected = JSON.parse(
  readFileSync(new URL("./vectors/full-shard-key-txs.pyquarkchain.json", import.meta.url), "utf8"),
) as Record<string, string | null | number | [number, string][]>;

const SENDER = new Uint8Array(Buffer.from(expected["sender_address"] as string, "hex"));
const COINBASE = new Uint8Array(20).fill(0xc0);
const C = new Uint8Array(20).fill(0xcc);
const X = new Uint8Array(20).fill(0x11);

t.test("an account keeps the key of the transaction that first read it", async (t) => {
  const world = WorldState.open(new MemoryKvEnv().shard(0));
  world.fullShardKey = 2;
  world.setBalance(SENDER, QKC, 10n ** 18n);
  world.setCode(C, Uint8Array.of(0x73, ...X, 0x31, 0x50, 0x00)); // PUSH20 X BALANCE POP STOP
  t.equal(hex(world.commit().root), expected["pre"]);

  const state = execState(world, COINBASE);
  t.match(applyTransaction(state, qkcTx(0n, C, 0n, 4), SENDER, new Uint8Array(32).fill(1)), {
    applied: true,
    success: true,
  });
  t.match(applyTransaction(state, qkcTx(1n, X, 7n, 0), SENDER, new Uint8Array(32).fill(2)), {
    applied: true,
    success: true,
  });
  t.equal(state.gasUsed, BigInt(expected["gas_used"] as number));
  const { root } = world.commit();
  t.equal(world.getFullShardKey(X), 4, "X: key 4, from tx1's BALANCE");
  t.equal(world.getFullShardKey(COINBASE), 4, "the coinbase: key 4, from tx1's fee");
  for (const [name, a] of [
    ["x", X],
    ["coinbase", COINBASE],
    ["sender", SENDER],
    ["c", C],
  ] as const) {
    const stored = world.storedAccount(a);
    t.equal(stored === undefined ? null : hex(stored), expected[name], `${name}: stored account`);
  }
  t.equal(hex(root), expected["root"], "state root");
});
