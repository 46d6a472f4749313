import t from "tap";
import { mkContractAddress, mkContractAddress2 } from "../../src/evm/address.ts";
import { applyMessage, createContract } from "../../src/evm/apply.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { hex } from "../../src/codec/bytes.ts";
import { makeMessage } from "../../src/evm/message.ts";
import { addr, blockEnv, bytes, execution, FakeWorld, QKC } from "../../harness/fake-world.ts";

const CONTRACT = addr("cc");
const OTHER = addr("dd");
const CALLER = addr("0a");
const QI = 0x1234n;
const MNT_ID = addr("514b430001");

function setup(code: string, world = new FakeWorld()) {
  world.account(CONTRACT).code = bytes(code);
  return world;
}
function call(
  world: FakeWorld,
  gas: bigint,
  opts: { value?: bigint; token?: bigint; data?: Uint8Array } = {},
  block = blockEnv(),
) {
  const ex = execution(world, block);
  const msg = makeMessage({
    sender: CALLER,
    to: CONTRACT,
    gas,
    value: opts.value ?? 0n,
    data: opts.data ?? new Uint8Array(0),
    transferTokenId: opts.token ?? QKC,
    gasTokenId: QKC,
  });
  return { res: applyMessage(ex, msg), ex };
}
const push20 = (a: Uint8Array) => "73" + hex(a);

t.test("stack limits: underflow and the 1025th item end the frame with all gas", async (t) => {
  let { res } = call(setup("01"), 100n); // ADD on an empty stack
  t.same([res.success, res.gasRemaining], [false, 0n]);
  ({ res } = call(setup("5b 6001 6000 56".replace(/ /g, "")), 100_000n)); // pushes forever via JUMP 0
  t.same([res.success, res.gasRemaining], [false, 0n], "overflow");
  ({ res } = call(setup("6001".repeat(1024)), 100_000n));
  t.ok(res.success, "exactly 1024 items is fine");
  t.equal(res.gasRemaining, 100_000n - 3n * 1024n);
});

t.test("jumps: only to a JUMPDEST opcode, never into PUSH data or past the end", async (t) => {
  t.ok(call(setup("6004 56 00 5b 00"), 100n).res.success, "JUMP 4 lands on JUMPDEST");
  t.notOk(call(setup("6003 56 00 5b 00"), 100n).res.success, "JUMP 3 is STOP, not a JUMPDEST");
  t.notOk(call(setup("6003 56 00 605b 00"), 100n).res.success, "0x5b inside PUSH1 data");
  t.notOk(call(setup("61ffff 56"), 100n).res.success, "past the end");
  t.notOk(call(setup("7f" + "ff".repeat(32) + "56"), 100n).res.success, "2^256-1");
  t.ok(call(setup("6000 6009 57 00 5b"), 100n).res.success, "JUMPI with a zero condition ignores a bad target");
});

t.test("out of gas: a frame with exactly enough succeeds, one gas less fails with nothing left", async (t) => {
  const code = "6001 6002 01 00"; // 9 gas
  t.same(call(setup(code), 9n).res.gasRemaining, 0n);
  t.ok(call(setup(code), 9n).res.success);
  t.notOk(call(setup(code), 8n).res.success);
  // Memory: MSTORE at 0 costs 3 + 3 (one word); at 2^64 it cannot be paid.
  t.equal(call(setup("6001 6000 52"), 100n).res.gasRemaining, 100n - 12n);
  t.same(call(setup("6001 68010000000000000000 52"), 1_000_000n).res, {
    success: false,
    gasRemaining: 0n,
    output: new Uint8Array(0),
  });
  // EXP pays 50 per exponent byte: 2^0x0100 has a 2-byte exponent.
  t.equal(call(setup("610100 6002 0a"), 1000n).res.gasRemaining, 1000n - 3n - 3n - 10n - 100n);
});

t.test("RETURN and REVERT: REVERT keeps the gas, hands back its data and undoes the frame", async (t) => {
  // SSTORE(0, 1); MSTORE(0, 0x2a); REVERT(31, 1)
  const w = setup("6001 6000 55 602a 6000 52 6001 601f fd");
  const { res, ex } = call(w, 100_000n);
  t.notOk(res.success);
  t.equal(hex(res.output), "2a");
  t.equal(res.gasRemaining, 100_000n - (3n + 3n + 20000n + 3n + 3n + 6n + 3n + 3n));
  t.equal(w.getStorage(CONTRACT, 0n), 0n, "storage reverted");
  t.equal(ex.effects.refunds, 0);
});

