import t from "tap";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { type QuarkChainConfig, loadQuarkChainConfig, tokenIdEncode } from "../../src/config/cluster-config.ts";
import { GetRootChainStakesResponse } from "../../src/messages/cluster.ts";
import { type Address, MinorBlock, type TypedTransaction } from "../../src/messages/core.ts";
import { type EvmTransaction, encodeEvmTransaction } from "../../src/tx/transaction.ts";
import { mineEmpty, nextRootBlock } from "../../harness/empty-blocks.ts";
import { qkcTx } from "../../harness/exec-env.ts";
import { TestContext } from "../helpers/test-context.ts";
import { captureLog, silentLog } from "../helpers/test-log.ts";

/*
 * EXECUTE_TRANSACTION, ESTIMATE_GAS and GET_ROOT_CHAIN_STAKES as pyquarkchain's execute_tx,
 * estimate_gas and get_root_chain_stakes answer them, on a chain of empty blocks over a genesis
 * that allocates hand-assembled contracts. The expected values follow from the block headers and
 * the opcodes' gas; the genesis-state and SSTORE figures were checked against pyquarkchain's
 * ShardState (fixtures/exec-queries-check.py). pyquarkchain's own transcripts of these ops are
 * replayed by test/wire/replay-fixtures.
 */

const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const word = (b: Uint8Array, i: number) => BigInt("0x" + hex(b.subarray(32 * i, 32 * i + 32)));
const QKC = tokenIdEncode("QKC");
const QETH = tokenIdEncode("QETH");

const SENDER = "aa".repeat(20);
const POOR = "bb".repeat(20); // holds QKC only
const code = {
  /** NUMBER, TIMESTAMP, COINBASE, GASLIMIT as four words. */
  env: "43600052426020524160405245606052" + "60806000f3",
  /** REVERT(0, 0). */
  revert: "60006000fd",
  /** JUMPDEST PUSH1 0 JUMP: never ends. */
  loop: "5b600056",
  /** SSTORE(0, 1): 21000 + 3 + 3 + 20000 gas. */
  store: "600160005500",
  /** getLockedStakes stand-in: word 0 = TIMESTAMP + NUMBER + 7, word 1 = calldata[4:36] (the recipient). */
  stakes: "4243016007016000526004356020526040" + "6000f3",
  /** Returns one word only: an answer pyquarkchain could not serialize. */
  oneWord: "600760005260206000f3",
};
const ADDR = { env: "11".repeat(20), revert: "22".repeat(20), loop: "33".repeat(20), store: "44".repeat(20) };
const POSW = "514b43" + "00".repeat(16) + "01";

/** Chain 0 (full shard id 1) with the contracts, chain 1 (65537) empty; `hash` the PoSW code hash. */
function network(opts: { posw?: string; hash?: string } = {}): QuarkChainConfig {
  const alloc: Record<string, unknown> = {
    [SENDER + "00000000"]: { QKC: "#1000000000000000000000000#", QETH: "#1000000000000000000000#" },
    [POOR + "00000000"]: { QKC: "#1000000000000000000000#" },
  };
  for (const [name, addr] of Object.entries(ADDR)) alloc[addr + "00000000"] = { code: code[name as keyof typeof code] };
  if (opts.posw) alloc[POSW + "00000000"] = { code: opts.posw };
  const pow = { CONSENSUS_TYPE: "POW_SIMULATE", CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 3 }, POSW_CONFIG: {} };
  const json = {
    CHAIN_SIZE: 2,
    ...(opts.hash && { ROOT_CHAIN_POSW_CONTRACT_BYTECODE_HASH: opts.hash }),
    ROOT: { ...pow, GENESIS: {} },
    CHAINS: [0, 1].map((i) => ({ ...pow, CHAIN_ID: i, SHARD_SIZE: 1, GENESIS: { ALLOC: i === 0 ? alloc : {} } })),
  };
  return loadQuarkChainConfig(JSON.stringify(json).replace(/"#(\d+)#"/g, "$1"));
}

