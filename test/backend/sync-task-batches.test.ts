import t from "tap";
import type { MasterHandlers, PeerRpc } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { MINOR_BLOCK_BATCH_SIZE, runSyncTask } from "../../src/backend/sync-task.ts";
import { encode } from "../../src/codec/index.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { fixtureBlock, fixtureRoot } from "./chain-helpers.ts";
import { SHARD, config, f, minerChain } from "./peer-sync-helpers.ts";

/*
 * The download half of a sync task: the blocks come in batches of MINOR_BLOCK_BATCH_SIZE,
 * parents first, and each batch is asked for while the one before it is being added, so
 * the peer's time overlaps execution.
 */

t.test("123 blocks: three batches, each asked for before the one before it is added", async (t) => {
  const miner = await minerChain(120); // B3 .. height 125 above the slave's B2
  const backend = new ChainBackend({ shards: [SHARD], genesis: new NetworkGenesis(config), log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(fixtureRoot(f, "R0"));
  const master = backend.master as Required<MasterHandlers>;
  for (const name of ["B1", "B2"])
    await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, fixtureBlock(f, name)) });
  t.equal((await backend.addRootBlock(fixtureRoot(f, "R1"))).error_code, 0);
  const shard = backend.chain(SHARD)!;

  const asked: number[] = []; // batch sizes, in the order asked
  const peer: PeerRpc = {
    closed: false,
    call: (async (name: string, request: unknown) => {
      if (name === "GET_MINOR_BLOCK_LIST_REQUEST")
        asked.push((request as { minor_block_hash_list: unknown[] }).minor_block_hash_list.length);
      return miner.honest(name, request);
    }) as PeerRpc["call"],
    send: () => {},
    close: () => {},
  };
  const askedWhenAdded: number[] = [];
  const target = {
    fullShardId: SHARD,
    chain: shard.chain,
    addBlock: (block: MinorBlock) => {
      askedWhenAdded.push(asked.length);
      return shard.addBlock(block);
    },
  };
  const res = await runSyncTask(target, miner.shard.headerTip, peer, { timeoutMs: 5_000, config });
  t.same(res, { outcome: "synced", blocks: 123 });
  t.same(asked, [MINOR_BLOCK_BATCH_SIZE, MINOR_BLOCK_BATCH_SIZE, 23], "50, 50, 23 blocks asked");
  t.same(
    [askedWhenAdded[0], askedWhenAdded[49], askedWhenAdded[50], askedWhenAdded[100], askedWhenAdded[122]],
    [2, 2, 3, 3, 3],
    "the next batch is asked for before a batch's first block is added; nothing after the last",
  );
  t.equal(shard.headerTip.height, 125n);
  await backend.close();
});
