import t from "tap";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import { applyXshardDeposit } from "../../src/backend/exec/apply-xshard-deposit.ts";
import type { ExecState } from "../../src/backend/exec/exec-state.ts";
import { encodeReceipt } from "../../src/backend/exec/receipt.ts";
import { privateKeyToAddress } from "../../src/backend/exec/state-test/build-tx.ts";
import { encode } from "../../src/codec/index.ts";
import { CrossShardTransactionDeposit } from "../../src/messages/core.ts";
import { forkSchedule } from "../../src/evm/env.ts";
import type { EvmTransaction } from "../../src/tx/transaction.ts";
import { FakeWorld } from "./fake-world.ts";

// Every expected figure below is what pyquarkchain's apply_transaction gave for the same transaction
// (DEFAULT_ENV: 3 chains of 2 shards, REWARD_TAX_RATE 1/2; sender holds 10^18 QKC; timestamp 100).
const QKC = 0x8bb0n;
const KEY = Buffer.from("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8", "hex");
const SENDER = privateKeyToAddress(KEY);
const COINBASE = new Uint8Array(20).fill(0xc0);
const TO = new Uint8Array(20).fill(0xab);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function setup(): { state: ExecState; world: FakeWorld } {
  const world = new FakeWorld();
  world.setBalance(SENDER, QKC, 10n ** 18n);
  const state: ExecState = {
    world,
    block: {
      coinbase: COINBASE,
      timestamp: 100n,
      number: 0n,
      difficulty: 1n,
      gasLimit: 10n ** 7n,
      prevHashes: [],
      defaultChainToken: QKC,
      senderDisallowMap: new Map(),
      schedule: forkSchedule({
        enableEvmTimestamp: null,
        enableNonReservedNativeTokenTimestamp: null,
        enableGeneralNativeTokenTimestamp: null,
      }),
    },
    rules: {
      localFeeRate: { numerator: 1n, denominator: 2n },
      genesisToken: QKC,
      enableEvmTimestamp: null,
      eip155SignerTimestamp: null,
      chainDefaultToken: (c) => (c < 3 ? QKC : undefined),
      shardSize: () => 2,
    },
    gasUsed: 0n,
    gasLimit: 10n ** 7n,
    receipts: [],
    xshardDepositReceipts: [],
    xshardList: [],
    blockFeeTokens: new Map(),
  };
  return { state, world };
}

function tx(f: Partial<EvmTransaction>): EvmTransaction {
  return {
    nonce: 0n,
    gasprice: 3n,
    startgas: 50000n,
    to: TO,
    value: 7n,
    data: new Uint8Array(0),
    network_id: 3n,
    from_full_shard_key: 0,
    to_full_shard_key: 1,
    gas_token_id: QKC,
    transfer_token_id: QKC,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
    ...f,
  };
}

const WRAPPER = new Uint8Array(32).fill(0x99);
const EMPTY_BLOOM = "00".repeat(256);

t.test(
  "a cross-shard transfer runs no EVM here: the value leaves, a deposit is made, the 9000 is not this coinbase's",
  async (t) => {
    const { state, world } = setup();
    const r = applyTransaction(state, tx({}), SENDER, WRAPPER);
    t.match(r, { applied: true, success: true });
    t.equal(state.gasUsed, 21000n, "intrinsic 30000 less the 9000");
    t.equal(world.getBalance(SENDER, QKC), 999999999999849993n);
    t.equal(world.getBalance(COINBASE, QKC), 31500n, "3 × 21000 × 1/2");
    t.same([...state.blockFeeTokens], [[QKC, 31500n]]);
    t.equal(world.getNonce(SENDER), 1n);
    t.equal(state.xshardList.length, 1);
    t.equal(
      hex(encode(CrossShardTransactionDeposit, state.xshardList[0]!)),
      "99".repeat(32) +
        hex(SENDER) +
        "00000000" +
        "ab".repeat(20) +
        "00000001" +
        (7).toString(16).padStart(64, "0") +
        (3).toString(16).padStart(64, "0") +
        "0000000000008bb0" +
        "0000000000008bb0" +
        (20000).toString(16).padStart(64, "0") +
        "00000000" +
        "00" +
        "00" +
        "64",
    );
    t.equal(state.receipts.length, 1);
    t.equal(hex(encodeReceipt(state.receipts[0]!)), `f9010e01825208b90100${EMPTY_BLOOM}c0808400000001`);
  },
);

