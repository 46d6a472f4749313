/**
 * `npm run bench:evm` (issue 13 item 7): the workloads of workloads.json (an arithmetic loop, value
 * transfers, token-contract transfers) through our interpreter, then the same through pyquarkchain's in the
 * same run (bench/evm/pyquarkchain_evm.py over the interop env, when ../shared/interop and
 * QKC_INTEROP_HOME are there), side by side.
 *
 * Today the TS side runs bare messages (src/evm/apply.ts:applyMessage over the in-memory test world), so it
 * is compared with pyquarkchain's apply_msg; pyquarkchain's apply_transaction figures are printed too. The
 * transaction level on our side waits for txlayer's applyTransaction to build against the current
 * interpreter.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { bigintToBytes } from "../../src/evm/precompiles/input.ts";
import { execution, FakeWorld, QKC } from "../../test/evm/fake-world.ts";

interface Workloads {
  loopIterations: number;
  loopCode: string;
  valueTransfers: number;
  tokenTransfers: number;
  tokenCode: string;
}
const here = new URL(".", import.meta.url);
const W = JSON.parse(readFileSync(new URL("workloads.json", here), "utf8")) as Workloads;
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const addr = (n: number) => bigintToBytes(BigInt(n), 20);

const SENDER = addr(0x5e4d);
const TOKEN = addr(0x70);
const LOOP = addr(0x71);
const recipient = (i: number) => addr(0x100000 + i);

function freshWorld(): FakeWorld {
  const w = new FakeWorld();
  w.account(SENDER).balances.set(QKC, 10n ** 30n);
  w.account(LOOP).code = fromHex(W.loopCode);
  w.account(TOKEN).code = fromHex(W.tokenCode);
  w.account(TOKEN).storage.set(BigInt(0x5e4d), 10n ** 30n);
  return w;
}

type Call = [to: Uint8Array, value: bigint, data: Uint8Array, gas: bigint];
interface Result {
  seconds: number;
  count: number;
  perSecond: number;
  gas: number;
  gasPerSecond: number;
  opsPerSecond?: number;
}

function runMessages(calls: Call[], ops?: number): Result {
  const ex = execution(freshWorld(), undefined, { origin: SENDER });
  const start = performance.now();
  let gas = 0n;
  for (const [to, value, data, g] of calls) {
    const res = applyMessage(
      ex,
      makeMessage({ sender: SENDER, to, value, gas: g, data, transferTokenId: QKC, gasTokenId: QKC }),
    );
    if (!res.success) throw new Error("a benchmark message failed");
    gas += g - res.gasRemaining;
  }
  const seconds = (performance.now() - start) / 1000;
  const r: Result = {
    seconds,
    count: calls.length,
    perSecond: calls.length / seconds,
    gas: Number(gas),
    gasPerSecond: Number(gas) / seconds,
  };
  if (ops !== undefined) r.opsPerSecond = ops / seconds;
  return r;
}

const tokenCall = (i: number) => {
  const d = new Uint8Array(68);
  d.set(recipient(i), 4 + 12);
  d[67] = 1;
  return d;
};

const ours: Record<string, Result> = {
  loop: runMessages([[LOOP, 0n, new Uint8Array(0), 10n ** 9n]], 2 + 7 * W.loopIterations),
  valueTransfers: runMessages(
    Array.from({ length: W.valueTransfers }, (_, i): Call => [recipient(i), 1n, new Uint8Array(0), 21000n]),
  ),
  tokenTransfers: runMessages(
    Array.from({ length: W.tokenTransfers }, (_, i): Call => [TOKEN, 0n, tokenCall(i), 100000n]),
  ),
};

let theirs: Record<string, Result> | undefined;
const runSh = new URL("../../../shared/interop/run.sh", here).pathname;
if (existsSync(runSh) && process.env.QKC_INTEROP_HOME) {
  const py = spawnSync(runSh, [new URL("pyquarkchain_evm.py", here).pathname], { encoding: "utf8", timeout: 600_000 });
  const line = py.stdout.trim().split("\n").pop() ?? "";
  try {
    theirs = JSON.parse(line) as Record<string, Result>;
  } catch {
    console.error(`pyquarkchain side failed (exit ${py.status}): ${py.stderr.slice(-2000)}`);
  }
} else {
  console.log("(pyquarkchain side skipped: set QKC_INTEROP_HOME and keep ../shared/interop beside the repo)");
}

const fmt = (n: number | undefined) => (n === undefined ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(2));
console.log(
  `${"workload".padEnd(16)} ${"metric".padEnd(8)} ${"ours (msg)".padStart(14)} ${"pyqkc (msg)".padStart(14)} ${"ratio".padStart(7)} ${"pyqkc (tx)".padStart(14)}`,
);
for (const [name, r] of Object.entries(ours)) {
  const pm = theirs?.[`${name}/message`];
  const pt = theirs?.[`${name}/transaction`];
  const metrics: [string, keyof Result][] =
    name === "loop"
      ? [
          ["ops/s", "opsPerSecond"],
          ["gas/s", "gasPerSecond"],
        ]
      : [
          ["calls/s", "perSecond"],
          ["gas/s", "gasPerSecond"],
        ];
  for (const [label, key] of metrics) {
    const a = r[key];
    const b = pm?.[key];
    const ratio = a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(1)}x` : "-";
    console.log(
      `${name.padEnd(16)} ${label.padEnd(8)} ${fmt(a).padStart(14)} ${fmt(b).padStart(14)} ${ratio.padStart(7)} ${fmt(pt?.[key]).padStart(14)}`,
    );
  }
}
