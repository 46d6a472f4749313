import t, { type Test } from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { NewMinorBlockHeaderListCommand, p2pOps } from "../../src/messages/p2p.ts";
import { clusterOps } from "../../src/messages/cluster.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureBlock, fixtureRoot, hex } from "./chain-helpers.ts";

const f = chainFixture();
const config = loadQuarkChainConfig(f.cluster_config_json);
const PEER = 9n;

/** A slave of shard 2 (of shards 2 and 3) with a ChainBackend, booted by a test master at root block R0. */
async function bootOverTcp(t: Test) {
  const backend = new ChainBackend({ shards: [2], genesis: new NetworkGenesis(config), log: silentLog });
  const slave = await startSlave({ id: "S0", shards: [2], networkShards: [2, 3], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(fixtureRoot(f, "R0"));
  return { backend, master };
}

t.test("SYNC_MINOR_BLOCK_LIST over TCP: the download goes out on the peer's virtual connection", async (t) => {
  const { backend, master } = await bootOverTcp(t);
  t.equal(master.headerReports.length, 1, "genesis header reported before the PONG");
  t.ok(backend.clusterAccess.peers, "the master link gives the backend its peers");
  t.equal(await master.createPeer(PEER), 0);
  const blocks = [fixtureBlock(f, "B1"), fixtureBlock(f, "B2")];
  const hashes = blocks.map((b) => minorBlockHash(b.header));
  const sync = master.call("SYNC_MINOR_BLOCK_LIST_REQUEST", {
    minor_block_hash_list: hashes,
    branch: { value: 2 },
    cluster_peer_id: PEER,
  });
  const ask = await master.waitFrame(
    (fr) => fr.clusterPeerId === PEER && fr.op === p2pOps.byName("GET_MINOR_BLOCK_LIST_REQUEST")!.op,
    "the slave's GET_MINOR_BLOCK_LIST_REQUEST",
  );
  t.equal(ask.branch, 2, "stamped with the shard");
  master.sendP2P(
    "GET_MINOR_BLOCK_LIST_RESPONSE",
    { minor_block_list: blocks },
    {
      branch: 2,
      clusterPeerId: PEER,
      rpcId: ask.rpcId,
    },
  );
  const res = await sync;
  t.equal(res.error_code, 0);
  t.same(
    res.block_coinbase_map.map(([h]) => hex(h)),
    hashes.map((h) => hex(h)).sort(),
    "keys in byte order",
  );
  t.equal(res.shard_stats?.height, 2n);
  const list = master.frames.find((fr) => fr.op === clusterOps.byName("ADD_MINOR_BLOCK_HEADER_LIST_REQUEST")!.op);
  t.ok(list, "the master got the header list before the answer");
});

t.test("a new tip is announced to every peer of its shard, through the master with their metadata", async (t) => {
  const { master } = await bootOverTcp(t);
  for (const peer of [PEER, PEER + 1n]) t.equal(await master.createPeer(peer), 0);
  const b1 = fixtureBlock(f, "B1");
  const added = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, b1) });
  t.equal(added.error_code, 0);
  const op = p2pOps.byName("NEW_MINOR_BLOCK_HEADER_LIST")!.op;
  for (const peer of [PEER, PEER + 1n]) {
    const tip = await master.waitFrame((fr) => fr.clusterPeerId === peer && fr.op === op, `peer ${peer}'s new tip`);
    t.equal(tip.branch, 2, `peer ${peer}: stamped with the shard`);
    const cmd = decode(NewMinorBlockHeaderListCommand, tip.payload);
    t.same(
      cmd.minor_block_header_list.map((h) => hex(minorBlockHash(h))),
      [hex(minorBlockHash(b1.header))],
      `peer ${peer}: the new tip's header`,
    );
  }
});
