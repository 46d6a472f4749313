import t from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock, TypedTransaction, typedTransactionHash } from "../../src/messages/core.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, hex } from "./chain-helpers.ts";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * GET_NEXT_BLOCK_TO_MINE over real TCP, as a master's miner uses it: a slave of shard 2 (of 2 and 3)
 * answers a block on its tip for the miner's address, with the pooled transaction in it; the master
 * hands the block back with ADD_MINOR_BLOCK and it becomes the tip; a shard not served here: error 1.
 */

const f = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "produce.json"), "utf8"),
) as { a: { cluster_config_json: string; pool: Record<string, { tx: string }> } };
const config = loadQuarkChainConfig(f.a.cluster_config_json);
const miner = { recipient: new Uint8Array(20).fill(0x11), full_shard_key: 0 };

t.test("GET_NEXT_BLOCK_TO_MINE through the master link, then the block back with ADD_MINOR_BLOCK", async (t) => {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [2], genesis, log: silentLog });
  const slave = await startSlave({ id: "S0", shards: [2], networkShards: [2, 3], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(genesis.rootBlock());
  const shard = backend.chain(2)!;
  const genesisHash = minorBlockHash(shard.headerTip);
  const ask = (branch: number) =>
    master.call("GET_NEXT_BLOCK_TO_MINE_REQUEST", {
      branch: { value: branch },
      address: miner,
      artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 3 },
    });

  const empty = await ask(2);
  t.equal(empty.error_code, 0);
  t.equal(empty.block.header.height, 1n, "on the genesis tip");
  t.equal(hex(empty.block.header.hash_prev_minor_block), hex(genesisHash));
  t.same(empty.block.header.coinbase_address, miner, "for the miner's address");
  t.same(empty.block.tx_list, [], "the pool is empty");
  t.same(Object.keys(JSON.parse(Buffer.from(empty.block.tracking_data).toString())), [
    "inception",
    "cluster",
    "creation_ms",
  ]);

  const tx = decode(TypedTransaction, bytes(f.a.pool["S0@10"]!.tx));
  t.same(await master.call("ADD_TRANSACTION_REQUEST", { tx }), { error_code: 0 }, "a transaction joins the pool");
  const full = await ask(2);
  t.equal(full.error_code, 0);
  t.same(
    full.block.tx_list.map((x) => hex(typedTransactionHash(x))),
    [hex(typedTransactionHash(tx))],
    "the next block carries it",
  );
  t.equal(shard.pool.size, 1, "and it stays pooled until a block with it is added");

  const added = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, full.block) });
  t.same(added, { error_code: 0 }, "the block mined on it is added as built");
  t.equal(hex(shard.tipHash), hex(minorBlockHash(full.block.header)), "it is the tip");
  t.equal(shard.pool.size, 0, "and its transaction left the pool");

  const notHere = await ask(3);
  t.equal(notHere.error_code, 1, "a shard this slave does not serve: error 1");
});
