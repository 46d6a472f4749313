import { keccak_256 } from "@noble/hashes/sha3.js";
import t, { type Test } from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { type QuarkChainConfig, loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import {
  AccountBranchData,
  GetCodeResponse,
  GetStorageResponse,
  GetTotalBalanceResponse,
} from "../../src/messages/cluster.ts";
import { type Address, MinorBlockHeader, RootBlock } from "../../src/messages/core.ts";
import { type GenesisCase, genesisCases, genesisFixtureMissing } from "../helpers/genesis-fixture.ts";
import { mulberry32 } from "../../harness/random.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { nextBlockDifficulty } from "../../src/backend/shard-queries.ts";

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));
const address = (h: string): Address => ({
  recipient: bytes(h).slice(0, 20),
  full_shard_key: Buffer.from(bytes(h).slice(20)).readUInt32BE(0),
});
const QKC = 35760n;

/** A backend serving `shards` (default: all) with every shard created from the genesis root block on. */
async function boot(config: QuarkChainConfig, opts: { shards?: number[]; roots?: RootBlock[]; now?: bigint } = {}) {
  const genesis = new NetworkGenesis(config);
  const shards = opts.shards ?? [...config.shards.keys()];
  const now = opts.now;
  const backend = new ChainBackend({ shards, genesis, log: silentLog, ...(now !== undefined && { now: () => now }) });
  backend.attach(new TestContext());
  for (const root of [genesis.rootBlock(), ...(opts.roots ?? [])]) await backend.createShards(root);
  return { backend, master: backend.master as Required<MasterHandlers>, genesis };
}

const missing = genesisFixtureMissing();
const cases = genesisCases;

t.test("served ops against the pyquarkchain genesis fixtures", { skip: missing }, async (t) => {
  for (const c of cases()) {
    t.test(c.case, async (t) => {
      const config = loadQuarkChainConfig(c.cluster_config_json);
      const roots = (c.later_root_blocks ?? []).map((r) => decode(RootBlock, bytes(r.hex)));
      const { master } = await boot(config, { roots });

      const eco = await master.GET_ECO_INFO_LIST_REQUEST({});
      const unconfirmed = await master.GET_UNCONFIRMED_HEADERS_REQUEST({});
      t.same(
        eco.eco_info_list.map((e) => e.branch.value),
        c.shards.map((s) => s.full_shard_id),
        "every shard, in config order",
      );
      for (const s of c.shards) {
        const id = s.full_shard_id;
        const info = eco.eco_info_list.find((e) => e.branch.value === id)!;
        const header = decode(MinorBlockHeader, bytes(s.minor_block.header_hex));
        t.equal(info.height, 1n, `${id}: next height`);
        t.equal(info.coinbase_amount, 0n, `${id}: no pending transactions, no coinbase`);
        t.equal(info.difficulty, header.difficulty, `${id}: the genesis difficulty is the minimum`);
        t.equal(info.unconfirmed_headers_coinbase_amount, BigInt(s.coinbase_amount_map.balance_map[`${QKC}`] ?? 0));
        const headers = unconfirmed.headers_info_list.find((h) => h.branch.value === id)!.header_list;
        t.same(
          headers.map((h) => hex(encode(MinorBlockHeader, h))),
          [s.minor_block.header_hex],
          `${id}: genesis header`,
        );
        t.same(await master.GAS_PRICE_REQUEST({ branch: { value: id }, token_id: QKC }), {
          error_code: 0,
          result: config.MIN_TX_POOL_GAS_PRICE,
        });
        await checkTotalBalance(t, master, id, hex(minorBlockHash(header)), c);
      }

      for (const a of c.accounts ?? []) {
        const what = a.address;
        const req = { address: address(a.address), block_height: null };
        const data = await master.GET_ACCOUNT_DATA_REQUEST(req);
        t.equal(data.error_code, 0);
        t.same(
          data.account_branch_data_list.map((d) => d.branch.value),
          c.shards.map((s) => s.full_shard_id),
          `${what}: one entry per local shard`,
        );
        // The recipient's account in each shard (the fixture has it if ALLOC gives it one there).
        for (const d of data.account_branch_data_list) {
          const there = c.accounts!.find((b) => b.recipient === a.recipient && b.full_shard_id === d.branch.value);
          const encoded = hex(encode(AccountBranchData, d));
          if (there) t.equal(encoded, there.account_branch_data.hex, `${what}: in shard ${d.branch.value}`);
          else t.same([d.transaction_count, d.token_balances.balance_map, d.is_contract], [0n, [], false]);
        }
        t.same(await master.GET_CODE_REQUEST(req), { error_code: 0, result: bytes(a.code) }, `${what}: GET_CODE`);
        for (const [slot, value] of Object.entries(a.storage ?? {})) {
          const res = await master.GET_STORAGE_REQUEST({ ...req, key: BigInt(slot) });
          t.same(res, { error_code: 0, result: bytes(value) }, `${what}: GET_STORAGE ${slot}`);
        }
      }
    });
  }
});

