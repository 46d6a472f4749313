import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import type { ShardStats } from "../../src/messages/cluster.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { FakePeer, TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureRoot } from "./chain-helpers.ts";
import { mineEmpty } from "../../harness/empty-blocks.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);

/**
 * get_shard_stats over the last minute, as the master reads it in each block's header: the slave
 * counts a child of the last tip from its last walk, so the blocks here come at uneven gaps (the
 * minute's edge falls anywhere in the last walk), then a fork and a reorg. The expected figures
 * are counted here from the chain itself, as ShardState.get_shard_stats walks it.
 */
t.test("ADD_MINOR_BLOCK_HEADER's shard stats: the last minute, block by block, across a fork", async (t) => {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  const ctx = new TestContext();
  ctx.addPeer(new FakePeer(7n));
  backend.attach(ctx);
  await backend.createShards(genesis.rootBlock());
  const master = backend.master as Required<MasterHandlers>;
  const chain = backend.chain(SHARD)!;
  const root = fixtureRoot(f, "R0").header;
  const stored = new Map<bigint, number>(); // blocks stored per height
  const miner = (i: number) => ({ recipient: new Uint8Array(20).fill(i), full_shard_key: 0 });

  /** The stats of the chain ending in `canonical`'s last block (genesis first). */
  const expected = (canonical: MinorBlock[]): Partial<ShardStats> => {
    const tip = canonical.at(-1)!.header;
    let count = 0;
    let stale = 0;
    for (let i = canonical.length - 1; i >= 1 && canonical[i]!.header.create_time > tip.create_time - 60n; i--) {
      count++;
      stale += stored.get(canonical[i]!.header.height)! - 1;
    }
    const parent = canonical.at(-2)!.header;
    return {
      height: tip.height,
      block_count60s: count,
      stale_block_count60s: stale,
      tx_count60s: 0,
      last_block_time: Number(tip.create_time - parent.create_time),
    };
  };
  const reported = () => {
    const s = ctx.headers.at(-1)!.shard_stats;
    const { height, block_count60s, stale_block_count60s, tx_count60s, last_block_time } = s;
    return { height, block_count60s, stale_block_count60s, tx_count60s, last_block_time };
  };
  const mine = (canonical: MinorBlock[], gap: bigint, who: number) => {
    const parent = canonical.at(-1)!;
    const block = mineEmpty(config, chain, parent, root, parent.header.create_time + gap, miner(who));
    stored.set(block.header.height, (stored.get(block.header.height) ?? 0) + 1);
    return block;
  };

  const main: MinorBlock[] = [chain.tip];
  const gaps = [5n, 9n, 1n, 13n, 2n, 7n, 20n, 3n, 11n, 4n, 8n, 6n, 15n, 1n, 2n, 30n, 5n, 5n, 61n, 4n, 9n, 12n, 1n];
  for (const [i, gap] of gaps.entries()) {
    const block = mine(main, gap, 1);
    t.same(await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) }), { error_code: 0 });
    main.push(block);
    t.same(reported(), expected(main), `block ${i + 1}, ${gap} s after its parent`);
  }

  // A sibling of the block three below the tip, from a peer: the tip stays, and that height is stale now.
  const fork = main.slice(0, -3);
  const sibling = mine(fork, 2n, 2);
  await backend.peer.NEW_BLOCK_MINOR!({ clusterPeerId: 7n, fullShardId: SHARD }, { block: sibling });
  fork.push(sibling);
  t.same(reported(), expected(main), "the fork's own header: the tip's stats, one stale block");
  t.equal(chain.shardStats().stale_block_count60s, 1);

  // The fork grows past the tip (a reorg), then goes on from the master.
  for (const gap of [3n, 3n, 3n, 3n]) {
    const block = mine(fork, gap, 2);
    await backend.peer.NEW_BLOCK_MINOR!({ clusterPeerId: 7n, fullShardId: SHARD }, { block });
    fork.push(block);
  }
  t.equal(chain.headerTip.height, fork.at(-1)!.header.height, "the fork is the tip");
  t.same(reported(), expected(fork), "after the reorg: the fork's minute, three stale heights");
  for (const gap of [50n, 9n, 1n]) {
    const block = mine(fork, gap, 2);
    t.same(await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) }), { error_code: 0 });
    fork.push(block);
    t.same(reported(), expected(fork), `on the fork, ${gap} s after its parent`);
  }
});