t.test("a cross-shard create: the address hashes the bumped nonce and the from key; 2 × 9000 reserved", async (t) => {
  const { state, world } = setup();
  const r = applyTransaction(
    state,
    tx({ to: new Uint8Array(0), data: Uint8Array.of(0x60, 0, 0), startgas: 100000n }),
    SENDER,
    WRAPPER,
  );
  t.match(r, { applied: true, success: true });
  t.equal(state.gasUsed, 53076n);
  t.equal(world.getBalance(SENDER, QKC), 999999999999699993n);
  t.equal(world.getBalance(COINBASE, QKC), 79614n);
  const d = state.xshardList[0]!;
  t.equal(hex(d.to_address.recipient), "2cb6150237fff5b1e36d6565fcaa03b60b52de27");
  t.equal(d.to_address.full_shard_key, 1);
  t.equal(d.gas_remained, 37924n);
  t.equal(d.create_contract, true);
  t.equal(hex(d.message_data), "600000");
  t.equal(hex(encodeReceipt(state.receipts[0]!)), `f9010e0182cf54b90100${EMPTY_BLOOM}c0808400000001`);
});

t.test(
  "an in-shard create: code, storage, a log in the receipt and its bloom, the fee at half the price",
  async (t) => {
    const { state, world } = setup();
    const init = Buffer.from("6001600055600160aa60005560016000a160016000f3", "hex");
    const r = applyTransaction(
      state,
      tx({ to: new Uint8Array(0), data: init, value: 0n, gasprice: 2n, startgas: 200000n, to_full_shard_key: 0 }),
      SENDER,
      WRAPPER,
    );
    t.match(r, { applied: true, success: true });
    if (!("applied" in r)) return;
    t.equal(hex(r.output), "1ca551861a71e9342e6c71056e0316d58d189534");
    t.equal(state.gasUsed, 80228n);
    t.equal(world.getBalance(SENDER, QKC), 999999999999839544n);
    t.equal(world.getBalance(COINBASE, QKC), 80228n);
    t.equal(
      hex(encodeReceipt(state.receipts[0]!)),
      "f9015e0183013964b9010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000040000000000000000000000000000000000000000010000040000000080000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000100000000040000000000000000000000000000000000000000000000000000000000000000000f83af838941ca551861a71e9342e6c71056e0316d58d189534e1a0000000000000000000000000000000000000000000000000000000000000000100941ca551861a71e9342e6c71056e0316d58d1895348400000000",
    );
  },
);

t.test("a zero-price transfer pays no fee but still touches the coinbase", async (t) => {
  const { state, world } = setup();
  const r = applyTransaction(state, tx({ gasprice: 0n, value: 5n, to_full_shard_key: 0 }), SENDER, WRAPPER);
  t.match(r, { applied: true, success: true });
  t.equal(world.getBalance(SENDER, QKC), 999999999999999995n);
  t.equal(world.getBalance(TO, QKC), 5n);
  t.ok(world.accounts.has(hex(COINBASE)), "the coinbase was read");
  t.equal(hex(encodeReceipt(state.receipts[0]!)), `f9010e01825208b90100${EMPTY_BLOOM}c0808400000000`);
});

t.test("a rejected transaction changes nothing and names its rule", async (t) => {
  const { state, world } = setup();
  const cases: Array<[Partial<EvmTransaction>, Uint8Array | null, string]> = [
    [{}, null, "UnsignedTransaction"],
    [{ nonce: 1n }, SENDER, "InvalidNonce"],
    [{ startgas: 29999n }, SENDER, "InsufficientStartGas"],
    [{ value: 10n ** 18n }, SENDER, "InsufficientBalance"],
    [{ transfer_token_id: 0x1234n }, SENDER, "InvalidNativeToken"],
    [{ startgas: 10n ** 7n + 1n, gasprice: 0n }, SENDER, "BlockGasLimitReached"],
    [{ gasprice: 1n << 128n }, SENDER, "InvalidTransaction"],
    [{ version: 2n, v: 37n, network_id: 1n, to_full_shard_key: 0x10000 }, SENDER, "InvalidTransaction"],
  ];
  for (const [f, sender, rule] of cases) {
    const r = applyTransaction(state, tx(f), sender, WRAPPER);
    t.match(r, { rule }, rule);
  }
  t.equal(world.getNonce(SENDER), 0n);
  t.equal(world.getBalance(SENDER, QKC), 10n ** 18n);
  t.equal(state.receipts.length + state.xshardList.length, 0);
});

