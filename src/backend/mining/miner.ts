import type { Logger } from "pino";
import { sameBytes } from "../../codec/bytes.ts";
import type { ConsensusType } from "../../config/cluster-config.ts";
import type { SearchAlgorithm, SearchResult, SearchWork } from "../../consensus/pow-search.ts";
import { SearchThread } from "../../consensus/search-thread.ts";
import type { Address, MinorBlock } from "../../messages/core.ts";
import { minorHashForMining } from "../chain/block-rules.ts";
import { WORK_STALE_SECONDS, WorkCache } from "./work-cache.ts";

/**
 * One shard's miner, pyquarkchain's Miner (cluster/miner.py) as Shard.__init_miner sets it up:
 * mining here (start / disable) when the shard's CONSENSUS_CONFIG.REMOTE_MINE is off, or
 * handing out work to external miners (getWork / submitWork) when it is on.
 *
 * Mining here never holds the event loop: POW_SIMULATE is a timer, the other consensus types
 * search nonces on a worker thread (SearchThread). A sealed block takes the path of a block
 * mined by a peer (addBlock: handle_new_block, then add_block), and the miner starts again on
 * the tip that block made. Unlike pyquarkchain's mine_loop, which keeps its work until it finds
 * a seal, the search restarts when the tip moves under it (a peer's block, a root block): a
 * seal on an old tip would be dropped as stale anyway.
 */

export interface MinerDeps {
  fullShardId: number;
  consensus: ConsensusType;
  /** CONSENSUS_CONFIG.REMOTE_MINE. */
  remote: boolean;
  log: Logger;
  /** create_block_to_mine for this coinbase (Shard.__init_miner's __create_block). */
  createBlock(coinbase: Address): MinorBlock;
  /** __add_block: handle_new_block then add_block; throws when the block is refused by validation. */
  addBlock(block: MinorBlock): Promise<void>;
  tipHash(): Uint8Array;
  /** While the shard syncs, __create_block waits (0.1 s at a time). */
  syncing(): boolean;
  /** The artificial tx config's target_minor_block_time, in seconds (POW_SIMULATE's mean). */
  targetBlockTime(): number;
  /** The hash function of a block at this height (not called for POW_SIMULATE or NONE). */
  algorithm(height: bigint): SearchAlgorithm;
  /** Unix time in seconds, with its fraction (get_work's time.time()). */
  now(): number;
}

/** MiningWork: what GET_WORK answers. */
export interface MiningWork {
  hash: Uint8Array;
  height: bigint;
  difficulty: bigint;
}

/** pyquarkchain's answer for a remote-only call on a local miner, and the reverse (a ValueError). */
export class MinerModeError extends Error {
  override readonly name = "MinerModeError";
}

const RETRY_MS = 100; // __create_block's asyncio.sleep(0.1); Simulate's time.sleep(0.1)
const FAILED_RETRY_MS = 1_000;
const TIP_WATCH_MS = 100;

export class Miner {
  private enabled = false;
  private readonly works = new WorkCache();
  private thread: SearchThread | undefined;
  /** The block being searched for (local PoW) or waited on (POW_SIMULATE). */
  private mining: MinorBlock | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tipWatch: NodeJS.Timeout | undefined;
  private templateFailing = false;

  constructor(private readonly deps: MinerDeps) {}

  /** Miner.start. Starting a started miner is harmless; a remote miner only waits for GET_WORK. */
  start(): void {
    if (this.enabled) return;
    this.enabled = true;
    if (this.deps.remote) return;
    if (this.deps.consensus === "NONE") {
      // mine_loop has no algorithm for NONE: pyquarkchain's mining process dies at once.
      this.deps.log.warn({ shard: this.deps.fullShardId }, "no mining for CONSENSUS_TYPE NONE");
      return;
    }
    if (this.deps.consensus !== "POW_SIMULATE")
      this.deps.log.warn({ shard: this.deps.fullShardId }, "Mining locally, could be slow and error-prone");
    this.mineNew();
  }

  /** Miner.disable: the search thread ends; stopping a stopped miner is harmless. */
  disable(): void {
    this.enabled = false;
    this.mining = undefined;
    clearTimeout(this.timer);
    clearInterval(this.tipWatch);
    this.tipWatch = undefined;
    void this.thread?.stop();
    this.thread = undefined;
  }

  // ---- Mining here ----

  private later(ms: number, fn: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
    this.timer.unref();
  }

  /** mine_new_block: a block on the tip, then its seal searched (or its simulated time awaited). */
  private mineNew(): void {
    clearTimeout(this.timer);
    if (!this.enabled || this.deps.remote) return;
    if (this.deps.syncing()) return this.later(RETRY_MS, () => this.mineNew());
    const block = this.template();
    if (!block) return this.later(FAILED_RETRY_MS, () => this.mineNew());
    this.mining = block;
    const h = block.header;
    if (this.deps.consensus === "POW_SIMULATE") {
      const at = Number(h.create_time) + blockTime(block, this.deps.targetBlockTime());
      return this.later(Math.max(RETRY_MS, at * 1000 - Date.now()), () => this.simulated());
    }
    const work: SearchWork = {
      algorithm: this.deps.algorithm(h.height),
      height: h.height,
      hashForMining: minorHashForMining(h),
      difficulty: h.difficulty,
    };
    this.thread ??= new SearchThread(
      (w, r) => this.found(w, r),
      (err) => {
        this.deps.log.error({ shard: this.deps.fullShardId, err }, "mining thread failed");
        this.thread = undefined;
        this.later(FAILED_RETRY_MS, () => this.mineNew());
      },
    );
    this.thread.search(work);
    if (!this.tipWatch) {
      this.tipWatch = setInterval(() => this.watchTip(), TIP_WATCH_MS);
      this.tipWatch.unref();
    }
  }