async function boot(config: QuarkChainConfig, shards = [1, 65537], log = silentLog) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards, genesis, log });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  // Root block 1: both chains count as initialized, so cross-shard transactions may target them.
  const added = await backend.addRootBlock(nextRootBlock(genesis.rootBlock()));
  if (added.error_code !== 0) throw new Error("root block 1 refused");
  return { backend, master: backend.master as Required<MasterHandlers>, root: genesis.rootBlock().header };
}

/** `n` empty blocks on shard 1, 10 s apart, block i mined by 0xc0…i. */
async function mine(config: QuarkChainConfig, n: number) {
  const booted = await boot(config);
  const shard = booted.backend.chain(1)!;
  for (let i = 1; i <= n; i++) {
    const parent = shard.tip;
    const miner = { recipient: new Uint8Array(20).fill(0xc0 + i), full_shard_key: 0 };
    const block = mineEmpty(config, shard, parent, booted.root, parent.header.create_time + 10n, miner);
    const res = await booted.master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) throw new Error(`block ${i} refused`);
  }
  return { ...booted, shard };
}

const typed = (f: Partial<EvmTransaction> = {}): TypedTransaction => ({
  tx: { type: 0, serialized_tx: encodeEvmTransaction(qkcTx({ gasprice: 0n, startgas: 0n, to: h(ADDR.env), ...f })) },
});
const from = (recipient: string, key = 0): Address => ({ recipient: h(recipient), full_shard_key: key });
const execute = (f: Partial<EvmTransaction> = {}, sender = SENDER, height: bigint | null = null) => ({
  tx: typed(f),
  from_address: from(sender),
  block_height: height,
});
const FAILED = { error_code: 1, result: new Uint8Array(0) };

t.test("EXECUTE_TRANSACTION runs in the tip's context, or in block h+1's for an older height h", async (t) => {
  const config = network();
  const { master, shard } = await mine(config, 3);
  const block = (n: bigint) => shard.chain.byHeight(n)!.header;

  const atTip = await master.EXECUTE_TRANSACTION_REQUEST(execute());
  t.equal(atTip.error_code, 0);
  const tip = block(3n);
  t.same(
    [0, 1, 2, 3].map((i) => word(atTip.result, i)),
    // the tip's gas limit lowered by the 6,000,000 xshard gas its (absent) deposits left unused
    [3n, tip.create_time, BigInt("0x" + hex(tip.coinbase_address.recipient)), 12_000_000n - 6_000_000n],
    "NUMBER, TIMESTAMP, COINBASE, GASLIMIT of the tip",
  );

  for (const height of [0n, 1n, 2n]) {
    const res = await master.EXECUTE_TRANSACTION_REQUEST(execute({}, SENDER, height));
    const next = block(height + 1n);
    t.same(
      [0, 1, 2, 3].map((i) => word(res.result, i)),
      [height + 1n, next.create_time, BigInt("0x" + hex(next.coinbase_address.recipient)), next.evm_gas_limit],
      `at height ${height}: block ${height + 1n}'s context, its header's gas limit`,
    );
  }
  t.same(await master.EXECUTE_TRANSACTION_REQUEST(execute({}, SENDER, 3n)), atTip, "the tip's height is the tip");
  t.same(await master.EXECUTE_TRANSACTION_REQUEST(execute({}, SENDER, 4n)), FAILED, "above the tip: error 1");
});

t.test("EXECUTE_TRANSACTION right after genesis: the bare state pyquarkchain's init_genesis_state keeps", async (t) => {
  const { master } = await boot(network());
  const res = await master.EXECUTE_TRANSACTION_REQUEST(execute());
  t.same(
    [0, 1, 2, 3].map((i) => word(res.result, i)),
    [0n, 0n, 0n, 3_141_592n],
    "number 0, timestamp 0, zero coinbase, STATE_DEFAULTS' gas limit",
  );
});