/** The shard's QKC over its accounts, in one call and one account per call (trie order, keys as next). */
async function checkTotalBalance(
  t: Test,
  master: Required<MasterHandlers>,
  id: number,
  tipHash: string,
  c: GenesisCase,
) {
  const accounts = new Map(
    (c.accounts ?? []).filter((a) => a.full_shard_id === id && a.exists).map((a) => [a.recipient, a]),
  );
  const expected = [...accounts.values()].reduce(
    (sum, a) => sum + BigInt(a.token_balances[`${QKC}`]?.balance ?? 0),
    0n,
  );
  const req = {
    branch: { value: id },
    start: null,
    token_id: QKC,
    limit: 100,
    minor_block_hash: bytes(tipHash),
    root_block_hash: null,
  };
  t.same(await master.GET_TOTAL_BALANCE_REQUEST(req), {
    error_code: 0,
    total_balance: expected,
    next: new Uint8Array(32),
  });
  const keys = [...accounts.keys()].map((r) => hex(keccak_256(bytes(r)))).sort();
  let start: Uint8Array | null = null;
  let total = 0n;
  const seen: string[] = [];
  for (;;) {
    const res = await master.GET_TOTAL_BALANCE_REQUEST({ ...req, start, limit: 1 });
    total += res.total_balance;
    if (res.next.every((b) => b === 0)) break;
    seen.push(hex(res.next));
    start = res.next;
  }
  t.same(seen, keys, `${id}: one account per page, by hashed address`);
  t.equal(total, expected, `${id}: pages add up`);
  const zero = await master.GET_TOTAL_BALANCE_REQUEST({ ...req, limit: 0 });
  t.same(zero, { error_code: 0, total_balance: 0n, next: new Uint8Array(32) }, `${id}: limit 0`);
}

t.test("block_height: only the tip's state is known", { skip: missing }, async (t) => {
  const c = cases().find((x) => x.case === "alloc_contract")!;
  const { master } = await boot(loadQuarkChainConfig(c.cluster_config_json));
  const a = c.accounts![0]!;
  const at = (h: bigint | null) => ({ address: address(a.address), block_height: h });
  const data = await master.GET_ACCOUNT_DATA_REQUEST(at(0n));
  t.equal(hex(encode(AccountBranchData, data.account_branch_data_list[0]!)), a.account_branch_data.hex, "tip height");
  // No block follows height 1: pyquarkchain reads empty values there.
  const later = (await master.GET_ACCOUNT_DATA_REQUEST(at(1n))).account_branch_data_list[0]!;
  t.same([later.transaction_count, later.token_balances.balance_map, later.is_contract], [0n, [], false]);
  t.same(await master.GET_CODE_REQUEST(at(0n)), { error_code: 0, result: bytes(a.code) });
  t.same(await master.GET_CODE_REQUEST(at(1n)), { error_code: 0, result: new Uint8Array(0) });
  t.same(await master.GET_STORAGE_REQUEST({ ...at(0n), key: 0n }), {
    error_code: 0,
    result: bytes("2a".padStart(64, "0")),
  });
  // pyquarkchain fails to serialize this answer; a well-formed error is given instead.
  const failed = await master.GET_STORAGE_REQUEST({ ...at(1n), key: 0n });
  t.same(failed, { error_code: 1, result: new Uint8Array(32) });
});

