import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { applyMessage, createContract } from "../../src/evm/apply.ts";
import { FEE } from "../../src/evm/gas.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, blockEnv, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

/** Deterministic xorshift32: a failure names its seed and program. */
function rng(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const ACCOUNTS = [addr("cc"), addr("c1"), addr("c2"), addr("04"), addr("514b430001"), addr("514b430002")];
/** Operands that reach interesting places: the accounts, small numbers, huge numbers, offsets near memory. */
function operand(r: () => number): string {
  switch (r() % 6) {
    case 0:
      return "73" + hex(ACCOUNTS[r() % ACCOUNTS.length]!);
    case 1:
      return "7f" + "ff".repeat(32);
    case 2:
      return "61" + (r() % 0x10000).toString(16).padStart(4, "0");
    default:
      return "60" + (r() % 0x40).toString(16).padStart(2, "0");
  }
}
const FAVOURITES = [
  0xf1, 0xf2, 0xf4, 0xfa, 0xf0, 0xf5, 0x55, 0x54, 0x52, 0x51, 0x20, 0xa1, 0x3e, 0x56, 0x57, 0xff, 0xfd, 0xf3, 0x5a,
];

const KNOWN = [...FEE.keys()].filter((op) => FEE[op]! >= 0 && (op < 0x60 || op > 0x7f));

/** Mostly opcodes QuarkChain's EVM knows, with operands pushed in between, and a few random bytes. */
function program(r: () => number): Uint8Array {
  let h = "";
  for (let i = r() % 12; i > 0; i--) h += operand(r); // something for the first opcodes to take
  const n = 1 + (r() % 60);
  for (let i = 0; i < n; i++) {
    const k = r() % 16;
    const op =
      k < 6 ? -1 : k < 9 ? FAVOURITES[r() % FAVOURITES.length]! : k < 15 ? KNOWN[r() % KNOWN.length]! : r() % 256;
    h += op < 0 ? operand(r) : op.toString(16).padStart(2, "0");
  }
  return Uint8Array.from(Buffer.from(h, "hex"));
}

/** Everything the accounts hold, for "a failed message leaves no trace" (reads cache blank accounts: skipped). */
function dump(w: FakeWorld): string {
  return JSON.stringify(
    [...w.accounts]
      .filter(([k, a]) => a.touched || w.accountExists(Buffer.from(k, "hex")))
      .map(([k, a]) => [k, a.nonce, [...a.balances], hex(a.code), [...a.storage], a.touched]),
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
}

t.test("random programs: every run ends in bounded time with a sane result; a failure leaves no trace", async (t) => {
  const seed = Number(process.env.EVM_RANDOM_SEED ?? 20261205);
  const r = rng(seed);
  const deadline = Date.now() + 20_000;
  let runs = 0;
  let failures = 0;
  while (runs < 3000 && Date.now() < deadline) {
    const w = new FakeWorld();
    for (const a of ACCOUNTS.slice(0, 3)) {
      const acct = w.account(a);
      acct.code = program(r);
      acct.balances.set(QKC, BigInt(r() % 1000));
      acct.balances.set(0x1234n, BigInt(r() % 3));
    }
    w.account(addr("0a")).balances.set(QKC, 10n ** 18n);
    const gas = BigInt(r() % 3_000_000);
    const before = dump(w);
    const ex = execution(w, blockEnv({ timestamp: BigInt(r() % 3) }));
    const create = r() % 5 === 0;
    const msg = makeMessage({
      sender: addr("0a"),
      to: create ? new Uint8Array(0) : ACCOUNTS[0]!,
      value: BigInt(r() % 3),
      gas,
      data: create ? program(r) : Uint8Array.from({ length: r() % 80 }, () => r() & 0xff),
      toFullShardKey: r() % 2 === 0 ? 0 : undefined,
      transferTokenId: r() % 4 === 0 ? 0x1234n : QKC,
      gasTokenId: QKC,
    });
    const label = `seed ${seed} run ${runs}`;
    const t0 = Date.now();
    const res = create ? createContract(ex, msg) : applyMessage(ex, msg);
    if (Date.now() - t0 > 5_000) t.fail(`${label}: took ${Date.now() - t0} ms`);
    if (res.gasRemaining > gas) t.fail(`${label}: more gas back (${res.gasRemaining}) than given (${gas})`);
    if (!res.success && res.gasRemaining < 0n) t.fail(`${label}: a failure in debt`);
    if (!res.success) failures++;
    // A failed call reverts everything it did (a failed create keeps the reset of a pre-existing account).
    if (!res.success && !create) {
      if (dump(w) !== before) t.fail(`${label}: a failed message changed the world`);
      if (ex.effects.logs.length !== 0 || ex.effects.suicides.length !== 0 || ex.effects.refunds !== 0)
        t.fail(`${label}: a failed message kept effects`);
    }
    runs++;
  }
  t.ok(runs >= 500, `${runs} programs ran (${failures} failed as programs)`);
});