t.test("EXECUTE_TRANSACTION failures answer error 1 with an empty result, logged once", async (t) => {
  const config = network();
  const log = captureLog();
  const { master, backend } = await boot(config, [1], log.log);
  const cases: Array<[string, Parameters<typeof master.EXECUTE_TRANSACTION_REQUEST>[0]]> = [
    ["a revert", execute({ to: h(ADDR.revert) })],
    ["out of gas: an endless loop", execute({ to: h(ADDR.loop), startgas: 100_000n })],
    ["out of gas: SSTORE with 1 gas short", execute({ to: h(ADDR.store), startgas: 41_005n })],
    ["a value above the balance", execute({ to: h(ADDR.env), value: 10n ** 30n })],
    ["a gas token the sender lacks", execute({ gas_token_id: QETH, gasprice: 1n, startgas: 30_000n }, POOR)],
    ["startgas above the gas limit", execute({ startgas: 3_141_593n })],
    ["another network id", execute({ network_id: 4n })],
    ["a shard that is not local", execute({ from_full_shard_key: 0x10000 })],
    [
      "undecodable bytes",
      { tx: { tx: { type: 0, serialized_tx: h("c0") } }, from_address: from(SENDER), block_height: null },
    ],
  ];
  for (const [what, req] of cases) {
    const before = log.lines.length;
    t.same(await master.EXECUTE_TRANSACTION_REQUEST(req), FAILED, what);
    t.equal(log.lines.length - before, 1, `${what}: one log line`);
  }
  t.same(
    await master.EXECUTE_TRANSACTION_REQUEST(execute({ to: h(ADDR.store), startgas: 41_006n })),
    { error_code: 0, result: new Uint8Array(0) },
    "SSTORE with exactly its gas succeeds",
  );
  // Nothing was kept: the store contract's slot is still empty.
  const slot = await master.GET_STORAGE_REQUEST({ address: from(ADDR.store), key: 0n, block_height: null });
  t.equal(hex(slot.result), "00".repeat(32), "the state is unchanged");
  t.equal(backend.chain(1)!.tip.header.height, 0n);
});

t.test("EXECUTE_TRANSACTION with a non-default token", async (t) => {
  const { master } = await boot(network());
  t.same(
    await master.EXECUTE_TRANSACTION_REQUEST(execute({ to: h(POOR), transfer_token_id: QETH, value: 5n })),
    { error_code: 0, result: new Uint8Array(0) },
    "QETH sent to an account",
  );
  t.same(
    await master.EXECUTE_TRANSACTION_REQUEST(execute({ gas_token_id: QETH, gasprice: 0n })),
    { error_code: 0, result: (await master.EXECUTE_TRANSACTION_REQUEST(execute())).result },
    "QETH as the gas token at price 0: no conversion needed",
  );
  // Gas in QETH at a price needs the general native token manager, which this network lacks.
  t.same(
    await master.EXECUTE_TRANSACTION_REQUEST(execute({ gas_token_id: QETH, gasprice: 1n, startgas: 30_000n })),
    FAILED,
  );
});

t.test("ESTIMATE_GAS: the least gas that succeeds, or error 1 with 0", async (t) => {
  const config = network();
  const { master } = await mine(config, 1);
  const estimate = (f: Partial<EvmTransaction>, sender = from(SENDER)) =>
    master.ESTIMATE_GAS_REQUEST({ tx: typed(f), from_address: sender });
  t.same(await estimate({ to: h(POOR) }), { error_code: 0, result: 21_000 }, "a transfer");
  t.same(await estimate({ to: h(ADDR.store) }), { error_code: 0, result: 41_006 }, "SSTORE of a new slot");
  t.same(
    await estimate({ to: h(ADDR.store), startgas: 41_006n }),
    { error_code: 0, result: 41_006 },
    "capped at its need",
  );
  t.same(await estimate({ to: h(ADDR.store), startgas: 41_005n }), { error_code: 1, result: 0 }, "capped below it");
  t.same(await estimate({ to: h(ADDR.revert) }), { error_code: 1, result: 0 }, "always reverts");
  t.same(await estimate({ to: h(ADDR.loop) }), { error_code: 1, result: 0 }, "never ends");
  t.same(
    await estimate({ to: h(POOR), to_full_shard_key: 0x10000 }),
    { error_code: 0, result: 30_000 },
    "cross-shard: 9000 more",
  );
  t.same(
    await estimate({ to: h(POOR), gas_token_id: QETH, gasprice: 1n }),
    { error_code: 1, result: 0 },
    "gas in QETH without the general native token manager",
  );
  // from_address's key, not the transaction's, picks the shard and the rebuilt transaction's source.
  t.same(
    await estimate({ to: h(POOR), value: 1n }, from(SENDER, 0x10000)),
    { error_code: 1, result: 0 },
    "run on chain 1, where SENDER has nothing",
  );
  t.same(
    await estimate({ to: h(POOR) }, from(SENDER, 0x10000)),
    { error_code: 0, result: 30_000 },
    "run on chain 1, nothing to pay: a cross-shard transfer to chain 0",
  );
  const remote = await boot(config, [65537]);
  t.same(
    await remote.master.ESTIMATE_GAS_REQUEST({ tx: typed({ to: h(POOR) }), from_address: from(SENDER) }),
    { error_code: 1, result: 0 },
    "from_address's shard is not local",
  );
});

