import { readFileSync } from "node:fs";
import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, blockEnv, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

/** Scenarios run through pyquarkchain's messages.apply_msg by test/evm/specials-oracle.py. */
interface Scenario {
  name: string;
  special: number;
  data: string;
  gas: number;
  value: number;
  token: number;
  timestamp: number;
  mntTs: string;
  result: number;
  gasLeft: number;
  output: string;
  after: Record<string, { nonce: number; balances: Record<string, string>; code: string }>;
}
const scenarios = (
  JSON.parse(readFileSync(new URL("./fixtures/specials-oracle.json", import.meta.url), "utf8")) as Scenario[]
).filter((s) => s.name !== "end");

const CALLER = addr("0a");

for (const s of scenarios) {
  t.test(s.name, async (t) => {
    const w = new FakeWorld();
    w.account(CALLER).balances.set(QKC, 10n ** 18n);
    w.account(CALLER).balances.set(0x1234n, 10n);
    const base = blockEnv({ timestamp: BigInt(s.timestamp) });
    const mnt = BigInt(s.mntTs);
    const block = { ...base, schedule: { ...base.schedule, specials: [0n, 0n, 0n, mnt, mnt] as const } };
    const special = addr("514b4300" + s.special.toString(16).padStart(2, "0"));
    const msg = makeMessage({
      sender: CALLER,
      to: special,
      value: BigInt(s.value),
      gas: BigInt(s.gas),
      data: bytes(s.data),
      toFullShardKey: 0,
      transferTokenId: BigInt(s.token),
      gasTokenId: QKC,
    });
    const res = applyMessage(execution(w, block, { origin: CALLER }), msg);
    t.same([res.success, res.gasRemaining, hex(res.output)], [s.result === 1, BigInt(s.gasLeft), s.output]);
    for (const [a, want] of Object.entries(s.after)) {
      const got = w.account(bytes(a));
      const balances = Object.fromEntries(
        [...got.balances].filter(([, v]) => v !== 0n).map(([k, v]) => [String(k), String(v)]),
      );
      t.same({ nonce: Number(got.nonce), balances, code: hex(got.code).slice(0, 16) }, want, a);
    }
  });
}