t.test("what is not local or not known gets an error answer", { skip: missing }, async (t) => {
  const c = cases().find((x) => x.case === "alloc_contract")!;
  const config = loadQuarkChainConfig(c.cluster_config_json);
  const { master } = await boot(config, { shards: [1] });
  const remote = { address: address(c.accounts!.find((a) => a.full_shard_id === 65537)!.address), block_height: null };
  const noChain = { address: { recipient: new Uint8Array(20), full_shard_key: 0x00050000 }, block_height: null };
  for (const req of [remote, noChain]) {
    const code = await master.GET_CODE_REQUEST(req);
    t.same(code, { error_code: 1, result: new Uint8Array(0) });
    const storage = await master.GET_STORAGE_REQUEST({ ...req, key: 0n });
    t.same(storage, { error_code: 1, result: new Uint8Array(32) });
    t.equal(encode(GetStorageResponse, storage).length, 36, "a 32-byte result, as the wire needs");
    t.equal(encode(GetCodeResponse, code).length, 8);
  }
  t.same(await master.GAS_PRICE_REQUEST({ branch: { value: 65537 }, token_id: QKC }), { error_code: 1, result: 0n });
  const total = {
    branch: { value: 1 },
    start: null,
    token_id: QKC,
    limit: 10,
    minor_block_hash: new Uint8Array(32),
    root_block_hash: null,
  };
  const failed = { error_code: 1, total_balance: 0n, next: new Uint8Array(0) };
  t.same(await master.GET_TOTAL_BALANCE_REQUEST(total), failed, "not the tip's hash");
  t.same(await master.GET_TOTAL_BALANCE_REQUEST({ ...total, branch: { value: 65537 } }), failed, "not local");
  t.equal(encode(GetTotalBalanceResponse, failed).length, 9);
  // Only the remote shard's entry is missing from GET_ACCOUNT_DATA.
  t.same(
    (await master.GET_ACCOUNT_DATA_REQUEST(remote)).account_branch_data_list.map((d) => d.branch.value),
    [1],
  );
  // pyquarkchain's check() raises for a shard not local; error 1 is answered.
  const toMine = { branch: { value: 65537 }, address: remote.address, artificial_tx_config: ARTIFICIAL };
  t.equal((await master.GET_NEXT_BLOCK_TO_MINE_REQUEST(toMine)).error_code, 1, "no block to mine for a remote shard");
});

const ARTIFICIAL = { target_root_block_time: 10, target_minor_block_time: 3 };

/** A two-chain network from its CHAINS[i] overrides (POW_SIMULATE; root block time 10 s, shards 3 s). */
function network(top: object, ...chains: object[]): QuarkChainConfig {
  const pow = (time: number) => ({ CONSENSUS_TYPE: "POW_SIMULATE", CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: time } });
  const json = {
    CHAIN_SIZE: chains.length,
    ...top,
    ROOT: { ...pow(10), GENESIS: {}, POSW_CONFIG: {} },
    CHAINS: chains.map((c, i) => ({
      CHAIN_ID: i,
      SHARD_SIZE: 1,
      ...pow(3),
      POSW_CONFIG: {},
      GENESIS: { ALLOC: {} },
      ...c,
    })),
  };
  // bigints as JSON integers
  const text = JSON.stringify(json, (_, v: unknown) => (typeof v === "bigint" ? `#${v}#` : v)).replace(
    /"#(\d+)#"/g,
    "$1",
  );
  return loadQuarkChainConfig(text);
}

// Expected values below were checked against a pyquarkchain cluster on the same config.
t.test("next block difficulty, unconfirmed header cap, listing order", async (t) => {
  const config = network(
    {},
    { GENESIS: { TIMESTAMP: 4000000000, DIFFICULTY: 1000000, ALLOC: {} } },
    { CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 30 }, EXTRA_SHARD_BLOCKS_IN_ROOT_BLOCK: 0 },
  );
  const { master } = await boot(config, { shards: [65537, 1], now: 1_800_000_000n });
  const eco = (await master.GET_ECO_INFO_LIST_REQUEST({})).eco_info_list;
  t.same(
    eco.map((e) => e.branch.value),
    [1, 65537],
    "network config order, not FULL_SHARD_ID_LIST order",
  );
  // Created at genesis time + 1, within the 7 s cutoff: difficulty + difficulty // 512.
  t.equal(eco[0]!.difficulty, 1001953n);
  t.equal(eco[1]!.difficulty, 10000n, "never below GENESIS.DIFFICULTY");
  // int(10 / 30) + 0 = 0 blocks per root block: not even the genesis header is reported.
  t.equal(eco[1]!.unconfirmed_headers_coinbase_amount, 0n);
  t.same((await master.GET_UNCONFIRMED_HEADERS_REQUEST({})).headers_info_list[1]!.header_list, []);
  t.equal(eco[0]!.unconfirmed_headers_coinbase_amount, 2_500_000_000_000_000_000n);
  const later = (await boot(config, { now: 4_000_000_100n })).master;
  t.equal(
    (await later.GET_ECO_INFO_LIST_REQUEST({})).eco_info_list[0]!.difficulty,
    1000000n,
    "100 s later: back to the minimum",
  );
});