t.test("a non-default gas token: refused without the general native token manager, free at price 0", async (t) => {
  const { state, world } = setup();
  world.setBalance(SENDER, 0x1234n, 10n ** 9n);
  const priced = applyTransaction(
    state,
    tx({ gas_token_id: 0x1234n, gasprice: 1n, to_full_shard_key: 0 }),
    SENDER,
    WRAPPER,
  );
  t.match(priced, { rule: "InvalidNativeToken" }, "no code at 0x514b…03: the conversion answers (0, 0)");
  const free = applyTransaction(
    state,
    tx({ gas_token_id: 0x1234n, gasprice: 0n, to_full_shard_key: 0 }),
    SENDER,
    WRAPPER,
  );
  t.match(free, { applied: true, success: true }, "price 0 skips the conversion");
  t.equal(world.getBalance(SENDER, 0x1234n), 10n ** 9n, "no gas token spent");
  t.equal(world.getBalance(TO, QKC), 7n);
});

t.test(
  "the target side: a deposit credits the sender here, runs the message, and adds a deposit receipt",
  async (t) => {
    const source = setup();
    applyTransaction(source.state, tx({}), SENDER, WRAPPER);
    const transfer = source.state.xshardList[0]!;
    const { state, world } = setup();
    world.setBalance(SENDER, QKC, 0n);
    t.match(applyXshardDeposit(state, transfer, 9000n), { success: true });
    t.equal(state.gasUsed, 9000n);
    t.equal(world.getBalance(SENDER, QKC), 60000n, "the reserved 20000 gas at price 3 comes back");
    t.equal(world.getBalance(TO, QKC), 7n);
    t.equal(world.getBalance(COINBASE, QKC), 13500n);
    t.equal(state.receipts.length, 0);
    t.equal(hex(encodeReceipt(state.xshardDepositReceipts[0]!)), `f9010e01822328b90100${EMPTY_BLOOM}c0808400000001`);

    const create = {
      ...transfer,
      to_address: { recipient: Buffer.from("2cb6150237fff5b1e36d6565fcaa03b60b52de27", "hex"), full_shard_key: 1 },
    };
    const init = Buffer.from("6001600055600160aa60005560016000a160016000f3", "hex");
    const second = setup();
    second.world.setBalance(SENDER, QKC, 0n);
    const r = applyXshardDeposit(
      second.state,
      { ...create, create_contract: true, message_data: init, gas_remained: 100000n },
      9000n,
    );
    t.match(r, { success: true });
    t.equal(second.state.gasUsed, 34988n);
    t.equal(second.world.getBalance(SENDER, QKC), 222036n);
    t.equal(second.world.getBalance(COINBASE, QKC), 52482n);
    t.equal(hex(second.world.getCode(create.to_address.recipient)), "00");
    const receipt = second.state.xshardDepositReceipts[0]!;
    t.equal(hex(receipt.contractAddress), "2cb6150237fff5b1e36d6565fcaa03b60b52de27");
    t.equal(receipt.contractFullShardKey, 1);
  },
);

t.test("a PoSW-locked sender's cross-shard transaction fails at the source and burns all of startgas", async (t) => {
  const { state, world } = setup();
  const block = { ...state.block, senderDisallowMap: new Map([[hex(SENDER), 10n ** 18n - 10n]]) };
  const locked = { ...state, block };
  const r = applyTransaction(locked, tx({}), SENDER, WRAPPER);
  t.match(r, { applied: true, success: false });
  t.equal(locked.gasUsed, 50000n);
  t.equal(world.getBalance(SENDER, QKC), 999999999999850000n, "the value stays, the gas is gone");
  t.equal(world.getBalance(COINBASE, QKC), 75000n, "3 × 50000 × 1/2: no 9000 kept back for a target");
  t.equal(locked.xshardList.length, 0);
  t.equal(hex(encodeReceipt(locked.receipts[0]!)).slice(0, 14), "f9010e8082c350");
});
