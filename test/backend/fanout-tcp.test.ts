import t from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, genesisRootBlock, minorBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { configForShards } from "../../src/config/quarkchain-config.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { TestSibling } from "../../harness/test-sibling.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { silentLog } from "../helpers/test-log.ts";
import { hex } from "./chain-helpers.ts";
import { mineEmpty, nextRootBlock } from "../../harness/empty-blocks.ts";

/** Three chains of one shard: the slave serves shard 1, two siblings the others (all neighbours). */
const config = configForShards(3, 1);
const SHARD = 1;
const SIBLING_SHARDS = [0x10001, 0x20001];

t.test(
  "ADD_MINOR_BLOCK over TCP: xshard lists to every sibling, then the header to the master, then the answer",
  async (t) => {
    const backend = new ChainBackend({ shards: [SHARD], genesis: new NetworkGenesis(config), log: silentLog });
    const slave = await startSlave({ id: "S0", shards: [SHARD], networkShards: [SHARD, ...SIBLING_SHARDS], backend });
    t.teardown(() => slave.stop());
    const siblings = await Promise.all(
      SIBLING_SHARDS.map((s, i) => TestSibling.listen({ id: `S${i + 1}`, shards: [s] })),
    );
    t.teardown(() => Promise.all(siblings.map((s) => s.close())));
    const master = await TestMaster.dial(slave.port);
    t.teardown(() => master.destroy());

    const genesis = genesisRootBlock(config);
    await master.ping(genesis);
    t.same(await master.connectToSlaves(siblings.map((s) => s.info())), ["", ""]);
    // Blocks on the genesis root block fan out to nobody: the targets are the shards initialized before the block's root.
    const root = nextRootBlock(genesis);
    t.equal((await master.call("ADD_ROOT_BLOCK_REQUEST", { root_block: root, expect_switch: false })).error_code, 0);

    const listsWhenHeaderCame: number[] = [];
    master.onRequest("ADD_MINOR_BLOCK_HEADER_REQUEST", (req) => {
      master.headerReports.push(req);
      listsWhenHeaderCame.push(siblings.reduce((n, s) => n + s.xshardLists.length, 0));
      return { error_code: 0, artificial_tx_config: { target_root_block_time: 0, target_minor_block_time: 0 } };
    });
    const chain = backend.chain(SHARD)!;
    const miner = { recipient: new Uint8Array(20).fill(7), full_shard_key: 0 };
    const blocks: MinorBlock[] = [];
    for (let i = 0; i < 2; i++) {
      const parent = chain.tip;
      const block = mineEmpty(config, chain, parent, root.header, parent.header.create_time + 1n, miner);
      const res = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, block) });
      t.equal(res.error_code, 0, `block ${i + 1} added`);
      blocks.push(block);
    }
    for (const [i, s] of siblings.entries()) {
      t.same(
        s.xshardLists.map((l) => [l.branch.value, hex(l.minor_block_hash), l.tx_list.tx_list.length]),
        blocks.map((b) => [SIBLING_SHARDS[i], hex(minorBlockHash(b.header)), 0]),
        `${s.id}: an empty list per block, addressed to its shard, named by the source block`,
      );
    }
    t.same(listsWhenHeaderCame, [2, 4], "each header came after its block's lists had been answered");
    t.equal(master.headerReports.length, 3, "the genesis header and one per block");
  },
);
