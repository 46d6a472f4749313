/**
 * The interpreter's shortcuts for words, against the values they must give: a CALLDATALOAD
 * repeated at the same offset (the frame keeps the last word), and MSTORE's limb-by-limb writes
 * of words at each limb's edge (2^64, 2^128, 2^160, 2^192, 2^255).
 */
import t from "tap";
import { applyMessage } from "../../src/evm/apply.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

const A = addr("aa");
const B = addr("bb");
const CALLER = addr("0a");

const hex32 = (v: bigint) => v.toString(16).padStart(64, "0");
const push1 = (n: number) => "60" + n.toString(16).padStart(2, "0");
const push32 = (v: bigint) => "7f" + hex32(v);
/** CALLDATALOAD at `off`, stored in slot `slot`. */
const loadInto = (off: number, slot: number) => push1(off) + "35" + push1(slot) + "55";

function call(world: FakeWorld, data: Uint8Array) {
  const ex = execution(world);
  const msg = makeMessage({ sender: CALLER, to: A, gas: 5_000_000n, data, transferTokenId: QKC, gasTokenId: QKC });
  return applyMessage(ex, msg);
}

/** The word at `off` of `data`, zeros past its end (CallData.extract32). */
function wordAt(data: Uint8Array, off: number): bigint {
  const w = new Uint8Array(32);
  w.set(data.subarray(off, off + 32));
  return BigInt("0x" + Buffer.from(w).toString("hex"));
}

t.test("CALLDATALOAD again at an offset, at another, and at the tail, zero-padded", async (t) => {
  const data = bytes(hex32(2n ** 255n + 12345n) + hex32(2n ** 160n - 1n) + hex32(2n ** 53n + 1n) + "a9059cbb");
  const offsets = [4, 4, 0x24, 4, 0, 0, 0x60, 0x60, 0x63, 0x40, 0x40, 0x41, 0x64, 4];
  const world = new FakeWorld();
  world.account(A).code = bytes(offsets.map((o, i) => loadInto(o, i)).join(""));
  t.ok(call(world, data).success);
  const got = offsets.map((_, i) => world.getStorage(A, BigInt(i)));
  t.strictSame(
    got,
    offsets.map((o) => wordAt(data, o)),
  );
});

t.test("a called frame's CALLDATALOAD reads its own call data, and the caller's after it", async (t) => {
  const world = new FakeWorld();
  const childData = 0xdeadbeefn << 200n;
  // A: load 0 into slot 0; call B with 32 bytes of memory holding childData; load 0 into slot 1.
  world.account(A).code = bytes(
    loadInto(0, 0) +
      push32(childData) +
      push1(0) +
      "52" + // MSTORE
      push1(0) + // outSize
      push1(0) + // outStart
      push1(0x20) + // inSize
      push1(0) + // inStart
      push1(0) + // value
      "73" +
      "00".repeat(19) +
      "bb" + // PUSH20 B
      "620fffff" + // gas
      "f1" + // CALL
      "50" + // POP
      loadInto(0, 1),
  );
  world.account(B).code = bytes(loadInto(0, 0));
  const data = bytes(hex32(2n ** 256n - 1n));
  t.ok(call(world, data).success);
  t.equal(world.getStorage(A, 0n), 2n ** 256n - 1n);
  t.equal(world.getStorage(B, 0n), childData, "the child's own call data");
  t.equal(world.getStorage(A, 1n), 2n ** 256n - 1n, "the caller's, after the child");
});

t.test("MSTORE writes every word whole, each side of each limb's edge", async (t) => {
  const values = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 128n - 1n, 2n ** 128n];
  values.push(2n ** 160n - 1n, 2n ** 160n, 2n ** 192n - 1n, 2n ** 192n, 2n ** 192n + 1n, 2n ** 255n, 2n ** 256n - 1n);
  values.push((2n ** 192n - 1n) ^ (2n ** 100n), 0xffn << 184n);
  let bad = 0;
  for (const v of values) {
    const world = new FakeWorld();
    // MSTORE v at 0 and at 1 (unaligned), then RETURN 64 bytes
    world.account(A).code = bytes(
      push32(v) + push1(0) + "52" + push32(v) + push1(33) + "52" + push1(0x41) + push1(0) + "f3",
    );
    const res = call(world, new Uint8Array(0));
    const out = Buffer.from(res.output).toString("hex");
    if (!res.success || out !== hex32(v) + "00" + hex32(v)) bad++;
  }
  t.equal(bad, 0, `${values.length} words`);
});