  private template(): MinorBlock | undefined {
    try {
      // __create_block: an empty coinbase (create_empty_account) gets this shard's full_shard_key.
      const block = this.deps.createBlock({ recipient: new Uint8Array(20), full_shard_key: this.deps.fullShardId });
      this.templateFailing = false;
      return block;
    } catch (err) {
      // Tried again each second: logged when it starts failing, not each time.
      if (!this.templateFailing) this.deps.log.error({ shard: this.deps.fullShardId, err }, "no block to mine");
      this.templateFailing = true;
      return undefined;
    }
  }

  private watchTip(): void {
    const mining = this.mining;
    if (mining && !sameBytes(mining.header.hash_prev_minor_block, this.deps.tipHash())) this.mineNew();
  }

  private found(work: SearchWork, result: SearchResult): void {
    const block = this.mining;
    if (!block || !sameBytes(minorHashForMining(block.header), work.hashForMining)) return;
    this.mining = undefined;
    this.add({ ...block, header: { ...block.header, nonce: result.nonce, mixhash: result.mixhash } });
  }

  /**
   * POW_SIMULATE's time is up: as handle_mined_block does for it, the block is made again (the
   * tip and the pool as they are now) with a random 32-bit nonce, and added.
   */
  private simulated(): void {
    if (!this.enabled) return;
    const block = this.template();
    if (!block) return this.later(FAILED_RETRY_MS, () => this.mineNew());
    const nonce = BigInt(Math.floor(Math.random() * 2 ** 32));
    this.add({ ...block, header: { ...block.header, nonce } });
  }

  /** handle_mined_block: add the sealed block; the next block is made on the tip it made. */
  private add(block: MinorBlock): void {
    const adding = this.deps.addBlock(block);
    this.mineNew(); // addBlock has moved the tip before its first await (ShardChain.add is synchronous)
    adding.catch((err: unknown) =>
      this.deps.log.error(
        { shard: this.deps.fullShardId, height: block.header.height, err },
        "adding a block mined here failed",
      ),
    );
  }

  // ---- External miners (REMOTE_MINE) ----

  /**
   * Miner.get_work: the coinbase's cached block while it is on the tip and under 10 s old,
   * else a new one (created without waiting for a sync to end, retry=False).
   */
  getWork(coinbase: Address): MiningWork {
    if (!this.deps.remote) throw new MinerModeError("Should only be used for remote miner");
    let block = this.works.current(coinbase);
    if (
      !block ||
      !sameBytes(block.header.hash_prev_minor_block, this.deps.tipHash()) ||
      this.deps.now() - Number(block.header.create_time) > WORK_STALE_SECONDS
    ) {
      block = this.deps.createBlock(emptyToShard(coinbase, this.deps.fullShardId));
      this.works.put(coinbase, minorHashForMining(block.header), block);
    }
    return { hash: minorHashForMining(block.header), height: block.header.height, difficulty: block.header.difficulty };
  }

  /** The block handed out under this header hash, if still cached (GET_WORK's PoSW adjustment reads it). */
  work(hashForMining: Uint8Array): MinorBlock | undefined {
    return this.works.get(hashForMining);
  }

  /**
   * Miner.submit_work: false for an unknown header hash, for work whose tip has moved (it is
   * dropped), and for a block the shard refuses (a wrong nonce or mix hash: "invalid pow
   * proof"); else the block is added and true.
   */
  async submitWork(hashForMining: Uint8Array, nonce: bigint, mixhash: Uint8Array): Promise<boolean> {
    if (!this.deps.remote) throw new MinerModeError("Should only be used for remote miner");
    const block = this.works.get(hashForMining);
    if (!block) return false;
    if (!sameBytes(block.header.hash_prev_minor_block, this.deps.tipHash())) {
      this.works.delete(hashForMining);
      return false;
    }
    try {
      await this.deps.addBlock({ ...block, header: { ...block.header, nonce, mixhash } });
    } catch (err) {
      this.deps.log.warn({ shard: this.deps.fullShardId, err }, "submitted work refused");
      return false;
    }
    this.works.delete(hashForMining);
    return true;
  }
}

/** __create_block: an empty coinbase address (20 zero bytes) mines to this shard. */
function emptyToShard(coinbase: Address, fullShardId: number): Address {
  return coinbase.recipient.every((b) => b === 0) ? { ...coinbase, full_shard_key: fullShardId } : coinbase;
}

/**
 * _get_block_time: an exponential draw around the target, shortened by up to 40% for a full
 * block (its execution took time already), in seconds.
 */
export function blockTime(block: MinorBlock, target: number): number {
  const gasRatio = Number(block.meta.evm_gas_used) / Number(block.header.evm_gas_limit);
  const mean = target * (1 - gasRatio * 0.4);
  return -Math.log(1 - Math.random()) * mean;
}
