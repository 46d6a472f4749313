import t from "tap";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import type { ExecState } from "../../src/backend/exec/exec-state.ts";
import { tokenIdEncode } from "../../src/config/token.ts";
import { forkSchedule } from "../../src/evm/env.ts";
import { SYSTEM_CONTRACTS } from "../../src/evm/system-contracts.ts";
import type { EvmTransaction } from "../../src/tx/transaction.ts";
import { FakeWorld } from "./fake-world.ts";

// test_shard_state.py:test_pay_native_token_as_gas_end_to_end, through our apply_transaction: the general
// native token manager (its runtime code with the storage __prepare_gas_reserve_contract sets) converts
// QI to QKC at 1/2 with an 80% refund rate. The expected figures are that test's formulas.
const QKC = tokenIdEncode("QKC");
const QI = tokenIdEncode("QI");
const ACC = new Uint8Array(20).fill(0xa1);
const COINBASE = new Uint8Array(20).fill(0xc0);
const MANAGER = SYSTEM_CONTRACTS[2].address;
const word = (v: bigint): string => v.toString(16).padStart(64, "0");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function managerRuntime(): Uint8Array {
  const init = Buffer.from(SYSTEM_CONTRACTS[2].initCode);
  const start = init.indexOf(Buffer.from("608060405260", "hex"), 1);
  return Uint8Array.from(init.subarray(start, init.length - 32)); // without the constructor argument
}

t.test("gas paid in QI through the general native token manager: conversion, reserve, refund rate, burn", async (t) => {
  const world = new FakeWorld();
  world.setBalance(ACC, QKC, 10n ** 20n);
  world.setBalance(ACC, QI, 10n ** 20n);
  world.setCode(MANAGER, managerRuntime());
  world.setStorage(MANAGER, 0n, BigInt("0x" + hex(MANAGER))); // caller
  world.setStorage(MANAGER, 1n, BigInt("0x" + hex(ACC))); // supervisor
  world.setStorage(MANAGER, 3n, 30000n); // min gas reserve for maintenance
  world.setStorage(MANAGER, 4n, 1n); // min starting gas for use as gas
  const state: ExecState = {
    world,
    block: {
      coinbase: COINBASE,
      timestamp: 1_600_000_000n,
      number: 1n,
      difficulty: 1n,
      gasLimit: 12_000_000n,
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
      chainDefaultToken: () => QKC,
      shardSize: () => 1,
    },
    gasUsed: 0n,
    gasLimit: 12_000_000n,
    receipts: [],
    xshardDepositReceipts: [],
    xshardList: [],
    blockFeeTokens: new Map(),
  };
  const gas = 1_000_000n;
  let nonce = 0n;
  const send = (data: string, f: Partial<EvmTransaction> = {}) => {
    const tx: EvmTransaction = {
      nonce,
      gasprice: 0n,
      startgas: gas,
      to: MANAGER,
      value: 0n,
      data: Buffer.from(data, "hex"),
      network_id: 3n,
      from_full_shard_key: 0,
      to_full_shard_key: 0,
      gas_token_id: QKC,
      transfer_token_id: QKC,
      version: 0n,
      v: 0n,
      r: 0n,
      s: 0n,
      ...f,
    };
    const r = applyTransaction(state, tx, ACC, new Uint8Array(32));
    if ("applied" in r) nonce++;
    return r;
  };
  t.match(send("764a27ef" + word(0n)), { success: true }, "unrequire registered tokens");
  t.match(
    send("735e0e19" + word(QI) + word(1n) + word(2n), { value: 10n ** 18n }),
    { success: true },
    "rate 1/2, 1 QKC reserve",
  );
  t.match(send("6d27af8c" + word(QI) + word(80n)), { success: true }, "refund rate 80");

  const r = send("", { to: ACC, gas_token_id: QI, gasprice: 10n });
  t.match(r, { applied: true, success: true }, "a transfer with gas in QI at price 10");
  t.equal(world.getBalance(ACC, QI), 10n ** 20n - gas * 10n);
  t.equal(world.getBalance(MANAGER, QI), gas * 10n);
  t.equal(world.getBalance(ACC, QKC), 10n ** 20n - 10n ** 18n + ((gas - 21000n) * 5n * 8n) / 10n);
  t.equal(world.getBalance(MANAGER, QKC), 10n ** 18n - (gas * 10n) / 2n);
  t.equal(world.getBalance(new Uint8Array(20), QKC), ((gas - 21000n) * 5n * 2n) / 10n, "20% of the unused gas burnt");
  t.equal(world.getBalance(COINBASE, QKC), (21000n * 5n) / 2n, "the fee at the converted price, half kept");

  t.match(
    send("", { to: ACC, gas_token_id: QI, gasprice: 2n * 10n ** 12n }),
    { rule: "InvalidNativeToken" },
    "the reserve is too small",
  );
});
