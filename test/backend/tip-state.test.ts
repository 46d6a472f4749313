import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { ChainDb } from "../../src/backend/chain/chain-store.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { type QuarkChainConfig, loadQuarkChainConfig, tokenIdEncode } from "../../src/config/cluster-config.ts";
import { MinorBlock, type RootBlock, type TypedTransaction } from "../../src/messages/core.ts";
import { type EvmTransaction, encodeEvmTransaction } from "../../src/tx/transaction.ts";
import { mineEmpty, nextRootBlock } from "../../harness/empty-blocks.ts";
import { qkcTx } from "../../harness/exec-env.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";

/*
 * ShardState.evm_state, the state after the tip, as EXECUTE_TRANSACTION and ESTIMATE_GAS see it
 * (execute_tx, estimate_gas: its ephemeral_clone()) and add_tx validates in: one block context,
 * Shard.tipBlock. Its PoSW sender_disallow_map is the one add_block's update_tip sets,
 * _get_sender_disallow_map(tip): the coinbases of the last WINDOW_SIZE − 1 blocks up to the tip.
 * After a restart it is __create_evm_state's (init_from_root_block): the wall clock, State's defaults.
 */

const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const QKC = tokenIdEncode("QKC");
const MINER = "aa".repeat(20);
const OTHER = "bb".repeat(20);
const ENV = "11".repeat(20);
/** NUMBER, TIMESTAMP, COINBASE, GASLIMIT as four words. */
const ENV_CODE = "43600052426020524160405245606052" + "60806000f3";
const STAKE = 10n ** 24n;

/** Chain 0 of one shard (full shard id 1), PoSW on with a window of 3: a coinbase's stake stays locked for 2 blocks. */
function network(): QuarkChainConfig {
  const pow = { CONSENSUS_TYPE: "POW_SIMULATE", CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 3 } };
  const alloc = {
    [MINER + "00000000"]: { QKC: "#1000000000000000000000#" },
    [ENV + "00000000"]: { code: ENV_CODE },
  };
  const posw = { ENABLED: true, ENABLE_TIMESTAMP: 0, WINDOW_SIZE: 3, TOTAL_STAKE_PER_BLOCK: `#${STAKE}#` };
  const json = {
    CHAIN_SIZE: 1,
    ROOT: { ...pow, POSW_CONFIG: {}, GENESIS: {} },
    CHAINS: [{ ...pow, POSW_CONFIG: posw, CHAIN_ID: 0, SHARD_SIZE: 1, GENESIS: { ALLOC: alloc } }],
  };
  return loadQuarkChainConfig(JSON.stringify(json).replace(/"#(\d+)#"/g, "$1"));
}

async function boot(config: QuarkChainConfig, db: ChainDb, now?: () => bigint, root?: RootBlock) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [1], genesis, log: silentLog, db, ...(now && { now }) });
  backend.attach(new TestContext());
  await backend.createShards(root ?? genesis.rootBlock());
  return { backend, master: backend.master as Required<MasterHandlers>, root: genesis.rootBlock().header };
}

/** Empty blocks on shard 1, 10 s apart, mined by `miners` in turn. */
async function mine(config: QuarkChainConfig, booted: Awaited<ReturnType<typeof boot>>, miners: string[]) {
  const shard = booted.backend.chain(1)!;
  for (const miner of miners) {
    const parent = shard.tip;
    const coinbase = { recipient: h(miner), full_shard_key: 0 };
    const block = mineEmpty(config, shard, parent, booted.root, parent.header.create_time + 10n, coinbase);
    const res = await booted.master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) throw new Error(`block by ${miner} refused`);
  }
  return shard;
}

function typed(f: Partial<EvmTransaction>): TypedTransaction {
  const tx = qkcTx({ gasprice: 0n, startgas: 0n, to: h(ENV), ...f });
  return { tx: { type: 0, serialized_tx: encodeEvmTransaction(tx) } };
}
const from = { recipient: h(MINER), full_shard_key: 0 };
/** The miner sends 1 wei: refused while its mined blocks lock 10^24 of its 10^21 (messages.py apply_msg). */
const send = typed({ to: h(OTHER), value: 1n });

