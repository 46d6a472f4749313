import type { Test } from "tap";
import type { MasterHandlers, PeerHandlers, PeerRef } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock, type MinorBlockHeader } from "../../src/messages/core.ts";
import { type P2PMessage, p2pOps } from "../../src/messages/p2p.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { mineEmpty } from "../../harness/empty-blocks.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureBlock, fixtureRoot } from "./chain-helpers.ts";

/*
 * The peer-triggered sync tests' cast: a peer is played by the test through the test master;
 * its answers come from a miner's chain built in-process (fixture blocks B1..B5 from
 * pyquarkchain, two transactions in B4, then empty blocks), honestly or not.
 */

export const f = chainFixture();
export const SHARD = f.full_shard_id;
export const config = loadQuarkChainConfig(f.cluster_config_json);
export const PEER = 9n;

export type Answer = (name: string, request: unknown) => unknown | undefined;

/** The miner's chain: genesis, B1, B2, R1, B3..B5 (B4 carries transactions), then `extra` empty blocks. */
export async function minerChain(extra: number) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const master = backend.master as Required<MasterHandlers>;
  for (const name of ["B1", "B2", "R1", "B3", "B4", "B5"]) {
    if (name === "R1") {
      // R1 confirms B1 and B2.
      if ((await backend.addRootBlock(fixtureRoot(f, "R1"))).error_code !== 0) throw new Error("R1 refused");
      continue;
    }
    const res = await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, fixtureBlock(f, name)) });
    if (res.error_code !== 0) throw new Error(`${name} refused by the miner`);
  }
  const shard = backend.chain(SHARD)!;
  const root = fixtureRoot(f, "R1").header;
  let parent = shard.tip;
  for (let i = 1; i <= extra; i++) {
    const miner = { recipient: new Uint8Array(20).fill(i % 5), full_shard_key: 0 };
    const block = mineEmpty(config, shard, parent, root, parent.header.create_time + 5n, miner);
    const res = await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) throw new Error(`empty block ${i} refused by the miner`);
    parent = block;
  }
  const ref: PeerRef = { clusterPeerId: PEER, fullShardId: SHARD };
  const peer = backend.peer as Required<PeerHandlers>;
  /** What an honest peer answers (the miner's own peer handlers). */
  const honest = async (name: string, request: unknown): Promise<unknown> => {
    if (name === "GET_MINOR_BLOCK_HEADER_LIST_REQUEST")
      return peer.GET_MINOR_BLOCK_HEADER_LIST_REQUEST(ref, request as P2PMessage<typeof name>);
    if (name === "GET_MINOR_BLOCK_LIST_REQUEST")
      return peer.GET_MINOR_BLOCK_LIST_REQUEST(ref, request as P2PMessage<typeof name>);
    throw new Error(`the peer does not serve ${name}`);
  };
  return { backend, shard, master, honest };
}
export type Miner = Awaited<ReturnType<typeof minerChain>>;

/** A slave of shard SHARD over TCP, with B1, B2, R1 (confirming them) and the fork block B3f. */
export async function bootSlave(t: Test, syncTimeoutMs = 5_000) {
  const backend = new ChainBackend({
    shards: [SHARD],
    genesis: new NetworkGenesis(config),
    log: silentLog,
    syncTimeoutMs,
  });
  const slave = await startSlave({ id: "S0", shards: [SHARD], networkShards: [2, 3], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(fixtureRoot(f, "R0"));
  for (const name of ["B1", "B2", "R1", "B3f"]) {
    if (name === "R1") {
      const res = await master.call("ADD_ROOT_BLOCK_REQUEST", {
        root_block: fixtureRoot(f, "R1"),
        expect_switch: false,
      });
      t.equal(res.error_code, 0, "R1 added by the master");
      continue;
    }
    const res = await master.call("ADD_MINOR_BLOCK_REQUEST", {
      minor_block_data: encode(MinorBlock, fixtureBlock(f, name)),
    });
    t.equal(res.error_code, 0, `${name} added by the master`);
  }
  return { slave, backend, master, shard: () => backend.chain(SHARD)! };
}

/**
 * Plays peer `id` on the master link: answers each request the slave sends it with `answer`
 * (undefined: no answer at all). Returns the requests seen, by op name.
 */
export function playPeer(
  t: Test,
  master: TestMaster,
  id: bigint,
  answer: Answer | ((n: string, r: unknown) => Promise<unknown>),
) {
  const seen: string[] = [];
  let stopped = false;
  t.teardown(() => void (stopped = true));
  void (async () => {
    let after = 0;
    while (!stopped) {
      let frame;
      try {
        frame = await master.waitFrame(
          (fr) => fr.clusterPeerId === id && p2pOps.byOp(fr.op)?.kind === "request",
          `peer ${id}'s requests`,
          after,
        );
      } catch {
        continue; // no request for a while
      }
      after = frame.seq;
      const entry = p2pOps.byOp(frame.op)!;
      seen.push(entry.name);
      const response = await answer(entry.name, decode(entry.message, frame.payload));
      if (response === undefined || stopped) continue;
      const name = p2pOps.byOp(entry.responseOp!)!.name as Parameters<TestMaster["sendP2P"]>[0];
      master.sendP2P(name, response as never, { branch: SHARD, clusterPeerId: id, rpcId: frame.rpcId });
    }
  })();
  return seen;
}

export function announce(
  master: TestMaster,
  id: bigint,
  miner: Miner,
  header: MinorBlockHeader = miner.shard.headerTip,
) {
  master.sendP2P(
    "NEW_MINOR_BLOCK_HEADER_LIST",
    { root_block_header: miner.shard.chain.rootTip, minor_block_header_list: [header] },
    { branch: SHARD, clusterPeerId: id, rpcId: 0n },
  );
}

export async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
