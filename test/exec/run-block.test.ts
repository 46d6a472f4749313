import t from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { runBlockEnv } from "../../src/backend/exec/block-env.ts";
import { checkBlockResult } from "../../src/backend/exec/check-block.ts";
import { BlockRunError, runBlock, type RunBlockResult } from "../../src/backend/exec/run-block.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { buildGenesisState } from "../../src/backend/state/genesis-alloc.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureBlock, fixtureRoot, hex } from "../backend/chain-helpers.ts";

/*
 * run_block + add_block's seven checks over pyquarkchain's own chain (test/backend/fixtures/chain.json,
 * made by ShardState): B1, B2 on R0; B3 on R1 (R1's coinbase deposit, a neighbour); B3f a fork; B4 with
 * two transactions. Each block runs on its parent's state, read back from the Kv its parent's commit
 * was written to.
 */

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);

async function boot() {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const shard = backend.chain(SHARD)!;
  for (const name of ["B1", "B2"]) shard.addToChain(fixtureBlock(f, name), { refuseTooOld: false });
  shard.addRootBlock(fixtureRoot(f, "R1"));
  for (const name of ["B3", "B3f"]) shard.addToChain(fixtureBlock(f, name), { refuseTooOld: false });
  return shard;
}

t.test("every block of pyquarkchain's chain passes the seven checks, B4's transactions included", async (t) => {
  const shard = await boot();
  const kv = new MemoryKvEnv().shard(SHARD);
  const g = buildGenesisState(config, SHARD, kv);
  kv.write(g.commit.writes);
  t.equal(
    hex(g.commit.root),
    hex(shard.chain.byHeight(0n)!.meta.hash_evm_state_root),
    "genesis root through the world state",
  );

  const roots = new Map<string, Uint8Array>([[hex(minorBlockHash(shard.chain.byHeight(0n)!.header)), g.commit.root]]);
  const run = (block: MinorBlock): RunBlockResult => {
    const parentRoot = roots.get(hex(block.header.hash_prev_minor_block))!;
    const result = runBlock(WorldState.open(kv, parentRoot), block, runBlockEnv(config, shard.chain, block));
    kv.write(result.commit.writes);
    return result;
  };

  for (const name of ["B1", "B2", "B3", "B3f", "B4"]) {
    const block = fixtureBlock(f, name);
    const result = run(block);
    t.equal(checkBlockResult(block, result), undefined, `${name}: all seven checks pass`);
    t.equal(hex(result.commit.root), f.blocks.find((b) => b.name === name)!.state_root, `${name}: pyquarkchain's root`);
    roots.set(hex(minorBlockHash(block.header)), result.commit.root);
    if (name === "B3") t.equal(result.received.length, 1, "B3 receives R1's coinbase deposit");
    if (name === "B4") {
      t.equal(result.receipts.length, block.tx_list.length + result.received.length, "a receipt per tx and deposit");
      t.ok(result.gasUsed >= 21000n * 2n, "two transfers' gas");
    }
  }
});

t.test("a block that breaks a check is refused with pyquarkchain's message", async (t) => {
  const shard = await boot();
  const kv = new MemoryKvEnv().shard(SHARD);
  const g = buildGenesisState(config, SHARD, kv);
  kv.write(g.commit.writes);
  const b1 = fixtureBlock(f, "B1");
  const runB1 = (block: MinorBlock) =>
    runBlock(WorldState.open(kv, g.commit.root), block, runBlockEnv(config, shard.chain, block));
  const tamper = (meta: Partial<MinorBlock["meta"]>, header: Partial<MinorBlock["header"]> = {}): MinorBlock => ({
    ...b1,
    meta: { ...b1.meta, ...meta },
    header: { ...b1.header, ...header },
  });
  const cases: Array<[string, MinorBlock, RegExp]> = [
    [
      "cursor",
      tamper({ xshard_tx_cursor_info: { ...b1.meta.xshard_tx_cursor_info, root_block_height: 7n } }),
      /^Cross-shard transaction cursor info mismatches!$/,
    ],
    ["state root", tamper({ hash_evm_state_root: new Uint8Array(32) }), /^state root mismatch: header 0{64} computed /],
    ["receipt root", tamper({ hash_evm_receipt_root: new Uint8Array(32) }), /^receipt root mismatch: header 0{64}/],
    ["gas used", tamper({ evm_gas_used: 5n }), /^gas used mismatch: header 5 computed 0$/],
    [
      "xshard gas",
      tamper({ evm_cross_shard_receive_gas_used: 5n }),
      /^x-shard gas used mismatch: header 5 computed 0$/,
    ],
    [
      "coinbase",
      tamper({}, { coinbase_amount_map: { balance_map: [[config.genesisToken, 1n]] } }),
      /^coinbase reward incorrect$/,
    ],
    ["bloom", tamper({}, { bloom: 1n }), /^bloom mismatch$/],
  ];
  for (const [what, block, message] of cases) t.match(checkBlockResult(block, runB1(block)), message, what);

  const b4 = fixtureBlock(f, "B4");
  const [tx0] = b4.tx_list;
  t.doesNotThrow(() => runB1({ ...b1, tx_list: [tx0!] }), "B4's first transaction applies on genesis");
  let refused: unknown;
  try {
    runB1({ ...b1, tx_list: [tx0!, tx0!] });
  } catch (err) {
    refused = err;
  }
  t.ok(refused instanceof BlockRunError, "the same transaction twice: its nonce is used, run_block raises");
  t.match((refused as Error).message, /^tx 1: /);
});
