import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";
const C = addr("cc"),
  O = addr("dd");
function bench(name: string, code: string, n: bigint, ops: number, setup?: (w: FakeWorld) => void) {
  const w = new FakeWorld();
  w.account(C).code = bytes(code);
  setup?.(w);
  for (let k = 0; k < 3; k++) {
    const ex = execution(w);
    const t0 = performance.now();
    const r = applyMessage(
      ex,
      makeMessage({ sender: addr("0a"), to: C, gas: n, transferTokenId: QKC, gasTokenId: QKC }),
    );
    const ms = performance.now() - t0;
    console.log(
      name,
      r.success,
      (n - r.gasRemaining).toString(),
      `${ms.toFixed(1)} ms`,
      `${(ops / ms / 1000).toFixed(2)} M ops/s`,
    );
  }
}
// countdown loop 1M iterations, 7 ops each
bench("loop", "620f4240 5b 6001 90 03 80 6004 57 00", 100_000_000n, 7_000_000);
// 20k CALLs to an empty contract: PUSH2 n; JUMPDEST; 0 0 0 0 0 O GAS CALL POP; 1 SWAP1 SUB DUP1 PUSH1 3 JUMPI
bench(
  "calls",
  "614e20 5b 6000 6000 6000 6000 6000 73" + "00".repeat(19) + "dd 5a f1 50 6001 90 03 80 6003 57 00",
  1_000_000_000n,
  20000,
  (w) => {
    w.account(O).code = bytes("00");
  },
);
// MSTORE/MLOAD/SHA3 heavy
bench("mem", "620186a0 5b 80 6000 52 6000 51 6020 6000 20 50 50 6001 90 03 80 6004 57 00", 100_000_000n, 100000 * 13);

// Value transfers to fresh accounts (messages, no code), warm.
{
  const w = new FakeWorld();
  w.account(addr("0a")).balances.set(QKC, 10n ** 30n);
  for (let k = 0; k < 3; k++) {
    const ex = execution(w);
    const n = 20000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const to = addr((0x100000 + k * n + i).toString(16));
      applyMessage(
        ex,
        makeMessage({ sender: addr("0a"), to, value: 1n, gas: 0n, transferTokenId: QKC, gasTokenId: QKC }),
      );
    }
    const ms = performance.now() - t0;
    console.log("transfers", `${((n / ms) * 1000).toFixed(0)}/s`);
  }
}
