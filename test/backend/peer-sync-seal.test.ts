import t, { type Test } from "tap";
import { mineEmpty } from "../../harness/empty-blocks.ts";
import { TestMaster } from "../../harness/test-master.ts";
import type { PeerHandlers, PeerRef } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { minorHashForMining } from "../../src/backend/chain/block-rules.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import { minePow } from "../../src/consensus/seal.ts";
import type { MinorBlock } from "../../src/messages/core.ts";
import type { P2PMessage } from "../../src/messages/p2p.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { hex } from "./chain-helpers.ts";
import { type Answer, playPeer, until } from "./peer-sync-helpers.ts";
import { oneChainNetwork } from "../helpers/one-chain-network.ts";

/*
 * The seal of each header during the walk back (SyncTask.__validate_block_headers): on an
 * ETHASH shard a peer whose header list holds a header without a valid seal is dropped for
 * "bad-seal" before any block is downloaded. As in pyquarkchain, the seal of the last header of
 * each list is not checked there (the list's pairs are); add_block refuses that block later.
 * The peers answer header lists three headers at a time, so the lists' ends are known heights.
 */

const SHARD = 2;
const PEER = 9n;
const T0 = 1_600_000_000n;
const network = (disablePowCheck: boolean): QuarkChainConfig =>
  oneChainNetwork(
    { SHARD_SIZE: 2, CONSENSUS_TYPE: "POW_ETHASH", GENESIS: { TIMESTAMP: Number(T0), DIFFICULTY: 20 } },
    { DISABLE_POW_CHECK: disablePowCheck },
  );
/** The slave checks seals in add_block; the lying miner's own chain does not. */
const slaveConfig = network(false);
const minerConfig = network(true);

/** A miner's chain of `length` sealed blocks, the one at `badAt` (if any) with a seal that is not one. */
async function minerChain(length: number, badAt?: bigint) {
  const genesis = new NetworkGenesis(minerConfig);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const shard = backend.chain(SHARD)!;
  const root = genesis.rootBlock().header;
  for (let i = 0; i < length; i++) {
    const parent = shard.tip;
    const miner = { recipient: new Uint8Array(20).fill(1), full_shard_key: 0 };
    const block = mineEmpty(minerConfig, shard, parent, root, parent.header.create_time + 5n, miner);
    const h = block.header;
    const seal =
      h.height === badAt
        ? { nonce: 7n, mixhash: new Uint8Array(32).fill(0xee) }
        : minePow("ETHASH", h.height, minorHashForMining(h), h.difficulty, 1n, 100_000);
    if (!seal) throw new Error("no seal found");
    const sealed: MinorBlock = { ...block, header: { ...h, nonce: seal.nonce, mixhash: seal.mixhash } };
    if (!(await shard.addBlock(sealed))) throw new Error(`the miner refused its block ${h.height}`);
  }
  const ref: PeerRef = { clusterPeerId: PEER, fullShardId: SHARD };
  const peer = backend.peer as Required<PeerHandlers>;
  /** The miner's own answers, header lists three headers long. */
  const answer: Answer = async (name, request) => {
    if (name === "GET_MINOR_BLOCK_HEADER_LIST_REQUEST") {
      const req = request as P2PMessage<typeof name>;
      return peer.GET_MINOR_BLOCK_HEADER_LIST_REQUEST(ref, { ...req, limit: 3 });
    }
    if (name === "GET_MINOR_BLOCK_LIST_REQUEST")
      return peer.GET_MINOR_BLOCK_LIST_REQUEST(ref, request as P2PMessage<typeof name>);
    throw new Error(`the peer does not serve ${name}`);
  };
  return { shard, answer, root: genesis.rootBlock() };
}

/** A slave of SHARD at its genesis over TCP, syncing from the miner played as peer PEER. */
async function syncFrom(t: Test, miner: Awaited<ReturnType<typeof minerChain>>) {
  const backend = new ChainBackend({
    shards: [SHARD],
    genesis: new NetworkGenesis(slaveConfig),
    log: silentLog,
    syncTimeoutMs: 30_000,
  });
  const slave = await startSlave({ id: "S0", shards: [SHARD], networkShards: [2, 3], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(miner.root);
  t.equal(await master.createPeer(PEER), 0);
  const seen = playPeer(t, master, PEER, miner.answer);
  master.sendP2P(
    "NEW_MINOR_BLOCK_HEADER_LIST",
    { root_block_header: miner.root.header, minor_block_header_list: [miner.shard.headerTip] },
    { branch: SHARD, clusterPeerId: PEER, rpcId: 0n },
  );
  return { backend, slave, seen, shard: () => backend.chain(SHARD)! };
}

t.test("an honest peer's sealed headers pass the walk; the slave reaches its tip", async (t) => {
  const miner = await minerChain(9);
  const { backend, shard } = await syncFrom(t, miner);
  await until("9 blocks synced", () => backend.syncStats.blocks === 9);
  t.equal(hex(shard().tipHash), hex(miner.shard.tipHash), "the peer's tip");
  t.equal(backend.syncStats.dropped.size, 0, "nobody dropped");
});

t.test("a header with a bad seal inside a list: the peer is dropped before any block is asked for", async (t) => {
  // The lists are [8 7 6], [5 4 3]: 5's seal is checked with the pair (5, 4).
  const miner = await minerChain(9, 5n);
  const { backend, slave, seen, shard } = await syncFrom(t, miner);
  await until("the peer dropped", () => backend.syncStats.dropped.size > 0);
  t.same([...backend.syncStats.dropped], [["bad-seal", 1]], "dropped for bad-seal");
  await until("its PeerConn closed", () => slave.server.stats().peerConns === 0);
  t.same(seen, ["GET_MINOR_BLOCK_HEADER_LIST_REQUEST", "GET_MINOR_BLOCK_HEADER_LIST_REQUEST"], "headers only");
  t.equal(shard().headerTip.height, 0n, "nothing added");
});

t.test(
  "a bad seal on the last header of a list passes the walk, as in pyquarkchain; add_block refuses it",
  async (t) => {
    // The lists are [8 7 6], [5 4 3], [2 1 0]: 6 ends the first one and begins no pair.
    const miner = await minerChain(9, 6n);
    const { backend, shard } = await syncFrom(t, miner);
    await until("the peer dropped", () => backend.syncStats.dropped.size > 0);
    t.same([...backend.syncStats.dropped], [["invalid-block", 1]], "dropped for invalid-block");
    t.equal(shard().headerTip.height, 5n, "the blocks below it were added");
    t.not(hex(minorBlockHash(shard().headerTip)), hex(miner.shard.tipHash));
  },
);