t.test("RETURNDATACOPY past the returned data fails; RETURNDATASIZE sees the last call's output", async (t) => {
  const w = new FakeWorld();
  w.account(OTHER).code = bytes("602a 6000 52 6020 6000 f3"); // returns one word
  // CALL(gas, OTHER, 0, 0, 0, 0, 0); RETURNDATASIZE; RETURNDATACOPY(0, 1, 32)
  const base = `6000 6000 6000 6000 6000 ${push20(OTHER)} 61ffff f1 50`;
  setup(`${base} 3d 6000 55`, w);
  call(w, 200_000n);
  t.equal(w.getStorage(CONTRACT, 0n), 32n);
  setup(`${base} 6020 6001 6000 3e`, w);
  t.notOk(call(w, 200_000n).res.success);
  setup(`${base} 601f 6001 6000 3e 00`, w);
  t.ok(call(w, 200_000n).res.success);
});

t.test("STATICCALL: the child may not SSTORE, LOG, CREATE, SELFDESTRUCT or CALL with value", async (t) => {
  for (const [what, body] of [
    ["SSTORE", "6001 6000 55"],
    ["LOG0", "6000 6000 a0"],
    ["CREATE", "6000 6000 6000 f0"],
    ["SELFDESTRUCT", "6000 ff"],
    ["CALL with value", "6000 6000 6000 6000 6001 6000 6000 f1"],
  ] as const) {
    const w = new FakeWorld();
    w.account(OTHER).code = bytes(body);
    w.account(CONTRACT).balances.set(QKC, 10n);
    // STATICCALL(0xffff, OTHER, 0, 0, 0, 0); SSTORE(0, result)
    setup(`6000 6000 6000 6000 ${push20(OTHER)} 61ffff fa 6000 55`, w);
    t.ok(call(w, 200_000n).res.success, what);
    t.equal(w.getStorage(CONTRACT, 0n), 0n, `${what} failed in the static child`);
  }
  const w = new FakeWorld();
  w.account(OTHER).code = bytes("6000 54 50");
  setup(`6000 6000 6000 6000 ${push20(OTHER)} 61ffff fa 6000 55`, w);
  call(w, 200_000n);
  t.equal(w.getStorage(CONTRACT, 0n), 1n, "SLOAD is allowed");
});

t.test("1024 nested calls run without JavaScript recursion, and the 1025th is refused", async (t) => {
  // Each frame: SSTORE(depth slot... ) simply CALL itself with all gas, then store the result at slot 0.
  // CALL(GAS, ADDRESS, 0, 0, 0, 0, 0); PUSH1 0; SSTORE -> stores 1 if the child succeeded
  const w = setup("6000 6000 6000 6000 6000 30 5a f1 6000 55");
  const { res } = call(w, 1n << 62n);
  t.ok(res.success);
  t.equal(w.getStorage(CONTRACT, 0n), 1n);
  t.ok(res.gasRemaining > 0n && res.gasRemaining < 1n << 62n, "gas beyond 2^53 is exact");
});

t.test("gas beyond 2^53 comes back exact", async (t) => {
  const g = (1n << 63n) - 17n;
  const w = setup("6001 6000 55");
  const { res } = call(w, g);
  t.equal(res.gasRemaining, g - 20006n);
});

t.test("CALL's balance check reads the default token; a failed check keeps the child gas plus stipend", async (t) => {
  const w = setup(`6000 6000 6000 6000 6005 ${push20(OTHER)} 6000 f1 6000 55`); // CALL(0, OTHER, 5, ...)
  const { res } = call(w, 100_000n);
  t.ok(res.success);
  // 7 pushes (21) + CALL 700 + 9000 + 25000 (OTHER blank) - 2300 stipend back, then PUSH1 3 + SSTORE(0, 0) 5000
  t.equal(res.gasRemaining, 100_000n - (21n + 700n + 9000n + 25000n - 2300n + 3n + 5000n));
});

