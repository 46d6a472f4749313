import t from "tap";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

const CONTRACT = addr("cc");
const CALLER = addr("0a");

/** Run `code` at CONTRACT from CALLER with `gas`, in QKC. */
function run(code: string, gas = 1_000_000n, world = new FakeWorld()) {
  world.account(CONTRACT).code = bytes(code);
  const ex = execution(world);
  const msg = makeMessage({ sender: CALLER, to: CONTRACT, gas, transferTokenId: QKC, gasTokenId: QKC });
  return { res: applyMessage(ex, msg), world, ex };
}
const used = (r: { gasRemaining: bigint }, gas = 1_000_000n) => gas - r.gasRemaining;

t.test("a 100k-iteration countdown loop costs 26 gas per turn", async (t) => {
  // PUSH3 100000; JUMPDEST; PUSH1 1; SWAP1; SUB; DUP1; PUSH1 4; JUMPI; STOP
  const { res } = run("620186a0 5b 6001 90 03 80 6004 57 00", 10_000_000n);
  t.ok(res.success);
  t.equal(used(res, 10_000_000n), 3n + 100_000n * 26n);
});

t.test("SLOAD is 200, BALANCE and EXTCODEHASH 400 (opcodes.py)", async (t) => {
  t.equal(used(run("6000 54").res), 203n);
  t.equal(used(run("30 31").res), 402n);
  t.equal(used(run("30 3f").res), 402n);
});

t.test("SSTORE 0->1 then 1->0 costs 20000 + 5000 and refunds 15000", async (t) => {
  // PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 SSTORE
  const { res, ex, world } = run("6001 6000 55 6000 6000 55");
  t.ok(res.success);
  t.equal(used(res), 12n + 25000n);
  t.equal(ex.effects.refunds, 15000);
  t.equal(world.getStorage(CONTRACT, 0n), 0n);
});

t.test("SHL then SSTORE stores 1 << 4", async (t) => {
  // PUSH1 1 PUSH1 4 SHL PUSH1 0 SSTORE
  const { res, world } = run("6001 6004 1b 6000 55");
  t.ok(res.success);
  t.equal(used(res), 3n + 3n + 3n + 3n + 20000n);
  t.equal(world.getStorage(CONTRACT, 0n), 16n);
});

t.test("CHAINID, SELFBALANCE, PUSH0 and 0xfe fail with all gas consumed", async (t) => {
  for (const op of ["46", "47", "5f", "fe", "0c", "21"]) {
    const { res } = run(op);
    t.notOk(res.success, op);
    t.equal(res.gasRemaining, 0n, op);
  }
});

t.test("bytesToBigint reads every length up to 40 bytes as big-endian hex does", async (t) => {
  const { bytesToBigint } = await import("../../src/evm/words.ts");
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let n = 0; n <= 40; n++) {
    for (let k = 0; k < 20; k++) {
      const b = Uint8Array.from({ length: n }, rnd);
      if (k === 0) b.fill(0xff);
      const want = n === 0 ? 0n : BigInt("0x" + Buffer.from(b).toString("hex"));
      if (bytesToBigint(b) !== want) t.fail(`length ${n}: ${Buffer.from(b).toString("hex")}`);
      // The same bytes inside a view that starts mid-buffer (call data, a hash in a larger buffer).
      const host = new Uint8Array(n + 9).fill(0xaa);
      host.set(b, 5);
      if (bytesToBigint(host.subarray(3), 2, 2 + n) !== want) t.fail(`length ${n} at an offset`);
    }
  }
  t.pass("all lengths agree");
});

t.test("words round-trip through memory views: small, 160-bit and 256-bit values", async (t) => {
  const { readWordAt, writeWordAt, word32, bytesToBigint } = await import("../../src/evm/words.ts");
  const buf = new Uint8Array(96).fill(0xee);
  const dv = new DataView(buf.buffer);
  const values = [0n, 1n, 0xffffffffn, 0x100000000n, (1n << 160n) - 3n, (1n << 255n) + 12345n, (1n << 256n) - 1n];
  for (let i = 0n; i < 40n; i++) values.push((i * 0x9e3779b97f4a7c15f39cc0605cedc834n ** 3n) % (1n << 256n));
  // Each width of leading zeros readWordAt tells apart, and its edges (2^53: a double is no longer exact).
  for (const e of [32, 52, 53, 54, 63, 64, 65, 96, 127, 128, 129, 159, 160, 161, 191, 192, 193, 255])
    for (const d of [-1n, 0n, 1n]) values.push((1n << BigInt(e)) + d, (((1n << BigInt(e)) + d) * 3n) % (1n << 256n));
  for (const v of values) {
    writeWordAt(dv, 33, v);
    if (readWordAt(dv, 33) !== v || bytesToBigint(buf, 33, 65) !== v || bytesToBigint(word32(v)) !== v)
      t.fail(`0x${v.toString(16)}`);
  }
  t.equal(buf[32], 0xee, "the byte before is untouched");
  t.equal(buf[65], 0xee, "the byte after is untouched");
});

t.test("addrFromWord keeps the low 160 bits of any word as 20 big-endian bytes (utils.int_to_addr)", async (t) => {
  const { addrFromWord, bytesToBigint, TT256M1 } = await import("../../src/evm/words.ts");
  const values = [0n, 1n, 4n, 0xffffffffn, 0x100000000n, (1n << 160n) - 1n, 1n << 160n, TT256M1];
  for (let i = 1n; i < 40n; i++) values.push((i * 0x9e3779b97f4a7c15f39cc0605cedc834n ** 3n) % (1n << 256n));
  for (const w of values) {
    const want = (w & ((1n << 160n) - 1n)).toString(16).padStart(40, "0");
    const got = addrFromWord(w);
    if (Buffer.from(got).toString("hex") !== want || got.length !== 20) t.fail(`0x${w.toString(16)}`);
    if (bytesToBigint(got) !== BigInt("0x" + want)) t.fail(`round trip 0x${w.toString(16)}`);
  }
  t.pass(`${values.length} words`);
});
