import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { prevHashesFrom } from "../../src/backend/exec/block-env.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureRoot, hex } from "./chain-helpers.ts";
import { mineEmpty } from "../../harness/empty-blocks.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);

/**
 * state.prev_headers (what BLOCKHASH reads): the hashes of a block's parent and its ancestors,
 * parent first, at most 256. The slave builds each block's list from the last one; here each is
 * checked against the chain's own hashes, past 256 blocks, then on a fork.
 */
t.test("prev_headers: the last 256 hashes, parent first, block by block and on a fork", async (t) => {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const master = backend.master as Required<MasterHandlers>;
  const shard = backend.chain(SHARD)!;
  const chain = shard;
  const root = fixtureRoot(f, "R0").header;
  const expected = (blocks: MinorBlock[]) =>
    blocks
      .slice(-256)
      .reverse()
      .map((b) => hex(minorBlockHash(b.header)));
  const main: MinorBlock[] = [chain.tip];
  let wrong = 0;
  for (let i = 1; i <= 270; i++) {
    const parent = main.at(-1)!;
    const block = mineEmpty(config, chain, parent, root, parent.header.create_time + 5n, {
      recipient: new Uint8Array(20).fill(1),
      full_shard_key: 0,
    });
    const res = await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) t.fail(`block ${i} refused`);
    main.push(block);
    // The block ran on its parent's list; the tip's is the next one.
    const got = prevHashesFrom(shard.chain, block.header).map(hex);
    if (JSON.stringify(got) !== JSON.stringify(expected(main))) wrong++;
  }
  t.equal(wrong, 0, "270 blocks: every list as the chain's hashes");
  t.equal(prevHashesFrom(shard.chain, main.at(-1)!.header).length, 256, "at most 256");
  t.same(prevHashesFrom(shard.chain, main.at(-1)!.header).map(hex), expected(main), "the same block again");
  const fork = main.slice(0, -10);
  t.same(prevHashesFrom(shard.chain, fork.at(-1)!.header).map(hex), expected(fork), "a block below the last one");
  t.same(prevHashesFrom(shard.chain, main[3]!.header).map(hex), expected(main.slice(0, 4)), "near the genesis");
});