t.test("CREATE: the QuarkChain address hashes the full_shard_key; CREATE2 is Ethereum's", async (t) => {
  const s = bytes("11".repeat(20));
  t.equal(hex(mkContractAddress(s, 0n, 0)), "b302edc488859aee6c3f6bb7cfd2b69890e86e5b");
  t.equal(hex(mkContractAddress(s, 5n, 0x10001)), "139bb0bea7ef6963d8e0d208627854397ca847b7");
  t.equal(hex(mkContractAddress(s, 0n, undefined)), "8f7a45ebde059392e46a46dcc14ab24681a961ea");
  const salt = new Uint8Array(32);
  salt[31] = 7;
  t.equal(hex(mkContractAddress2(s, salt, keccak256(bytes("6000")))), "8785a22328b516b03cc12f950236be033078ae9d");
});

t.test("CREATE from code: nonce bump, code deposit at 200 a byte, collision consumes all gas", async (t) => {
  const w = new FakeWorld();
  // init code returning one byte 0x00: PUSH1 1 PUSH1 0 RETURN  -> 600160 00f3 ; store it at memory 0 and CREATE
  // MSTORE(0, 0x6001600 0f3 << ...) : put the 5 init bytes at memory 27..31
  const init = "60016000f3";
  setup(`64${init} 6000 52 6005 601b 6000 f0 6000 55`, w);
  w.account(CONTRACT).nonce = 1n;
  const ex = execution(w, blockEnv());
  const msg = makeMessage({
    sender: CALLER,
    to: CONTRACT,
    gas: 1_000_000n,
    transferTokenId: QKC,
    gasTokenId: QKC,
    toFullShardKey: 0,
  });
  t.ok(applyMessage(ex, msg).success);
  const created = mkContractAddress(CONTRACT, 1n, 0);
  t.equal(w.getStorage(CONTRACT, 0n), BigInt("0x" + hex(created)));
  t.equal(hex(w.getCode(created)), "00");
  t.equal(w.getNonce(created), 1n);
  t.equal(w.getNonce(CONTRACT), 2n);
  // The same CREATE again from nonce 1 collides: result 0, the child's 63/64 of the gas gone.
  w.account(CONTRACT).nonce = 1n;
  t.ok(applyMessage(execution(w), { ...msg, tokenIdQueried: false }).success);
  t.equal(w.getStorage(CONTRACT, 0n), 0n);
});

t.test("a create with a non-default transfer token fails and keeps all its gas", async (t) => {
  const w = new FakeWorld();
  const ex = execution(w);
  const msg = makeMessage({
    sender: CALLER,
    to: new Uint8Array(0),
    gas: 5000n,
    data: bytes("00"),
    transferTokenId: QI,
    gasTokenId: QKC,
  });
  t.same(createContract(ex, msg), { success: false, gasRemaining: 5000n, output: new Uint8Array(0) });
});

t.test("a non-default token into code fails with the gas kept unless the code asked current_mnt_id", async (t) => {
  const w = setup("6001 6000 55");
  w.account(CALLER).balances.set(QI, 100n);
  let { res } = call(w, 100_000n, { value: 7n, token: QI });
  t.notOk(res.success);
  t.equal(res.gasRemaining, 100_000n - 20006n, "gas kept");
  t.equal(w.getBalance(CONTRACT, QI), 0n, "transfer undone");
  t.equal(w.getStorage(CONTRACT, 0n), 0n);
  // CALL(gas, 0x…514b430001, 0, 0, 0, 0, 0) first: success.
  setup(`6000 6000 6000 6000 6000 ${push20(MNT_ID)} 61ffff f1 50 6001 6000 55`, w);
  ({ res } = call(w, 100_000n, { value: 7n, token: QI }));
  t.ok(res.success);
  t.equal(w.getBalance(CONTRACT, QI), 7n);
  // A QKC value or a zero value is never refused.
  setup("6001 6000 55", w);
  t.ok(call(w, 100_000n, { value: 0n, token: QI }).res.success);
});