t.test("ESTIMATE_GAS of a cross-shard transaction into this shard credits its deposit first", async (t) => {
  const { master } = await boot(network(), [1, 65537]);
  // A sender with nothing on chain 1 estimates a transfer chain 1 -> chain 0, asked on chain 0.
  const stranger = "dd".repeat(20);
  const req = (key: number) => ({
    tx: typed({ to: h(POOR), from_full_shard_key: 0x10000, to_full_shard_key: 0, value: 10n, gasprice: 1n }),
    from_address: from(stranger, key),
  });
  t.same(await master.ESTIMATE_GAS_REQUEST(req(0)), { error_code: 0, result: 21_000 }, "on the target shard");
  t.same(await master.ESTIMATE_GAS_REQUEST(req(0x10000)), { error_code: 1, result: 0 }, "on the source shard");
});

t.test("GET_ROOT_CHAIN_STAKES", async (t) => {
  const recipient = h("ee".repeat(20));
  const ask = (master: Required<MasterHandlers>, hash: Uint8Array, key = 0) =>
    master.GET_ROOT_CHAIN_STAKES_REQUEST({ address: { recipient, full_shard_key: key }, minor_block_hash: hash });
  const none = { error_code: 0, stakes: 0n, signer: new Uint8Array(20) };
  const failed = { error_code: 1, stakes: 0n, signer: new Uint8Array(20) };
  const hashOf = (code: string) => hex(keccak_256(h(code)));

  const absent = await mine(network(), 2);
  const tipHash = absent.shard.tipHash;
  t.same(await ask(absent.master, tipHash), none, "no staking contract: no stakes");
  t.same(await ask(absent.master, tipHash, 0x10000), failed, "not full shard id 1");
  t.same(await ask(absent.master, new Uint8Array(32).fill(7)), failed, "an unknown block");
  t.equal(encode(GetRootChainStakesResponse, failed).length, 25);

  const unexpected = await boot(network({ posw: code.stakes }));
  t.same(await ask(unexpected.master, unexpected.backend.chain(1)!.tipHash), none, "code that is not the expected");

  const staking = await mine(network({ posw: code.stakes, hash: hashOf(code.stakes) }), 2);
  for (const height of [0n, 1n, 2n]) {
    const hash = minorBlockHash(staking.shard.chain.byHeight(height)!.header);
    t.same(
      await ask(staking.master, hash),
      { error_code: 0, stakes: 7n, signer: recipient },
      `at height ${height}: getLockedStakes(recipient) at timestamp 0, number 0`,
    );
  }

  const short = await boot(network({ posw: code.oneWord, hash: hashOf(code.oneWord) }));
  t.same(await ask(short.master, short.backend.chain(1)!.tipHash), failed, "one word back: no answer to give");
  const remote = await boot(network(), [65537]);
  t.same(await ask(remote.master, tipHash), failed, "shard 1 not local");
});
