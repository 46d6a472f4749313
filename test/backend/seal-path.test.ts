import t from "tap";
import { mineEmpty } from "../../harness/empty-blocks.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { minorHashForMining } from "../../src/backend/chain/block-rules.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import { type PowAlgorithm, checkPow, minePow } from "../../src/consensus/seal.ts";
import type { Address, MinorBlock, RootBlockHeader } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { oneChainNetwork } from "../helpers/one-chain-network.ts";

/*
 * The seal over the whole path: blocks of an ETHASH or QKCHASH shard go through
 * Shard.addToChain (validate_block -> run_block -> store), and one whose seal is wrong is refused
 * with pyquarkchain's message, "invalid pow proof". The hash functions themselves are proven
 * against pyquarkchain in test/consensus/seal-vectors.test.ts; here the blocks are sealed by
 * minePow.
 */

const SHARD = 1;
const T0 = 1_600_000_000;
const STAKER: Address = { recipient: new Uint8Array(20).fill(0x11), full_shard_key: 0 };
const NOBODY: Address = { recipient: new Uint8Array(20).fill(0x22), full_shard_key: 0 };

function network(consensus: string, opts: { difficulty?: number; posw?: object; top?: object } = {}) {
  return oneChainNetwork(
    {
      CONSENSUS_TYPE: consensus,
      COINBASE_AMOUNT: 0, // stakes stay what the genesis gave
      POSW_CONFIG: opts.posw ?? {},
      GENESIS: {
        TIMESTAMP: T0,
        DIFFICULTY: opts.difficulty ?? 20,
        ALLOC: { [Buffer.from(STAKER.recipient).toString("hex") + "00000000"]: { QKC: 2e18 } }, // 2 QKC (exact as a double)
      },
    },
    opts.top,
  );
}

async function boot(config: QuarkChainConfig) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  return { backend, shard: backend.chain(SHARD)!, root: genesis.rootBlock().header };
}

/** The next empty block by `miner`, sealed by `algorithm` at `difficulty` (its own unless given). */
function sealedBlock(
  config: QuarkChainConfig,
  shard: Shard,
  root: RootBlockHeader,
  algorithm: PowAlgorithm,
  miner: Address = STAKER,
  difficulty?: bigint,
): MinorBlock {
  const parent = shard.tip;
  const block = mineEmpty(config, shard, parent, root, parent.header.create_time + 5n, miner);
  const h = block.header;
  const found = minePow(algorithm, h.height, minorHashForMining(h), difficulty ?? h.difficulty, 1n, 100_000);
  if (!found) throw new Error("no seal found");
  return { ...block, header: { ...h, nonce: found.nonce, mixhash: found.mixhash } };
}

const withNonce = (b: MinorBlock, nonce: bigint): MinorBlock => ({ ...b, header: { ...b.header, nonce } });
const withMix = (b: MinorBlock): MinorBlock => {
  const mixhash = Uint8Array.from(b.header.mixhash);
  mixhash[31]! ^= 1;
  return { ...b, header: { ...b.header, mixhash } };
};

for (const [consensus, algorithm] of [
  ["POW_QKCHASH", "QKCHASH"],
  ["POW_ETHASH", "ETHASH"],
] as const) {
  t.test(`${consensus}: a sealed block is added; a wrong nonce, mixhash or no seal at all is refused`, async (t) => {
    const config = network(consensus);
    const { backend, shard, root } = await boot(config);
    const block = sealedBlock(config, shard, root, algorithm);
    const opts = { refuseTooOld: false };
    t.equal(shard.addToChain(withNonce(block, block.header.nonce + 1n), opts), "invalid pow proof", "nonce + 1");
    t.equal(shard.addToChain(withMix(block), opts), "invalid pow proof", "a changed mixhash");
    t.equal(
      shard.addToChain({ ...block, header: { ...block.header, nonce: 0n, mixhash: new Uint8Array(32) } }, opts),
      "invalid pow proof",
      "unsealed",
    );
    t.equal(shard.tip.header.height, 0n, "nothing refused was stored");
    t.equal(shard.addToChain(block, opts), undefined, "the sealed block is added");
    t.equal(shard.tip.header.height, 1n);
    await backend.close();
  });
}

t.test("POW_QKCHASH from ENABLE_QKCHASHX_HEIGHT on: qkchashx seals only", async (t) => {
  const config = network("POW_QKCHASH", { top: { ENABLE_QKCHASHX_HEIGHT: 2 } });
  const { backend, shard, root } = await boot(config);
  const opts = { refuseTooOld: false };
  t.equal(shard.addToChain(sealedBlock(config, shard, root, "QKCHASHX"), opts), "invalid pow proof", "B1 in qkchashx");
  t.equal(shard.addToChain(sealedBlock(config, shard, root, "QKCHASH"), opts), undefined, "B1 in qkchash");
  t.equal(shard.addToChain(sealedBlock(config, shard, root, "QKCHASH"), opts), "invalid pow proof", "B2 in qkchash");
  t.equal(shard.addToChain(sealedBlock(config, shard, root, "QKCHASHX"), opts), undefined, "B2 in qkchashx");
  t.equal(shard.tip.header.height, 2n);
  await backend.close();
});

t.test("PoSW: a staked miner's seal meets difficulty // DIFF_DIVIDER until its window is used up", async (t) => {
  // 2 QKC of stake at 1 QKC a block: two blocks in a window of 4 at a thousandth of the difficulty.
  const posw = { ENABLED: true, ENABLE_TIMESTAMP: 0, DIFF_DIVIDER: 1000, WINDOW_SIZE: 4, TOTAL_STAKE_PER_BLOCK: 1e18 };
  const config = network("POW_QKCHASH", { difficulty: 20000, posw });
  const { backend, shard, root } = await boot(config);
  const opts = { refuseTooOld: false };
  const weak = (miner: Address) => {
    const b = sealedBlock(config, shard, root, "QKCHASH", miner, 20n);
    const h = b.header;
    t.notOk(
      checkPow("QKCHASH", h.height, minorHashForMining(h), h.mixhash, h.nonce, h.difficulty),
      "too weak unadjusted",
    );
    return b;
  };
  t.equal(shard.addToChain(weak(NOBODY), opts), "invalid pow proof", "B1 by a miner without stake");
  t.equal(shard.addToChain(weak(STAKER), opts), undefined, "B1 by the staker");
  t.equal(shard.addToChain(weak(STAKER), opts), undefined, "B2 by the staker");
  t.equal(
    shard.addToChain(weak(STAKER), opts),
    "invalid pow proof",
    "B3 by the staker: two blocks in the window already",
  );
  t.equal(shard.tip.header.height, 2n);
  await backend.close();
});
