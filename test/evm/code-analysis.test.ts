import t from "tap";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { analyse, analysisCacheSize, type CodeSource } from "../../src/evm/code-analysis.ts";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

/** A world state as a block opens it: each state reads the account's code into a fresh array. */
function stateWith(code: Uint8Array): CodeSource & { readonly code: Uint8Array } {
  const own = code.slice();
  const hash = keccak256(own);
  return { code: own, getCode: () => own, getCodeHash: () => hash };
}
const AT = addr("cc");

t.test("jump destinations: a JUMPDEST inside PUSH data is no destination", async (t) => {
  // PUSH2 0x5b5b; JUMPDEST; PUSH1 0x5b
  const a = analyse(bytes("615b5b5b605b"));
  t.same([...a.dests], [0, 0, 0, 1, 0, 0]);
  t.equal(a.pushValue(0, 2), 0x5b5bn);
  t.equal(a.pushValue(4, 1), 0x5bn);
  t.equal(analyse(bytes("61ff")).pushValue(0, 2), 0xff00n, "a PUSH past the end reads zeros");
});

t.test("an account's code is analysed once per code hash, whichever state reads it", async (t) => {
  const code = bytes("6001600201" + "5b".repeat(40) + Math.random().toString(16).slice(2, 10).padEnd(8, "0"));
  const block1 = stateWith(code);
  const block2 = stateWith(code);
  t.not(block1.code, block2.code, "two states hold two arrays");
  const a = analyse(block1.code, block1, AT);
  t.equal(analyse(block2.code, block2, AT), a, "the second state's array finds the first analysis by hash");
  t.equal(analyse(block2.code, block2, AT), a, "and again by the array");
  t.not(analyse(code.slice()), a, "init code (no account) is analysed on its own");
});

t.test("code that is not the account's current code is not filed under the account's hash", async (t) => {
  const current = stateWith(bytes("600160020100aa"));
  const stale = bytes("600360040100bb");
  const a = analyse(stale, current, AT);
  t.equal(a.code, stale);
  t.not(analyse(current.code, current, AT), a);
});

t.test("the hash cache is bounded by the code it covers", async (t) => {
  const before = analysisCacheSize();
  // 80 distinct 24 KB contracts: 1.9 MB of code, then 40 more push the oldest out.
  for (let i = 0; i < 120; i++) {
    const code = new Uint8Array(24576).fill(0x5b);
    code[0] = i;
    code[1] = before.entries & 0xff;
    const s = stateWith(code);
    analyse(s.code, s, AT);
  }
  const after = analysisCacheSize();
  t.ok(after.codeBytes <= 2 * 1024 * 1024, `${after.codeBytes} bytes of code cached`);
  t.ok(after.entries < before.entries + 120, "the oldest analyses were dropped");
});

t.test("a contract called from two worlds with the same code runs the same", async (t) => {
  // PUSH1 4; JUMP; INVALID; JUMPDEST; PUSH1 1; PUSH1 0; SSTORE; STOP
  const code = "600456fe5b600160005500";
  for (let i = 0; i < 2; i++) {
    const w = new FakeWorld();
    w.account(AT).code = bytes(code);
    const res = applyMessage(
      execution(w),
      makeMessage({ sender: addr("0a"), to: AT, gas: 100000n, transferTokenId: QKC, gasTokenId: QKC }),
    );
    t.ok(res.success, `world ${i}`);
    t.equal(w.account(AT).storage.get(0n), 1n);
  }
});
