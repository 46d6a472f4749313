import t from "tap";
import type { PeerRpc } from "../../src/backend/api.ts";
import type { ShardChain } from "../../src/backend/chain/shard-chain.ts";
import { Synchronizer, newSyncStats } from "../../src/backend/synchronizer.ts";
import { MinorBlockHeader, RootBlockHeader } from "../../src/messages/core.ts";
import { silentLog } from "../helpers/test-log.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { chainFixture } from "./chain-helpers.ts";

/*
 * The synchronizer's queue is bounded whatever the peers announce: one tip per peer (its
 * latest), at most 64, and a closed peer's tip goes.
 */

const config = loadQuarkChainConfig(chainFixture().cluster_config_json);
const root = RootBlockHeader.zero();
const tip = { ...MinorBlockHeader.zero(), height: 10n };
/** A chain at height 10 that knows every root block and no minor block but its tip. */
const chain = {
  shard: [...config.shards.values()][0],
  headerTip: tip,
  confirmedTip: undefined,
  rootHeader: () => root,
  store: { hasMinorBlock: () => false },
} as unknown as ShardChain;

/** A peer whose requests never get an answer: the first task stays under way. */
const silentPeer: PeerRpc = {
  closed: false,
  call: () => new Promise(() => {}),
  send: () => {},
  close: () => {},
};

t.test("one tip per peer, 64 at most, a forgotten peer's tip goes", async (t) => {
  const stats = newSyncStats();
  const sync = new Synchronizer(
    { fullShardId: 1, chain, addBlock: async () => true },
    { log: silentLog, timeoutMs: 60_000, config, stats, peer: () => silentPeer },
  );
  const at = (height: bigint) => ({ ...tip, height });
  sync.announce(0n, at(11n));
  t.ok(sync.running, "the first tip starts a task");
  t.equal(sync.queued, 0, "taken from the queue");
  sync.announce(1n, at(5n));
  t.equal(sync.queued, 0, "a tip below the shard's is not queued");
  for (let i = 1n; i <= 100n; i++) sync.announce(i, at(20n));
  t.equal(sync.queued, 64, "at most 64 tips");
  for (let h = 21n; h < 1000n; h++) sync.announce(100n, at(h));
  t.equal(sync.queued, 64, "a peer announcing again replaces its own tip");
  sync.forget(100n);
  t.equal(sync.queued, 63, "a closed peer's tip goes");
  t.equal(stats.tasks, 1);
});
