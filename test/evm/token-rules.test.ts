import { readFileSync } from "node:fs";
import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

/** Contracts run through pyquarkchain's messages.apply_msg by test/evm/token-rules-oracle.py. */
interface Scenario {
  name: string;
  code: string;
  dCode: string;
  value: number;
  token: number;
  gas: number;
  cBalances: Record<string, string>;
  result: number;
  gasLeft: number;
  output: string;
  suicides: string[];
  after: Record<string, { balances: Record<string, string>; slot0: string }>;
}
const scenarios = (
  JSON.parse(readFileSync(new URL("./fixtures/token-rules-oracle.json", import.meta.url), "utf8")) as Scenario[]
).filter((s) => s.name !== "end");

const CALLER = addr("0a");
const C = addr("cc");
const D = addr("dd");

for (const s of scenarios) {
  t.test(s.name, async (t) => {
    const w = new FakeWorld();
    w.account(CALLER).balances.set(QKC, 10n ** 18n);
    w.account(CALLER).balances.set(0x1234n, 100n);
    for (const [k, v] of Object.entries(s.cBalances)) w.account(C).balances.set(BigInt(k), BigInt(v));
    w.account(C).code = bytes(s.code);
    w.account(D).code = bytes(s.dCode);
    const msg = makeMessage({
      sender: CALLER,
      to: C,
      value: BigInt(s.value),
      gas: BigInt(s.gas),
      toFullShardKey: 0,
      transferTokenId: BigInt(s.token),
      gasTokenId: QKC,
    });
    const ex = execution(w, undefined, { origin: CALLER });
    const res = applyMessage(ex, msg);
    t.same([res.success, res.gasRemaining, hex(res.output)], [s.result === 1, BigInt(s.gasLeft), s.output]);
    t.same(ex.effects.suicides.map(hex), s.suicides);
    for (const [a, want] of Object.entries(s.after)) {
      const got = w.account(bytes(a));
      const balances = Object.fromEntries(
        [...got.balances].filter(([, v]) => v !== 0n).map(([k, v]) => [String(k), String(v)]),
      );
      t.same({ balances, slot0: String(got.storage.get(0n) ?? 0n) }, want, a);
    }
  });
}
