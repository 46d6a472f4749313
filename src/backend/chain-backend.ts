import type { Logger } from "pino";
import type { QuarkChainConfig } from "../config/cluster-config.ts";
import type { AddXshardTxListRequest } from "../messages/cluster.ts";
import type { MinorBlock, RootBlock } from "../messages/core.ts";
import {
  EBADMSG,
  ENOENT,
  type MasterHandlers,
  type PeerHandlers,
  type PeerRef,
  type SlaveBackend,
  type SlaveContext,
} from "./api.ts";
import { ValidationError } from "./chain/block-rules.ts";
import { ChainDb } from "./chain/chain-store.ts";
import { ShardChain, type ShardChainDeps } from "./chain/shard-chain.ts";
import type { EvmState } from "./exec/derive/evm-state.ts";
import { masterHandlers } from "./handlers/master.ts";
import type { GenTxOptions } from "./gen-tx/tx-generator.ts";
import { SlaveMining } from "./mining/slave-mining.ts";
import { peerHandlers } from "./handlers/peer.ts";
import { Shard, type ShardDeps } from "./shard.ts";
import { type SyncStats, newSyncStats } from "./synchronizer.ts";

/** Where a shard's first block comes from (config + genesis rules). */
export interface GenesisProvider {
  /** GENESIS.ROOT_HEIGHT, or undefined when the network config has no such shard. */
  genesisRootHeight(fullShardId: number): number | undefined;
  /** The shard's genesis minor block, on the root block at its genesis root height. */
  genesisBlock(fullShardId: number, root: RootBlock): MinorBlock;
  /** The token id coinbase amounts are counted in (QUARKCHAIN.GENESIS_TOKEN). */
  readonly genesisToken: bigint;
  /** The network config (PoSW, difficulty, fee and consensus parameters). */
  readonly config: QuarkChainConfig;
  /** The shard's genesis EVM state, a copy the caller may keep. */
  state(fullShardId: number): EvmState;
}

export interface ChainBackendOptions {
  /** This slave's FULL_SHARD_ID_LIST (ids the network config lacks are ignored). */
  shards: readonly number[];
  genesis: GenesisProvider;
  log: Logger;
  /** Unix time in seconds (default: the system clock); difficulty and block time checks depend on it. */
  now?: () => bigint;
  /** Where the chains are kept: ChainDb.memory() (the default) or ChainDb.open(dir). */
  db?: ChainDb;
  /** SYNC_TIMEOUT for each request of a SYNC_MINOR_BLOCK_LIST or a peer-triggered sync task (default 30 s). */
  syncTimeoutMs?: number;
  /** ENABLE_TRANSACTION_HISTORY: keep the history index (chain/tx-history.ts); default false. */
  transactionHistory?: boolean;
  /** GEN_TX's pacing (gen-tx/tx-generator.ts; pyquarkchain's 600 per 8-12 s by default). */
  genTx?: GenTxOptions;
}

const SYNC_TIMEOUT_MS = 30_000;

/**
 * The default backend, pyquarkchain's SlaveServer without the sockets: a Shard per local
 * shard (shard.ts: its chain in a ChainStore, in memory or on disk, from its genesis), the
 * root blocks fanned out over them, and the handler tables over the shard map
 * (handlers/). It answers what needs no EVM; what it cannot do stays out of `master` or
 * answers a non-zero error_code (README: support table).
 */
export class ChainBackend implements SlaveBackend {
  readonly readyShards = new Set<number>();
  readonly master: MasterHandlers;
  readonly peer: PeerHandlers;
  /** Peer-triggered sync counters of every shard (README "Metrics": qkc_sync_*). */
  readonly syncStats: SyncStats = newSyncStats();
  /** Each local shard's miner (MINE_REQUEST, GET_WORK, SUBMIT_WORK). */
  readonly mining: SlaveMining;
  private readonly shards = new Map<number, Shard>();
  private readonly creating = new Map<number, Promise<void>>();
  private readonly opts: ChainBackendOptions;
  private readonly db: ChainDb;
  private readonly config: QuarkChainConfig;
  private readonly now: () => bigint;
  private readonly shardDeps: ShardDeps;
  private ctx: SlaveContext | undefined;
  /**
   * This slave's shards in network config order (chains in order, then shard ids), the order
   * pyquarkchain creates them in and lists them in its answers.
   */
  private readonly localShards: readonly number[];
  /** The ready shards in localShards order, remade when one becomes ready (the master polls them). */
  private readyList: readonly Shard[] = [];

  constructor(opts: ChainBackendOptions) {
    this.opts = opts;
    this.config = opts.genesis.config;
    this.db = opts.db ?? ChainDb.memory();
    this.now = opts.now ?? unixSeconds();
    this.localShards = [...this.config.shards.keys()].filter((s) => opts.shards.includes(s));
    const context = () => this.context();
    const sync = { timeoutMs: opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS, stats: this.syncStats };
    this.mining = new SlaveMining({
      config: this.config,
      log: opts.log,
      template: (shard, address) => shard.createBlockToMine({ address }),
      now: opts.now ? () => Number(this.now()) : () => Date.now() / 1000,
    });
    this.shardDeps = { config: this.config, log: opts.log, now: this.now, context, local: (s) => this.ready(s), sync };
    this.master = masterHandlers({
      config: this.config,
      log: opts.log,
      syncTimeoutMs: opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS,
      genTx: opts.genTx,
      ready: () => this.readyList,
      get: (shard) => this.ready(shard),
      now: this.now,
      context,
      mining: this.mining,
    });
    this.peer = peerHandlers((peer) => {
      const shard = this.shards.get(peer.fullShardId);
      if (!shard) throw new Error(`shard ${peer.fullShardId} is not local`);
      return shard;
    });
  }

