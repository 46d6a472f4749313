import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t, { type Test } from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { poswDifficulty } from "../../src/backend/chain/seal-check.ts";
import { type BlockToMineOptions, createBlockToMine } from "../../src/backend/exec/build-block.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { Address, MinorBlock, RootBlock, TypedTransaction } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, hex } from "./chain-helpers.ts";

/*
 * ShardState.create_block_to_mine as pyquarkchain builds it, byte for byte (fixtures/produce.json,
 * gen-produce.py, on a fixed clock): at genesis; with deposits from the other shard cut by the
 * xshard gas limit; filled from a pool where a nonce goes stale, a transaction fails, one is priced
 * below MIN_MINING_GAS_PRICE and one waits behind a nonce gap; with the clock behind the tip; with the
 * root tip far ahead; and on a PoSW shard where the new block's own coinbase locks its stake.
 */

interface Case {
  name: string;
  stage?: string;
  clock: number;
  address: string | null;
  include_tx?: boolean;
  xshard_gas_limit?: number | null;
  block: string;
  queue: string[];
  posw_diff?: number;
}
interface Fixture {
  a: {
    cluster_config_json: string;
    cluster_id: string;
    blocks: Record<"B2_1" | "B3_1", string>;
    roots: Record<"R1" | "R2", string>;
    late_roots: string[];
    pool: Record<string, { tx: string; hash: string }>;
    pool_order: string[];
    queue_after_add: string[];
    cases: Case[];
  };
  b: {
    cluster_config_json: string;
    cluster_id: string;
    blocks: Record<"B1" | "B2", string>;
    tx: string;
    cases: Case[];
  };
}
const f = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "produce.json"), "utf8"),
) as Fixture;

/** A backend of `shards` on the fixture's network whose clock is `clock.now` (seconds). */
async function boot(configJson: string, shards: number[], clock: { now: bigint }) {
  const config = loadQuarkChainConfig(configJson);
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards, genesis, log: silentLog, now: () => clock.now });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  return { backend, config, master: backend.master as Required<MasterHandlers> };
}

/** create_block_to_mine on `shard` at the case's clock (its tracking data's clock too), as the case asks. */
function produce(shard: Shard, config: ReturnType<typeof loadQuarkChainConfig>, clusterId: string, c: Case) {
  const opts: BlockToMineOptions = {
    ...(c.address ? { address: decode(Address, bytes(c.address)) } : {}),
    ...(c.include_tx === false ? { includeTx: false } : {}),
    ...(c.xshard_gas_limit ? { xshardGasLimit: BigInt(c.xshard_gas_limit) } : {}),
  };
  const { chain, pool, nodeCache } = shard;
  const now = () => BigInt(c.clock);
  const nowMs = () => c.clock * 1000;
  return createBlockToMine({ config, chain, pool, nodeCache, now, nowMs, clusterId, log: silentLog }, opts);
}

function sameBlock(t: Test, ours: MinorBlock, c: Case) {
  const bytesOk = t.equal(hex(encode(MinorBlock, ours)), c.block, `${c.name}: pyquarkchain's block, byte for byte`);
  if (!bytesOk) t.same(ours, decode(MinorBlock, bytes(c.block)), `${c.name}: where it differs`);
}
const poolOf = (shard: Shard) => shard.pool.entries().map((e) => hex(e.hash));
const addBlock = (master: Required<MasterHandlers>, block: string) =>
  master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: bytes(block) });

t.test("network A: genesis, deposits, the pool's story, a late root tip", async (t) => {
  const a = f.a;
  const clock = { now: 0n };
  const { backend, config, master } = await boot(a.cluster_config_json, [2, 3], clock);
  const s2 = backend.chain(2)!;
  const T0 = s2.headerTip.create_time;
  const run = (stage: string) => {
    for (const c of a.cases.filter((c) => c.stage === stage)) {
      sameBlock(t, produce(s2, config, a.cluster_id, c), c);
      t.same(poolOf(s2), c.queue, `${c.name}: the pool after it`);
    }
  };

  run("genesis");

  clock.now = T0 + 1000n;
  const root = (h: string) => backend.addRootBlock(decode(RootBlock, bytes(h)));
  t.same(await root(a.roots.R1), { error_code: 0, switched: true }, "R1 confirms both genesis blocks");
  t.same(await addBlock(master, a.blocks.B2_1), { error_code: 0 }, "B2_1 on shard 2");
  t.same(await addBlock(master, a.blocks.B3_1), { error_code: 0 }, "B3_1 on shard 3 sends three deposits to shard 2");
  t.same(await root(a.roots.R2), { error_code: 0, switched: true }, "R2 confirms B2_1 and B3_1");
  for (const [name, { tx }] of Object.entries(a.pool)) {
    const res = await master.ADD_TRANSACTION_REQUEST({ tx: decode(TypedTransaction, bytes(tx)) });
    t.equal(res.error_code, 0, `the pool takes ${name}`);
  }
  t.same(poolOf(s2), a.pool_order, "the pool, by price then arrival");

  run("pooled");
  const full = a.cases.find((c) => c.name === "the full block")!;
  t.same(await addBlock(master, full.block), { error_code: 0 }, "the full block is added as it was built");
  t.same(poolOf(s2), a.queue_after_add, "its transactions leave the pool; the one behind the nonce gap stays");
  run("added");

  clock.now = T0 + 1000n;
  for (const r of a.late_roots) await root(r);
  run("late roots");
});

t.test("network B: PoSW, the new block's coinbase locks its stake too", async (t) => {
  const b = f.b;
  const clock = { now: 0n };
  const { backend, config, master } = await boot(b.cluster_config_json, [1], clock);
  const s1 = backend.chain(1)!;
  clock.now = s1.headerTip.create_time + 1000n;
  t.same(await addBlock(master, b.blocks.B1), { error_code: 0 });
  t.same(await addBlock(master, b.blocks.B2), { error_code: 0 });
  t.equal((await master.ADD_TRANSACTION_REQUEST({ tx: decode(TypedTransaction, bytes(b.tx)) })).error_code, 0);
  for (const c of b.cases) {
    const block = produce(s1, config, b.cluster_id, c);
    sameBlock(t, block, c);
    t.same(poolOf(s1), c.queue, `${c.name}: the pool after it`);
    t.equal(poswDifficulty(config, s1.chain, block), BigInt(c.posw_diff!), `${c.name}: posw_diff_adjust (GET_WORK's)`);
  }
});
