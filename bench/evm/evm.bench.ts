/**
 * `npm run bench:evm` (issue 13 item 7): the workloads of workloads.json (an arithmetic loop, value
 * transfers, token-contract transfers) through our interpreter, then the same through pyquarkchain's in the
 * same run (bench/evm/pyquarkchain_evm.py over the interop env, when ../shared/interop and
 * QKC_INTEROP_HOME are there), side by side.
 *
 * Two levels, each against its pyquarkchain counterpart: bare messages (src/evm/apply.ts:applyMessage over
 * the in-memory test world, against messages.py:apply_msg) and transactions (src/backend/exec/apply-tx.ts
 * over a WorldState on an in-memory Kv, against messages.py:apply_transaction: validation, nonce, gas
 * purchase, refund, fees). Senders are known up front on both sides (pyquarkchain's tx.sender is recovered
 * before its clock starts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import { newExecState } from "../../src/backend/exec/exec-state.ts";
import { STATE_TEST_RULES } from "../../src/backend/exec/state-test/run-entry.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { bigintToBytes } from "../../src/evm/precompiles/input.ts";
import { blockEnv, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";
import { findInterop, interopEnv } from "../load/targets.ts";
import { qkcTx } from "../../harness/exec-env.ts";

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

function runTransactions(calls: Call[], ops?: number): Result {
  const world = WorldState.open(new MemoryKvEnv().shard(0), undefined, { mockAccounts: true });
  world.setBalance(SENDER, QKC, 10n ** 30n);
  world.setCode(LOOP, fromHex(W.loopCode));
  world.setCode(TOKEN, fromHex(W.tokenCode));
  world.setStorage(TOKEN, BigInt(0x5e4d), 10n ** 30n);
  world.commit({ allowEmpties: true });
  const gasLimit = 10n ** 15n;
  const state = newExecState(world, blockEnv({ gasLimit }), STATE_TEST_RULES, gasLimit);
  const txs = calls.map(([to, value, data, startgas], nonce) =>
    qkcTx({ nonce: BigInt(nonce), startgas, to, value, data, network_id: 1n }),
  );
  const hash = new Uint8Array(32);
  const start = performance.now();
  for (const tx of txs) {
    const r = applyTransaction(state, tx, SENDER, hash, { isTesting: true });
    if (!("applied" in r) || !r.success) throw new Error(`a benchmark transaction failed: ${JSON.stringify(r)}`);
  }
  const seconds = (performance.now() - start) / 1000;
  const gas = Number(state.gasUsed);
  const r: Result = {
    seconds,
    count: calls.length,
    perSecond: calls.length / seconds,
    gas,
    gasPerSecond: gas / seconds,
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

const workloads: Record<string, [Call[], number | undefined]> = {
  loop: [[[LOOP, 0n, new Uint8Array(0), 10n ** 9n]], 2 + 7 * W.loopIterations],
  valueTransfers: [
    Array.from({ length: W.valueTransfers }, (_, i): Call => [recipient(i), 1n, new Uint8Array(0), 21000n]),
    undefined,
  ],
  tokenTransfers: [
    Array.from({ length: W.tokenTransfers }, (_, i): Call => [TOKEN, 0n, tokenCall(i), 100000n]),
    undefined,
  ],
};
// Each of ours runs twice on a fresh world and the second run counts: the first is V8 compiling the
// interpreter (2,000 token calls are over before runFrame is optimized). pyquarkchain has no JIT to warm.
const ours: Record<string, Result> = {};
for (const [name, [calls, ops]] of Object.entries(workloads)) {
  for (let run = 0; run < 2; run++) {
    ours[`${name}/message`] = runMessages(calls, ops);
    ours[`${name}/transaction`] = runTransactions(calls, ops);
  }
}

let theirs: Record<string, Result> | undefined;
const interop = findInterop();
if (typeof interop !== "string") {
  const py = spawnSync(interop.runSh, [new URL("pyquarkchain_evm.py", here).pathname], {
    encoding: "utf8",
    timeout: 600_000,
    env: interopEnv(interop),
  });
  const line = py.stdout.trim().split("\n").pop() ?? "";
  try {
    theirs = JSON.parse(line) as Record<string, Result>;
  } catch {
    console.error(`pyquarkchain side failed (exit ${py.status}): ${py.stderr.slice(-2000)}`);
  }
} else {
  console.log(`(pyquarkchain side skipped: ${interop})`);
}

const fmt = (n: number | undefined) => (n === undefined ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(1)}x` : "-";
console.log("ours: the second of two runs (the first warms V8's JIT); wall time");
console.log(
  [
    "workload".padEnd(16),
    "metric".padEnd(8),
    "ours msg".padStart(12),
    "pyqkc msg".padStart(12),
    "ratio".padStart(7),
    "ours tx".padStart(12),
    "pyqkc tx".padStart(12),
    "ratio".padStart(7),
  ].join(" "),
);
for (const name of Object.keys(workloads)) {
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
    const [om, pm, ot, pt] = [`${name}/message`, `${name}/message`, `${name}/transaction`, `${name}/transaction`].map(
      (k, i) => (i % 2 === 0 ? ours[k] : theirs?.[k])?.[key],
    );
    console.log(
      [
        name.padEnd(16),
        label.padEnd(8),
        fmt(om).padStart(12),
        fmt(pm).padStart(12),
        ratio(om, pm).padStart(7),
        fmt(ot).padStart(12),
        fmt(pt).padStart(12),
        ratio(ot, pt).padStart(7),
      ].join(" "),
    );
  }
}
// The same workload must burn the same gas on both sides: a cheap end-to-end check of the figures above.
if (theirs !== undefined) {
  for (const [k, r] of Object.entries(ours)) {
    const p = theirs[k];
    if (p !== undefined && p.gas !== r.gas) console.log(`GAS DIFFERS on ${k}: ours ${r.gas}, pyquarkchain ${p.gas}`);
  }
}
