import t from "tap";
import { minorHashForMining } from "../../src/backend/chain/block-rules.ts";
import { Miner, type MinerDeps } from "../../src/backend/mining/miner.ts";
import { WORK_CACHE_SIZE } from "../../src/backend/mining/work-cache.ts";
import { type Address, MinorBlock } from "../../src/messages/core.ts";
import { silentLog } from "../helpers/test-log.ts";
import { until } from "./mining-helpers.ts";

/*
 * The Miner's rules with a stand-in shard: the local search restarts when the tip moves under it;
 * the remote work cache (miner.py get_work / submit_work) keeps a coinbase's block while it is on
 * the tip and under 10 s old, and remembers the last 128 blocks handed out.
 */

function fakeShard(consensus: MinerDeps["consensus"], remote: boolean) {
  const state = { tip: new Uint8Array(32), now: 1_000, made: [] as MinorBlock[], added: [] as MinorBlock[] };
  const deps: MinerDeps = {
    fullShardId: 1,
    consensus,
    remote,
    log: silentLog,
    createBlock: (coinbase: Address) => {
      const block = MinorBlock.zero();
      block.header.height = 1n;
      block.header.hash_prev_minor_block = state.tip;
      block.header.coinbase_address = coinbase;
      block.header.create_time = BigInt(state.now);
      block.header.difficulty = 1n << 60n; // never met: the search goes on until replaced
      block.header.extra_data = Uint8Array.of(state.made.length); // each block its own header hash
      block.header.evm_gas_limit = 1n;
      state.made.push(block);
      return block;
    },
    addBlock: async (block) => {
      state.added.push(block);
    },
    tipHash: () => state.tip,
    syncing: () => false,
    targetBlockTime: () => 1,
    algorithm: () => "DOUBLESHA256",
    now: () => state.now,
  };
  return { state, miner: new Miner(deps) };
}

const coinbase = (i: number): Address => ({ recipient: new Uint8Array(20).fill(i + 1), full_shard_key: 0 });

t.test("mining here: a tip moved under the search makes new work on it", async (t) => {
  const { state, miner } = fakeShard("POW_DOUBLESHA256", false);
  t.teardown(() => miner.disable());
  miner.start();
  t.equal(state.made.length, 1, "work on the tip at once");
  miner.start();
  t.equal(state.made.length, 1, "a second start changes nothing");
  state.tip = new Uint8Array(32).fill(9);
  await until(() => state.made.length === 2, "new work after the tip moved", 5_000);
  t.same(state.made[1]!.header.hash_prev_minor_block, state.tip, "on the new tip");
  miner.disable();
  state.tip = new Uint8Array(32).fill(10);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(state.made.length, 2, "a disabled miner makes no work");
  t.equal(state.added.length, 0);
});

t.test("remote work: the same block while on the tip and fresh, a new one after 10 s or a new tip", async (t) => {
  const { state, miner } = fakeShard("POW_DOUBLESHA256", true);
  miner.start();
  t.equal(state.made.length, 0, "a remote miner mines nothing itself");
  const first = miner.getWork(coinbase(0));
  t.same(miner.getWork(coinbase(0)).hash, first.hash, "cached");
  state.now += 10;
  t.same(miner.getWork(coinbase(0)).hash, first.hash, "10 s old: still cached");
  state.now += 1;
  const fresh = miner.getWork(coinbase(0));
  t.not(Buffer.from(fresh.hash).toString("hex"), Buffer.from(first.hash).toString("hex"), "over 10 s: a new block");
  t.equal(state.made.length, 2);
  state.tip = new Uint8Array(32).fill(1);
  t.not(miner.getWork(coinbase(0)).hash, fresh.hash, "a new tip: a new block");
  t.equal(state.made.length, 3);
});

t.test("remote work: the last 128 blocks handed out are remembered, the older forgotten", async (t) => {
  const { state, miner } = fakeShard("POW_DOUBLESHA256", true);
  const works = Array.from({ length: WORK_CACHE_SIZE + 1 }, (_, i) => miner.getWork(coinbase(i)));
  t.equal(await miner.submitWork(works[0]!.hash, 1n, new Uint8Array(32)), false, "the 129th pushed out the first");
  t.equal(await miner.submitWork(works[1]!.hash, 1n, new Uint8Array(32)), true, "the second is still there");
  t.equal(state.added.length, 1);
  t.same(minorHashForMining(state.added[0]!.header), works[1]!.hash, "its block, sealed");
  t.equal(state.added[0]!.header.nonce, 1n);
});

t.test("an empty coinbase mines to this shard (Shard.__init_miner's __create_block)", async (t) => {
  const { state, miner } = fakeShard("POW_DOUBLESHA256", true);
  miner.getWork({ recipient: new Uint8Array(20), full_shard_key: 0 });
  miner.getWork({ recipient: new Uint8Array(20).fill(5), full_shard_key: 0 });
  t.same(
    state.made.map((b) => b.header.coinbase_address.full_shard_key),
    [1, 0],
    "the empty one to shard 1, another as given",
  );
});