t.test("current_mnt_id answers the transfer token; specials switch on strictly after their timestamp", async (t) => {
  const mnt = push20(MNT_ID);
  // CALL(gas, 0x…01, 0, 0, 0, 0, 32); MLOAD(0); SSTORE(0, it)
  const code = `6020 6000 6000 6000 6000 ${mnt} 61ffff f1 50 6000 51 6000 55`;
  const w = setup(code);
  w.account(CALLER).balances.set(QI, 1n);
  call(w, 100_000n, { token: QI });
  t.equal(w.getStorage(CONTRACT, 0n), QI);
  const off = blockEnv();
  const at = { ...off, schedule: { ...off.schedule, specials: [1000n, 0n, 0n, 0n, 0n] as const } };
  setup(code, w);
  w.account(CONTRACT).storage.clear();
  call(w, 100_000n, { token: QI }, at); // timestamp 1000 is not > 1000: the special is off, empty code answers nothing
  t.equal(w.getStorage(CONTRACT, 0n), 0n);
  // 0x1–0x8 are off at timestamp 0: identity then returns nothing.
  const id = `6020 6000 6020 6000 6000 6004 61ffff f1 50 6000 51 6000 55`;
  const w2 = setup(`602a 6000 52 ${id}`.replace("6020 6000 6020 6000 6000 6004", "6020 6000 6020 6000 6000 6004"));
  call(w2, 100_000n, {}, blockEnv({ timestamp: 1n }));
  t.equal(w2.getStorage(CONTRACT, 0n), 42n, "identity copies at timestamp 1");
  w2.account(CONTRACT).storage.clear();
  call(w2, 100_000n, {}, blockEnv({ timestamp: 0n }));
  t.equal(w2.getStorage(CONTRACT, 0n), 42n, "memory untouched (the call returned no data) at timestamp 0");
});

t.test(
  "SELFDESTRUCT moves the default token only, pays 25000 for a blank beneficiary, lists the suicide",
  async (t) => {
    const w = setup(`${push20(OTHER)} ff`);
    w.account(CONTRACT).balances.set(QKC, 7n);
    w.account(CONTRACT).balances.set(QI, 9n);
    const { res, ex } = call(w, 100_000n);
    t.ok(res.success);
    t.equal(res.gasRemaining, 100_000n - 3n - 5000n - 25000n);
    t.equal(w.getBalance(OTHER, QKC), 7n);
    t.equal(w.getBalance(OTHER, QI), 0n);
    t.equal(w.getBalance(CONTRACT, QI), 9n, "burnt only when the tx layer deletes the account");
    t.same(ex.effects.suicides.map(hex), [hex(CONTRACT)]);
  },
);

t.test(
  "LOG's data gas is unchecked: as the last opcode it can leave the frame in debt (pyquarkchain asserts)",
  async (t) => {
    // MSTORE(0,0) paid the word; LOG0(0, 32) then costs 375 + 256 without a check.
    const { res } = call(setup("6000 6000 52 6020 6000 a0"), 3n + 3n + 6n + 3n + 3n + 375n + 100n);
    t.ok(res.success);
    t.equal(res.gasRemaining, 100n - 256n);
  },
);

t.test("BLOCKHASH reads prev_headers[number - n - 1] within 256 blocks, else 0", async (t) => {
  const hashes = Array.from({ length: 300 }, (_, i) => keccak256(Uint8Array.of(i)));
  const block = blockEnv({ number: 300n, prevHashes: hashes.slice(0, 256) });
  const w = setup("6000 40 6000 55 61012b 40 6001 55 61012c 40 6002 55 602c 40 6003 55");
  call(w, 200_000n, {}, block);
  t.equal(w.getStorage(CONTRACT, 0n), 0n, "0 is more than 256 back");
  t.equal(w.getStorage(CONTRACT, 1n), BigInt("0x" + hex(hashes[0]!)), "299 is the parent");
  t.equal(w.getStorage(CONTRACT, 2n), 0n, "300 is the block itself");
  t.equal(w.getStorage(CONTRACT, 3n), BigInt("0x" + hex(hashes[255]!)), "44 is 256 back");
});

t.test("state-test mode only: a failed call to 0x…03 leaves it touched, an outer revert still undoes it", async (t) => {
  const RIPEMD = addr("03");
  const failing = `6000 6000 6000 6000 6000 ${push20(RIPEMD)} 6000 f1`; // CALL with 0 gas: ripemd160 fails
  for (const mock of [false, true]) {
    const w = setup(`${failing} 00`);
    w.mockAccounts = mock;
    t.ok(call(w, 100_000n).res.success);
    t.equal(w.account(RIPEMD).touched, mock, `touched after a failed call, mock=${mock}`);
  }
  const w = setup(`${failing} 6000 6000 fd`); // then REVERT the calling frame
  w.mockAccounts = true;
  call(w, 100_000n);
  t.equal(w.account(RIPEMD).touched, false, "the caller's revert undoes it");
});