  attach(ctx: SlaveContext): void {
    if (this.ctx) throw new Error("a SlaveContext is attached once");
    this.ctx = this.mining.follow(ctx);
  }

  async createShards(root: RootBlock): Promise<number[]> {
    this.context();
    const height = root.header.height;
    const due = this.localShards.filter((shard) => {
      const rootHeight = this.opts.genesis.genesisRootHeight(shard);
      return rootHeight !== undefined && rootHeight <= height && !this.shards.has(shard);
    });
    const created: number[] = [];
    await Promise.all(
      due.map(async (shard) => {
        let work = this.creating.get(shard);
        if (!work) {
          work = this.createShard(shard, root).finally(() => this.creating.delete(shard));
          this.creating.set(shard, work);
          created.push(shard);
        }
        await work;
      }),
    );
    return this.localShards.filter((s) => created.includes(s));
  }

  /**
   * ADD_ROOT_BLOCK before shard creation, on every ready shard: above its genesis root height,
   * ShardState.add_root_block (a refusal answers EBADMSG at once); at it, a genesis block on
   * this root block (a root chain fork), reported like the first one.
   */
  async addRootBlock(root: RootBlock): Promise<{ error_code: number; switched: boolean }> {
    let switched = false;
    for (const shard of this.readyList) {
      const genesisRootHeight = shard.chain.shard.GENESIS.ROOT_HEIGHT;
      if (root.header.height > genesisRootHeight) {
        try {
          switched = shard.addRootBlock(root);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          this.opts.log.warn({ shard: shard.fullShardId, reason: err.message }, "root block refused");
          return { error_code: EBADMSG, switched: false };
        }
      } else {
        switched = false;
        if (root.header.height === genesisRootHeight) {
          await shard.addGenesisOnFork(root, this.opts.genesis.genesisBlock(shard.fullShardId, root));
        }
      }
    }
    return { error_code: 0, switched };
  }

  async addXshardTxList(req: AddXshardTxListRequest, encodedTxList?: Uint8Array): Promise<number> {
    const shard = this.ready(req.branch.value);
    if (!shard) return ENOENT;
    shard.chain.addXshardTxList(req.minor_block_hash, req.tx_list, encodedTxList);
    return 0;
  }

  peerClosed(peer: PeerRef): void {
    const shard = this.shards.get(peer.fullShardId);
    shard?.gossip.forget(peer.clusterPeerId);
    shard?.synchronizer.forget(peer.clusterPeerId);
  }

  async close(): Promise<void> {
    this.mining.close();
    await this.db.close();
  }

  /** Whether the server has attached the cluster (its peers and siblings), for diagnostics and tests. */
  get clusterAccess(): { peers: boolean; xshard: boolean } {
    const attached = this.ctx !== undefined;
    return { peers: attached, xshard: attached };
  }

  /** The ready shard (tests and tools). */
  chain(fullShardId: number): Shard | undefined {
    return this.ready(fullShardId);
  }

  private context(): SlaveContext {
    if (!this.ctx) throw new Error("no master link yet");
    return this.ctx;
  }

  /** The master learns of a genesis block before its shard becomes routable. */
  private async createShard(fullShardId: number, root: RootBlock): Promise<void> {
    const genesis = this.opts.genesis;
    const chainDeps: ShardChainDeps = {
      config: this.config,
      store: this.db.shard(fullShardId, { transactionHistory: this.opts.transactionHistory ?? false }),
      log: this.opts.log,
      now: this.now,
    };
    const genesisState = () => genesis.state(fullShardId);
    let shard: Shard;
    if (genesis.genesisRootHeight(fullShardId) === root.header.height) {
      const block = genesis.genesisBlock(fullShardId, root);
      shard = new Shard(this.shardDeps, ShardChain.fromGenesis(chainDeps, root, block), genesisState);
      await shard.propagateGenesis(block, root.header.height);
    } else {
      shard = new Shard(this.shardDeps, ShardChain.recover(chainDeps, root), genesisState);
      this.opts.log.info(
        { shard: fullShardId, rootHeight: root.header.height, tipHeight: shard.headerTip.height },
        "shard recovered from the chain store",
      );
    }
    this.shards.set(fullShardId, shard);
    this.readyShards.add(fullShardId);
    this.readyList = this.localShards.filter((s) => this.readyShards.has(s)).map((s) => this.shards.get(s)!);
    this.mining.shardReady(shard);
  }

  private ready(fullShardId: number): Shard | undefined {
    return this.readyShards.has(fullShardId) ? this.shards.get(fullShardId) : undefined;
  }
}

/** The wall clock in whole seconds, as a bigint made once per second (the master polls eco info hard). */
function unixSeconds(): () => bigint {
  let second = -1;
  let value = 0n;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      value = BigInt(now);
    }
    return value;
  };
}
