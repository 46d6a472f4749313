import type { Logger } from "pino";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { ArtificialTxConfig } from "../../messages/cluster.ts";
import type { Address, MinorBlock } from "../../messages/core.ts";
import type { SlaveContext } from "../api.ts";
import { ValidationError } from "../chain/block-rules.ts";
import { poswDifficulty, powAlgorithm } from "../chain/seal-check.ts";
import type { Shard } from "../shard.ts";
import { Miner, MinerModeError, type MiningWork } from "./miner.ts";

/** create_block_to_mine on a shard's tip for this coinbase. */
export type BlockTemplate = (shard: Shard, coinbase: Address) => MinorBlock;

export interface SlaveMiningDeps {
  config: QuarkChainConfig;
  log: Logger;
  template: BlockTemplate;
  /** Unix time in seconds, with its fraction. */
  now: () => number;
}

/**
 * The slave's side of mining (slave.py SlaveServer.start_mining / stop_mining / get_work /
 * submit_work): a Miner per local shard, made when the shard is, and started with the others
 * while the master has mining on; the master's artificial tx config (MINE_REQUEST's, then each
 * ADD_MINOR_BLOCK_HEADER answer's) sets POW_SIMULATE's target block time.
 */
export class SlaveMining {
  private mining = false;
  private artificial: ArtificialTxConfig | null = null;
  private readonly miners = new Map<number, Miner>();

  constructor(private readonly deps: SlaveMiningDeps) {}

  /** A shard became ready: its miner, started if mining is on (create_shards' __init_shard). */
  shardReady(shard: Shard): void {
    const { config, log } = this.deps;
    const sc = shard.chain.shard;
    const miner = new Miner({
      fullShardId: shard.fullShardId,
      consensus: sc.chain.CONSENSUS_TYPE,
      remote: sc.chain.CONSENSUS_CONFIG?.REMOTE_MINE ?? false,
      log,
      createBlock: (coinbase) => this.deps.template(shard, coinbase),
      addBlock: (block) => addMinedBlock(shard, block),
      tipHash: () => shard.tipHash,
      syncing: () => shard.synchronizer.running,
      targetBlockTime: () => this.artificial?.target_minor_block_time ?? 0,
      algorithm: (height) => powAlgorithm(config, sc, height) ?? "DOUBLESHA256",
      now: this.deps.now,
    });
    this.miners.set(shard.fullShardId, miner);
    if (this.mining) miner.start();
  }

  /** MINE_REQUEST with mining on (start_mining); again while mining, harmless. */
  start(artificial: ArtificialTxConfig): void {
    this.artificial = artificial;
    this.mining = true;
    for (const [shard, miner] of this.miners) {
      this.deps.log.info(
        { shard, targetMinorBlockTime: artificial.target_minor_block_time },
        "start mining with target minor block time",
      );
      miner.start();
    }
  }

  /** MINE_REQUEST with mining off (stop_mining). */
  stop(): void {
    this.mining = false;
    for (const [shard, miner] of this.miners) {
      this.deps.log.info({ shard }, "stop mining");
      miner.disable();
    }
  }

  /**
   * The context the shards report through: an ADD_MINOR_BLOCK_HEADER answer's artificial tx
   * config becomes the slave's (send_minor_block_header_to_master).
   */
  follow(ctx: SlaveContext): SlaveContext {
    return {
      addMinorBlockHeader: async (req) => {
        const res = await ctx.addMinorBlockHeader(req);
        if (res.error_code === 0) this.artificial = res.artificial_tx_config;
        return res;
      },
      addMinorBlockHeaderList: (req) => ctx.addMinorBlockHeaderList(req),
      peer: (clusterPeerId, fullShardId) => ctx.peer(clusterPeerId, fullShardId),
      peers: (fullShardId) => ctx.peers(fullShardId),
      sendXshardTxLists: (requests) => ctx.sendXshardTxLists(requests),
      sendXshardTxListBatch: (fullShardId, requests) => ctx.sendXshardTxListBatch(fullShardId, requests),
    };
  }

  /**
   * SlaveServer.get_work: the shard's work for the coinbase (the shard's COINBASE_ADDRESS by
   * default), its difficulty as PoSW adjusts it; undefined where pyquarkchain answers None (no
   * such shard, a local miner, any failure).
   */
  getWork(shard: Shard | undefined, coinbase: Address | null): MiningWork | undefined {
    const miner = shard && this.miners.get(shard.fullShardId);
    if (!shard || !miner) return undefined;
    try {
      const work = miner.getWork(coinbase ?? shard.chain.shard.COINBASE_ADDRESS);
      const posw = poswDifficulty(this.deps.config, shard.chain, miner.work(work.hash)!);
      return posw !== undefined && posw !== work.difficulty ? { ...work, difficulty: posw } : work;
    } catch (err) {
      // pyquarkchain logs any exception and answers None.
      if (err instanceof MinerModeError || err instanceof ValidationError)
        this.deps.log.warn({ shard: shard.fullShardId, reason: err.message }, "no work");
      else this.deps.log.error({ shard: shard.fullShardId, err }, "no work");
      return undefined;
    }
  }

  /** SlaveServer.submit_work: whether the seal made a block; undefined for no such shard or a local miner. */
  async submitWork(
    shard: Shard | undefined,
    hashForMining: Uint8Array,
    nonce: bigint,
    mixhash: Uint8Array,
  ): Promise<boolean | undefined> {
    const miner = shard && this.miners.get(shard.fullShardId);
    if (!miner) return undefined;
    try {
      return await miner.submitWork(hashForMining, nonce, mixhash);
    } catch (err) {
      // pyquarkchain logs any exception and answers None (a local miner's ValueError included).
      if (!(err instanceof MinerModeError))
        this.deps.log.error({ shard: shard!.fullShardId, err }, "submit work failed");
      return undefined;
    }
  }

  /** Every miner stops (the slave is shutting down). */
  close(): void {
    this.mining = false;
    for (const miner of this.miners.values()) miner.disable();
  }
}

/**
 * Shard.__init_miner's __add_block: nothing while the shard syncs or for a block no higher than
 * the tip; else handle_new_block (validate, rebroadcast to the peers, add_block). A refusal by
 * validation throws.
 */
async function addMinedBlock(shard: Shard, block: MinorBlock): Promise<void> {
  if (shard.synchronizer.running) return;
  if (shard.headerTip.height >= block.header.height) return;
  await shard.newBlock(undefined, block);
}