t.test("PoSW: mineable blocks from the genesis stake, mined blocks in the window", async (t) => {
  const E18 = 10n ** 18n;
  const config = network(
    { ENABLE_POSW_STAKING_DECAY_TIMESTAMP: 0, BLOCK_REWARD_DECAY_FACTOR: 0.3 },
    {
      EPOCH_INTERVAL: 1, // the next block (height 1) is in epoch 1: 1e18 × 0.3 staked per block
      POSW_CONFIG: { ENABLED: true, WINDOW_SIZE: 4, TOTAL_STAKE_PER_BLOCK: E18 },
      GENESIS: {
        ALLOC: { ["00".repeat(24)]: { QKC: (35n * E18) / 10n }, ["11".repeat(20) + "00000000"]: { QKC: E18 } },
      },
    },
    {
      POSW_CONFIG: { ENABLED: true, WINDOW_SIZE: 1, ENABLE_TIMESTAMP: 5000000000 },
      GENESIS: { ALLOC: { ["00".repeat(20) + "00010000"]: { QKC: E18 } } },
    },
  );
  const { master } = await boot(config);
  const data = async (recipient: string) =>
    (await master.GET_ACCOUNT_DATA_REQUEST({ address: address(recipient + "00000000"), block_height: null }))
      .account_branch_data_list;
  const zero = await data("00".repeat(20));
  // Chain 0: min(4, 3.5e18 // 3e17) = 4, and the genesis block's zero coinbase counts once.
  t.same([zero[0]!.posw_mineable_blocks, zero[0]!.mined_blocks], [4, 1]);
  // Chain 1: PoSW not enabled yet, and a window of 1 counts no block.
  t.same([zero[1]!.posw_mineable_blocks, zero[1]!.mined_blocks], [0, 0]);
  const staker = await data("11".repeat(20));
  t.same([staker[0]!.posw_mineable_blocks, staker[0]!.mined_blocks], [3, 0], "1e18 // 3e17");
});

t.test("next block difficulty: the exact-number path agrees with the bigint formula", async (t) => {
  const config = network({}, { GENESIS: { DIFFICULTY: 1000, ALLOC: {} } }, {});
  const shard = config.shards.get(1)!;
  const { DIFFICULTY_ADJUSTMENT_CUTOFF_TIME: cutoff, DIFFICULTY_ADJUSTMENT_FACTOR: factor } = shard.chain;
  // calculate_diff_with_parent with Python's floor division, in bigints only.
  const reference = (parent: bigint, parentTime: bigint, now: bigint): bigint => {
    const created = now > parentTime ? now : parentTime + 1n;
    let sign = 1n - (created - parentTime) / BigInt(cutoff);
    if (sign < -99n) sign = -99n;
    const d = parent + (parent / BigInt(factor)) * sign;
    return d > shard.GENESIS.DIFFICULTY ? d : shard.GENESIS.DIFFICULTY;
  };
  const random = mulberry32(0xd1ff);
  const parents = [1n, 1000n, 1001953n, (1n << 45n) - 1n, 1n << 45n, (1n << 53n) + 5n, 1n << 80n];
  for (let i = 0; i < 2000; i++) {
    const parent = i < parents.length ? parents[i]! : BigInt(random.int(2 ** 20)) * BigInt(1 + (i % 97)) ** 3n;
    const parentTime = BigInt(1_500_000_000 + random.int(1e6));
    const now = parentTime + BigInt(random.int(1200)) - 10n;
    const header = { ...MinorBlockHeader.zero(), difficulty: parent, create_time: parentTime };
    const got = nextBlockDifficulty(shard, header, now);
    if (got !== reference(parent, parentTime, now)) {
      t.fail(`parent ${parent}, created ${parentTime}, now ${now}: ${got}`);
      return;
    }
  }
  t.pass("2000 parents and clocks, across 2^45 and 2^53");
});