t.test("a coinbase's stake is locked while its block is among the last WINDOW_SIZE − 1 up to the tip", async (t) => {
  const config = network();
  const booted = await boot(config, ChainDb.memory());
  const { master } = booted;
  const answers = async () => ({
    execute: (await master.EXECUTE_TRANSACTION_REQUEST({ tx: send, from_address: from, block_height: null }))
      .error_code,
    estimate: await master.ESTIMATE_GAS_REQUEST({ tx: send, from_address: from }),
  });

  await mine(config, booted, [MINER, OTHER]);
  t.same(await answers(), { execute: 1, estimate: { error_code: 1, result: 0 } }, "tip 2: block 1 is in the window");

  await mine(config, booted, [OTHER]);
  // run_block's map for the tip (its parent's window plus the tip's own coinbase) still holds
  // block 1; the tip state's map, _get_sender_disallow_map(tip), no longer does.
  t.same(await answers(), { execute: 0, estimate: { error_code: 0, result: 21000 } }, "tip 3: block 1 left the window");
});

t.test(
  "after a run the tip's queries run in run_block's context: the tip's number, time, coinbase, gas limit",
  async (t) => {
    const config = network();
    const db = ChainDb.memory();
    const first = await boot(config, db);
    const shard = await mine(config, first, [OTHER, OTHER]);
    const call = { tx: typed({}), from_address: from, block_height: null };
    const words = async (master: Required<MasterHandlers>) => {
      const res = await master.EXECUTE_TRANSACTION_REQUEST(call);
      t.equal(res.error_code, 0);
      return [0, 1, 2, 3].map((i) =>
        BigInt("0x" + Buffer.from(res.result.subarray(32 * i, 32 * i + 32)).toString("hex")),
      );
    };
    const { header: tip, meta } = shard.tip;
    // No deposits: the whole xshard gas limit is unused.
    t.equal(meta.evm_cross_shard_receive_gas_used, 0n);
    const ran = tip.evm_gas_limit - meta.evm_xshard_gas_limit;
    t.same(
      await words(first.master),
      [2n, tip.create_time, BigInt("0x" + OTHER), ran],
      "run_block's: the tip's number, time, coinbase, gas limit less the unused xshard gas",
    );

    // r1 confirms both blocks: a restart with it resumes at block 2 (init_from_root_block's confirmed tip).
    // The restart side (wall clock, State's defaults at a recovered tip past genesis) is pool.test's
    // "after a restart" case, from pyquarkchain's own ShardState (fixtures/pool.json).
  },
);

t.test(
  "a restart whose root tip confirms nothing of the shard resumes at genesis with a created state: the wall clock",
  async (t) => {
    const config = network();
    const db = ChainDb.memory();
    const first = await boot(config, db);
    const genesisRoot = first.backend.chain(1)!.tip.header.hash_prev_root_block;
    t.ok(genesisRoot, "the shard starts at genesis");
    const words = async (master: Required<MasterHandlers>) => {
      const res = await master.EXECUTE_TRANSACTION_REQUEST({ tx: typed({}), from_address: from, block_height: null });
      t.equal(res.error_code, 0);
      return [0, 1, 2, 3].map((i) =>
        BigInt("0x" + Buffer.from(res.result.subarray(32 * i, 32 * i + 32)).toString("hex")),
      );
    };
    // init_genesis_state: the genesis state's timestamp 0 and State's defaults.
    t.same(await words(first.master), [0n, 0n, 0n, 3141592n], "a new shard at genesis: timestamp 0");

    // r1 confirms no block of shard 1: init_from_root_block takes the genesis block from the db and
    // __create_evm_state gives its state int(time.time()).
    const r1 = nextRootBlock(new NetworkGenesis(config).rootBlock());
    const restarted = await boot(config, db, () => 1_700_000_000n, r1);
    t.equal(restarted.backend.chain(1)!.tip.header.height, 0n, "resumed at the genesis block");
    t.same(
      await words(restarted.master),
      [0n, 1_700_000_000n, 0n, 3141592n],
      "a recovered shard at genesis: the wall clock",
    );
  },
);
