import { readFileSync } from "node:fs";
import t from "tap";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { hex } from "../../src/codec/bytes.ts";
import { tokenIdEncode } from "../../src/config/token.ts";
import { QKC, execState, qkcTx } from "./exec-env.ts";

/**
 * EXECUTION.md §2.2 [run], through the transaction layer on WorldState: a contract holding 7 QKC and
 * 9 QI self-destructs to B. B gets the QKC; del_account (run over the suicide list at the end of the
 * transaction) burns the QI and removes the contract. Every value is what pyquarkchain's
 * apply_transaction and State gave (vectors/selfdestruct-tokens-tx.py).
 */

const expected = JSON.parse(
  readFileSync(new URL("./vectors/selfdestruct-tokens-tx.pyquarkchain.json", import.meta.url), "utf8"),
) as Record<string, string | null | number>;

const QI = tokenIdEncode("QI");
const SENDER = new Uint8Array(Buffer.from(expected["sender_address"] as string, "hex"));
const COINBASE = new Uint8Array(20).fill(0xc0);
const S = new Uint8Array(20).fill(0x5d);
const B = new Uint8Array(20).fill(0xbe);

t.test("SELFDESTRUCT moves the default token and burns the others", async (t) => {
  const world = WorldState.open(new MemoryKvEnv().shard(0));
  world.setBalance(SENDER, QKC, 10n ** 18n);
  world.setBalance(S, QKC, 7n);
  world.setBalance(S, QI, 9n);
  world.setCode(S, Uint8Array.of(0x73, ...B, 0xff)); // PUSH20 B SELFDESTRUCT
  t.equal(hex(world.commit().root), expected["pre"]);

  const state = execState(world, COINBASE);
  t.match(applyTransaction(state, qkcTx(0n, S, 0n, 0), SENDER, new Uint8Array(32).fill(1)), {
    applied: true,
    success: true,
  });
  t.equal(state.gasUsed, BigInt(expected["gas_used"] as number), "51003 less the 24000 refund");
  t.equal(world.getBalance(S, QI), 0n, "the QI is gone before the commit");
  const { root } = world.commit();
  for (const [name, a] of [
    ["s", S],
    ["b", B],
    ["coinbase", COINBASE],
    ["sender", SENDER],
  ] as const) {
    const stored = world.storedAccount(a);
    t.equal(stored === undefined ? null : hex(stored), expected[name], `${name}: stored account`);
  }
  t.equal(hex(root), expected["root"], "state root");
});
