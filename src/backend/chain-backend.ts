import type { Logger } from "pino";
import { decodePrefix, encode, owned } from "../codec/index.ts";
import { type QuarkChainConfig, initializedFullShardIdsBeforeRootHeight } from "../config/cluster-config.ts";
import type { AddXshardTxListRequest, ClusterMessage, ClusterOpDefs } from "../messages/cluster.ts";
import {
  type MinorBlockHeader,
  type RootBlock,
  type RootBlockHeader,
  type TokenBalanceMap,
  MinorBlock,
  MinorBlockHeader as MinorBlockHeaderCodec,
  RootBlockHeader as RootBlockHeaderCodec,
} from "../messages/core.ts";
import type { ResponseOf } from "../messages/ops.ts";
import type { P2PMessage, P2POpDefs } from "../messages/p2p.ts";
import {
  EBADMSG,
  EFAULT,
  ENOENT,
  type MasterHandlers,
  type PeerHandlers,
  type PeerRef,
  type SlaveBackend,
  type SlaveContext,
} from "./api.ts";
import { ValidationError, isNeighbor, maxStaleHeightDiff } from "./chain/block-rules.ts";
import { ChainDb } from "./chain/chain-store.ts";
import { minorBlockHash } from "./genesis.ts";
import { emptyMinorBlock, masterHandlers } from "./handlers/master.ts";
import { ExecutionRequiredError, ShardChain, type ShardChainDeps } from "./chain/shard-chain.ts";
import type { EvmState } from "./exec/derive/evm-state.ts";
import { hex, sameBytes } from "../codec/bytes.ts";

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
  /** SYNC_TIMEOUT for each GET_MINOR_BLOCK_LIST batch of a SYNC_MINOR_BLOCK_LIST (default 30 s). */
  syncTimeoutMs?: number;
}

const MAX_HEADER_LIST = 200; // pyquarkchain: 2 x MINOR_BLOCK_HEADER_LIST_LIMIT
const MAX_BLOCK_LIST = 100; // pyquarkchain: 2 x MINOR_BLOCK_BATCH_SIZE
const SYNC_BATCH = 100; // handle_sync_minor_block_list_request's BLOCK_BATCH_SIZE
const SYNC_TIMEOUT_MS = 30_000;
const NEW_TRANSACTION_LIST_LIMIT = 1000;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** What one peer has shown of a shard (PeerShardConnection's best_*_header_observed). */
interface Observed {
  root?: RootBlockHeader;
  minor?: MinorBlockHeader;
}

/**
 * The default backend: each local shard's chain (ShardChain) in a ChainStore, in memory or
 * on disk, starting from its genesis. It answers what needs no EVM from that data
 * (master-handlers.ts and the handlers here), accepts blocks with every check that needs no
 * EVM, and propagates them as pyquarkchain does (xshard lists to the neighbours, then the
 * header to the master, then commit). What it cannot do stays out of `master` or answers a
 * non-zero error_code (README: support table).
 */
export class ChainBackend implements SlaveBackend {
  readonly readyShards = new Set<number>();
  readonly master: MasterHandlers;
  readonly peer: PeerHandlers;
  private readonly chains = new Map<number, ShardChain>();
  private readonly creating = new Map<number, Promise<void>>();
  /** Blocks added whose propagation is under way (Shard.add_block_futures). */
  private readonly committing = new Map<string, Promise<void>>();
  /** Blocks announced by NEW_BLOCK_MINOR that passed validation (ShardState.new_block_header_pool). */
  private readonly newBlockPool = new Map<string, MinorBlockHeader>();
  private readonly observed = new Map<string, Observed>();
  private readonly opts: ChainBackendOptions;
  private readonly db: ChainDb;
  private readonly config: QuarkChainConfig;
  private readonly now: () => bigint;
  private ctx: SlaveContext | undefined;
  /**
   * This slave's shards in network config order (chains in order, then shard ids), the order
   * pyquarkchain creates them in and lists them in its answers.
   */
  private readonly localShards: readonly number[];
  /** The ready chains in localShards order, remade when one becomes ready (the master polls them). */
  private readyList: readonly ShardChain[] = [];

  constructor(opts: ChainBackendOptions) {
    this.opts = opts;
    this.config = opts.genesis.config;
    this.db = opts.db ?? ChainDb.memory();
    this.now = opts.now ?? unixSeconds();
    this.localShards = [...this.config.shards.keys()].filter((s) => opts.shards.includes(s));
    this.master = {
      ...masterHandlers({
        config: this.config,
        ready: () => this.readyChains(),
        get: (shard) => this.ready(shard),
        now: this.now,
      }),
      ADD_MINOR_BLOCK_REQUEST: (req) => this.handleAddMinorBlock(req),
      CHECK_MINOR_BLOCK_REQUEST: async (req) => ({ error_code: this.checkMinorBlock(req.minor_block_header) }),
      SYNC_MINOR_BLOCK_LIST_REQUEST: (req) => this.handleSync(req),
    };
    this.peer = {
      GET_MINOR_BLOCK_LIST_REQUEST: async (peer, req) => {
        if (req.minor_block_hash_list.length > MAX_BLOCK_LIST)
          throw new Error(`more than ${MAX_BLOCK_LIST} blocks asked`);
        const chain = this.chainOf(peer);
        const found = req.minor_block_hash_list.map((h) => chain.byHash(h)).filter((b): b is MinorBlock => !!b);
        return { minor_block_list: found }; // unknown hashes are skipped, as in pyquarkchain
      },
      GET_MINOR_BLOCK_HEADER_LIST_REQUEST: async (peer, req) => {
        checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
        const chain = this.chainOf(peer);
        const headers: MinorBlockHeader[] = [];
        let header = chain.header(req.block_hash);
        if (!header) throw new Error("unknown block hash");
        while (header && headers.length < req.limit) {
          headers.push(header);
          if (header.height === 0n) break;
          header = chain.header(header.hash_prev_minor_block);
        }
        return headerListResponse(chain, headers);
      },
      GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST: async (peer, req) => {
        checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
        if (req.type !== 0 && req.type !== 1) throw new Error(`bad skip request type ${req.type}`);
        const chain = this.chainOf(peer);
        return headerListResponse(chain, headersWithSkip(chain, req));
      },
      NEW_TRANSACTION_LIST: (peer, cmd) => this.handleNewTransactions(peer, cmd),
      NEW_MINOR_BLOCK_HEADER_LIST: (peer, cmd) => this.handleNewHeaders(peer, cmd),
      NEW_BLOCK_MINOR: (peer, cmd) => this.handleNewBlock(peer, cmd.block),
    };
  }

  attach(ctx: SlaveContext): void {
    if (this.ctx) throw new Error("a SlaveContext is attached once");
    this.ctx = ctx;
  }

  async createShards(root: RootBlock): Promise<number[]> {
    const ctx = this.context();
    const height = root.header.height;
    const due = this.localShards.filter((shard) => {
      const rootHeight = this.opts.genesis.genesisRootHeight(shard);
      return rootHeight !== undefined && rootHeight <= height && !this.chains.has(shard);
    });
    const created: number[] = [];
    await Promise.all(
      due.map(async (shard) => {
        let work = this.creating.get(shard);
        if (!work) {
          work = this.createShard(shard, root, ctx).finally(() => this.creating.delete(shard));
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
    for (const chain of this.readyChains()) {
      const genesisRootHeight = chain.shard.GENESIS.ROOT_HEIGHT;
      if (root.header.height > genesisRootHeight) {
        try {
          switched = chain.addRootBlock(root);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          this.opts.log.warn({ shard: chain.fullShardId, reason: err.message }, "root block refused");
          return { error_code: EBADMSG, switched: false };
        }
      } else {
        switched = false;
        if (root.header.height === genesisRootHeight) {
          const block = this.opts.genesis.genesisBlock(chain.fullShardId, root);
          chain.addGenesisOnFork(root, block);
          await this.propagateGenesis(chain, block, root.header.height, this.context());
        }
      }
    }
    return { error_code: 0, switched };
  }

  async addXshardTxList(req: AddXshardTxListRequest, encodedTxList?: Uint8Array): Promise<number> {
    const chain = this.ready(req.branch.value);
    if (!chain) return ENOENT;
    chain.addXshardTxList(req.minor_block_hash, req.tx_list, encodedTxList);
    return 0;
  }

  peerClosed(peer: PeerRef): void {
    this.observed.delete(observedKey(peer));
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Whether the server has attached the cluster (its peers and siblings), for diagnostics and tests. */
  get clusterAccess(): { peers: boolean; xshard: boolean } {
    const attached = this.ctx !== undefined;
    return { peers: attached, xshard: attached };
  }

  /** The ready shard's chain (tests and tools). */
  chain(fullShardId: number): ShardChain | undefined {
    return this.ready(fullShardId);
  }

  private async createShard(shard: number, root: RootBlock, ctx: SlaveContext): Promise<void> {
    const genesisRootHeight = this.opts.genesis.genesisRootHeight(shard)!;
    const deps: ShardChainDeps = {
      config: this.config,
      store: this.db.shard(shard),
      genesisState: () => this.opts.genesis.state(shard),
      log: this.opts.log,
      now: this.now,
    };
    let chain: ShardChain;
    if (genesisRootHeight === root.header.height) {
      const block = this.opts.genesis.genesisBlock(shard, root);
      chain = ShardChain.fromGenesis(deps, root, block);
      // The master learns of the genesis block before the shard becomes routable.
      await this.propagateGenesis(chain, block, root.header.height, ctx);
    } else {
      chain = ShardChain.recover(deps, root);
      this.opts.log.info(
        { shard, rootHeight: root.header.height, tipHeight: chain.headerTip.height },
        "shard recovered from the chain store",
      );
    }
    this.chains.set(shard, chain);
    this.readyShards.add(shard);
    this.readyList = this.localShards.filter((s) => this.readyShards.has(s)).map((s) => this.chains.get(s)!);
  }

  private async propagateGenesis(chain: ShardChain, block: MinorBlock, rootHeight: number, ctx: SlaveContext) {
    await this.broadcastXshard(chain.fullShardId, [{ hash: minorBlockHash(block.header), rootHeight }], false);
    const res = await ctx.addMinorBlockHeader({
      minor_block_header: block.header,
      tx_count: 0,
      x_shard_tx_count: 0,
      coinbase_amount_map: block.header.coinbase_amount_map,
      shard_stats: chain.shardStats(),
    });
    if (res.error_code !== 0)
      throw new Error(`master refused genesis header of shard ${chain.fullShardId}: error_code ${res.error_code}`);
  }

  private ready(shard: number): ShardChain | undefined {
    return this.readyShards.has(shard) ? this.chains.get(shard) : undefined;
  }

  private readyChains(): readonly ShardChain[] {
    return this.readyList;
  }

  private chainOf(peer: PeerRef): ShardChain {
    const chain = this.chains.get(peer.fullShardId);
    if (!chain) throw new Error(`shard ${peer.fullShardId} is not local`);
    return chain;
  }

  // ---- Cross-shard fan-out and block propagation (PROTOCOL.md §7.9) ----

  /** The shards a block's xshard lists go to: initialized before its root block, neighbours, not itself. */
  private xshardTargets(source: number, prevRootHeight: number): number[] {
    const initialized = initializedFullShardIdsBeforeRootHeight(this.config, prevRootHeight);
    return initialized.filter((t) => t !== source && isNeighbor(source, t, initialized.length));
  }

  /**
   * A block with transactions is added without running them only when its cross-shard lists
   * go nowhere: its deposits would take execution, and a neighbour must never be told "none".
   */
  private canSkipExecution(chain: ShardChain, block: MinorBlock): boolean {
    const root = chain.rootHeader(block.header.hash_prev_root_block);
    return !!root && this.xshardTargets(chain.fullShardId, root.height).length === 0;
  }

  /**
   * broadcast_xshard_tx_list / batch_broadcast_xshard_tx_list for blocks whose deposit lists
   * are empty (a block without transactions has none): local targets store the list, every
   * sibling link serving a target gets ADD_XSHARD_TX_LIST (one per block) or one
   * BATCH_ADD_XSHARD_TX_LIST; any failure throws.
   */
  private async broadcastXshard(
    source: number,
    blocks: ReadonlyArray<{ hash: Uint8Array; rootHeight: number }>,
    batch: boolean,
  ): Promise<void> {
    const perTarget = new Map<number, AddXshardTxListRequest[]>();
    for (const { hash, rootHeight } of blocks) {
      for (const target of this.xshardTargets(source, rootHeight)) {
        let list = perTarget.get(target);
        if (!list) perTarget.set(target, (list = []));
        list.push({ branch: { value: target }, minor_block_hash: hash, tx_list: { tx_list: [], version: 1 } });
      }
    }
    if (perTarget.size === 0) return;
    for (const [target, requests] of perTarget) {
      const local = this.ready(target);
      if (local) for (const r of requests) local.addXshardTxList(r.minor_block_hash, r.tx_list);
    }
    const ctx = this.context();
    const failures = batch
      ? (
          await Promise.all([...perTarget].map(([target, requests]) => ctx.sendXshardTxListBatch(target, requests)))
        ).flat()
      : await ctx.sendXshardTxLists([...perTarget.values()].flat());
    // A shard no sibling link serves gets nothing, as in pyquarkchain (it has no connection to write to).
    const real = failures.filter((f) => f.slave !== "-");
    if (real.length > 0) {
      throw new Error(
        `xshard lists not delivered: ${real.map((f) => `${f.slave}/${f.fullShardId}: ${f.error}`).join("; ")}`,
      );
    }
  }

  /**
   * Shard.add_block: add to the chain (false when refused), tell the peers about a new tip,
   * send the xshard lists, then the header to the master, then commit. A block already
   * committed returns at once; one being propagated waits for that.
   */
  private async addBlock(chain: ShardChain, block: MinorBlock): Promise<boolean> {
    const hash = minorBlockHash(block.header);
    const key = hex(hash);
    if (chain.store.isCommitted(hash)) return true;
    const pending = this.committing.get(key);
    if (pending) {
      await pending;
      return true;
    }
    const oldTip = chain.tipHash;
    let coinbase: TokenBalanceMap;
    try {
      coinbase = chain.addBlock(block, {}, (b) => this.canSkipExecution(chain, b));
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof ExecutionRequiredError)) throw err;
      this.opts.log.info(
        { shard: chain.fullShardId, height: block.header.height, reason: err.message },
        "block refused",
      );
      return false;
    }
    this.newBlockPool.delete(key);
    if (!sameBytes(oldTip, chain.tipHash)) this.broadcastNewTip(chain);
    const done = deferred();
    this.committing.set(key, done.promise);
    try {
      const rootHeight = chain.rootHeader(block.header.hash_prev_root_block)!.height;
      await this.broadcastXshard(chain.fullShardId, [{ hash, rootHeight }], false);
      const res = await this.context().addMinorBlockHeader({
        minor_block_header: block.header,
        tx_count: block.tx_list.length,
        x_shard_tx_count: 0,
        coinbase_amount_map: coinbase,
        shard_stats: chain.shardStats(),
      });
      if (res.error_code !== 0) throw new Error(`master refused the header: error_code ${res.error_code}`);
      chain.store.commit(hash);
    } finally {
      this.committing.delete(key);
      done.resolve();
    }
    return true;
  }

  /**
   * Shard.add_block_list_for_sync: add the blocks in order (false on the first refusal),
   * one batch of xshard lists, one ADD_MINOR_BLOCK_HEADER_LIST for those newly added, then
   * commit. The coinbase map of every block, in order.
   */
  private async addBlockListForSync(
    chain: ShardChain,
    blocks: readonly MinorBlock[],
  ): Promise<{ ok: true; coinbase: TokenBalanceMap[] } | { ok: false }> {
    const coinbase: TokenBalanceMap[] = [];
    const waiting: Promise<void>[] = [];
    const added: Array<{ hash: Uint8Array; header: MinorBlockHeader; rootHeight: number; done: Deferred }> = [];
    const release = () => {
      for (const a of added) {
        this.committing.delete(hex(a.hash));
        a.done.resolve();
      }
    };
    try {
      for (const block of blocks) {
        if (block.header.branch.value !== chain.fullShardId) throw new Error("a synced block of another shard");
        const hash = minorBlockHash(block.header);
        coinbase.push(block.header.coinbase_amount_map);
        if (chain.store.isCommitted(hash)) continue;
        const pending = this.committing.get(hex(hash));
        if (pending) {
          waiting.push(pending);
          continue;
        }
        try {
          chain.addBlock(block, { skipIfTooOld: false }, (b) => this.canSkipExecution(chain, b));
        } catch (err) {
          if (!(err instanceof ValidationError || err instanceof ExecutionRequiredError)) throw err;
          this.opts.log.info(
            { shard: chain.fullShardId, height: block.header.height, reason: err.message },
            "synced block refused",
          );
          return { ok: false };
        }
        const done = deferred();
        this.committing.set(hex(hash), done.promise);
        const rootHeight = chain.rootHeader(block.header.hash_prev_root_block)!.height;
        added.push({ hash, header: block.header, rootHeight, done });
      }
      await this.broadcastXshard(chain.fullShardId, added, true);
      const res = await this.context().addMinorBlockHeaderList({
        minor_block_header_list: added.map((a) => a.header),
        coinbase_amount_map_list: added.map((a) => a.header.coinbase_amount_map),
      });
      if (res.error_code !== 0) throw new Error(`master refused the header list: error_code ${res.error_code}`);
      for (const a of added) chain.store.commit(a.hash);
    } finally {
      release();
    }
    await Promise.all(waiting);
    return { ok: true, coinbase };
  }

  private context(): SlaveContext {
    if (!this.ctx) throw new Error("no master link yet");
    return this.ctx;
  }

  // ---- Master requests ----

  /** handle_add_minor_block_request (PROTOCOL.md §5.3). */
  private async handleAddMinorBlock(
    req: ClusterMessage<"ADD_MINOR_BLOCK_REQUEST">,
  ): Promise<ResponseOf<ClusterOpDefs, "ADD_MINOR_BLOCK_REQUEST">> {
    let block: MinorBlock;
    try {
      const { value, consumed } = decodePrefix(MinorBlock, req.minor_block_data);
      block = value;
      // Stored and served as received (bytes after the block, which pyquarkchain ignores, left out).
      MinorBlock.remember(block, owned(req.minor_block_data.subarray(0, consumed)));
    } catch {
      return { error_code: EBADMSG };
    }
    const chain = this.ready(block.header.branch.value);
    if (!chain) return { error_code: EBADMSG };
    if (!sameBytes(block.header.hash_prev_minor_block, chain.tipHash)) {
      this.opts.log.info(
        { shard: chain.fullShardId, height: block.header.height },
        "dropped stale block mined locally",
      );
      return { error_code: 0 };
    }
    try {
      return { error_code: (await this.addBlock(chain, block)) ? 0 : EFAULT };
    } catch (err) {
      // pyquarkchain lets a propagation failure close the master link; the add is reported failed instead.
      this.opts.log.error({ shard: chain.fullShardId, err }, "block propagation failed");
      return { error_code: EFAULT };
    }
  }

  /** check_minor_block_by_header at header level: the stored block passes validate again. */
  private checkMinorBlock(header: MinorBlockHeader): number {
    const chain = this.ready(header.branch.value);
    if (!chain) return EBADMSG;
    const block = chain.byHash(minorBlockHash(header));
    if (!block) return EBADMSG;
    if (header.height === 0n) return 0;
    try {
      chain.validate(block);
      if (block.tx_list.length > 0 && !this.canSkipExecution(chain, block))
        throw new ExecutionRequiredError("its transactions need execution");
    } catch (err) {
      this.opts.log.warn({ shard: chain.fullShardId, reason: (err as Error).message }, "minor block check failed");
      return EBADMSG;
    }
    return 0;
  }

  /** handle_sync_minor_block_list_request (PROTOCOL.md §5.5): download from the peer, add, report. */
  private async handleSync(
    req: ClusterMessage<"SYNC_MINOR_BLOCK_LIST_REQUEST">,
  ): Promise<ResponseOf<ClusterOpDefs, "SYNC_MINOR_BLOCK_LIST_REQUEST">> {
    const failed = (error_code: number) => ({ error_code, block_coinbase_map: [], shard_stats: null });
    const chain = this.ready(req.branch.value);
    if (!chain) return failed(EBADMSG);
    const peer = this.context().peer(req.cluster_peer_id, req.branch.value);
    if (!peer) return failed(EBADMSG);
    const hashes = req.minor_block_hash_list;
    if (hashes.length === 0) return failed(0);
    const timeoutMs = this.opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS;
    const coinbaseMap: Array<[Uint8Array, TokenBalanceMap]> = [];
    try {
      for (let at = 0; at < hashes.length; at += SYNC_BATCH) {
        const wanted = hashes.slice(at, at + SYNC_BATCH);
        const res = await peer.call("GET_MINOR_BLOCK_LIST_REQUEST", { minor_block_hash_list: wanted }, { timeoutMs });
        if (res.minor_block_list.length !== wanted.length)
          throw new Error(`asked ${wanted.length} blocks, got ${res.minor_block_list.length}`);
        // Linked by hash: each block asked for, in the order asked (parents first).
        const byHash = new Map(res.minor_block_list.map((b) => [hex(minorBlockHash(b.header)), b]));
        const blocks = wanted.map((h) => {
          const b = byHash.get(hex(h));
          if (!b) throw new Error(`the peer did not send block ${hex(h)}`);
          return b;
        });
        const result = await this.addBlockListForSync(chain, blocks);
        if (!result.ok) throw new Error("failed to add the synced blocks");
        wanted.forEach((h, i) => coinbaseMap.push([h, result.coinbase[i]!]));
      }
      return { error_code: 0, block_coinbase_map: coinbaseMap, shard_stats: chain.shardStats() };
    } catch (err) {
      this.opts.log.warn(
        { shard: chain.fullShardId, peer: req.cluster_peer_id, reason: (err as Error).message },
        "sync from peer failed",
      );
      return failed(1);
    }
  }

  // ---- Peer commands ----

  private observedBy(peer: PeerRef): Observed {
    const key = observedKey(peer);
    let o = this.observed.get(key);
    if (!o) this.observed.set(key, (o = {}));
    return o;
  }

  /** handle_new_transaction_list_command: add each to the pool; rebroadcast the accepted ones to the other peers. */
  private async handleNewTransactions(peer: PeerRef, cmd: P2PMessage<"NEW_TRANSACTION_LIST">): Promise<void> {
    const chain = this.chainOf(peer);
    if (cmd.transaction_list.length > NEW_TRANSACTION_LIST_LIMIT) {
      // pyquarkchain closes this peer connection and still adds the transactions.
      this.context().peer(peer.clusterPeerId, peer.fullShardId)?.close("Too many transactions in one command");
    }
    const accepted = cmd.transaction_list.filter((tx) => chain.addTx(tx));
    if (accepted.length === 0) return;
    for (const p of this.context().peers(peer.fullShardId)) {
      if (p.clusterPeerId !== peer.clusterPeerId) p.rpc.send("NEW_TRANSACTION_LIST", { transaction_list: accepted });
    }
  }

  /**
   * handle_new_minor_block_header_list_command: one header of this shard, never going back
   * against what the peer showed before (else the connection closes). A higher tip would
   * start pyquarkchain's peer-triggered sync task, which this backend does not run.
   */
  private async handleNewHeaders(peer: PeerRef, cmd: P2PMessage<"NEW_MINOR_BLOCK_HEADER_LIST">): Promise<void> {
    const chain = this.chainOf(peer);
    if (cmd.minor_block_header_list.length !== 1) throw new Error("minor block header list must have only one header");
    const m = cmd.minor_block_header_list[0]!;
    if (m.branch.value !== chain.fullShardId) throw new Error("incorrect branch");
    const o = this.observedBy(peer);
    if (o.root) {
      if (cmd.root_block_header.total_difficulty < o.root.total_difficulty)
        throw new Error("best observed root header total_difficulty is decreasing");
      if (cmd.root_block_header.total_difficulty === o.root.total_difficulty) {
        if (!sameRoot(cmd.root_block_header, o.root))
          throw new Error("best observed root header changed with same total_difficulty");
        if (o.minor && m.height < o.minor.height) throw new Error("best observed minor header is decreasing");
      }
    }
    o.root = cmd.root_block_header;
    o.minor = m;
    if (chain.headerTip.height < m.height) {
      this.opts.log.debug(
        { shard: chain.fullShardId, peer: peer.clusterPeerId, height: m.height },
        "peer shows a higher tip (peer-triggered sync is not run; the master's SYNC_MINOR_BLOCK_LIST is)",
      );
    }
  }

  /**
   * Shard.handle_new_block, the fast path: ignore what is known, pending, orphaned, too far
   * ahead in time, too stale, or on an unknown or older root; refuse an invalid block (the
   * connection closes); rebroadcast a valid one to every peer, then add it. A block whose
   * transactions would need execution is ignored (not rebroadcast).
   */
  private async handleNewBlock(peer: PeerRef, block: MinorBlock): Promise<void> {
    const chain = this.chainOf(peer);
    this.observedBy(peer).minor = block.header;
    const hash = minorBlockHash(block.header);
    if (this.newBlockPool.has(hex(hash)) || chain.store.hasMinorBlock(hash)) return;
    const prevHash = block.header.hash_prev_minor_block;
    if (!this.newBlockPool.has(hex(prevHash)) && !chain.store.hasMinorBlock(prevHash)) return;
    if (block.header.create_time > this.now() + 15n) return;
    const stale = maxStaleHeightDiff(this.config, chain.shard);
    if (stale !== undefined && chain.headerTip.height - block.header.height > stale) return;
    const root = chain.rootHeader(block.header.hash_prev_root_block);
    if (!root) return;
    const confirmed = chain.confirmedTip;
    const confirmedRoot = confirmed && chain.rootHeader(confirmed.hash_prev_root_block);
    if (confirmedRoot && confirmedRoot.height > root.height) return;
    chain.validate(block); // throws: the connection closes, as in pyquarkchain
    if (block.tx_list.length > 0 && !this.canSkipExecution(chain, block)) {
      this.opts.log.info(
        { shard: chain.fullShardId, height: block.header.height },
        "new block with transactions ignored: they need execution",
      );
      return;
    }
    this.newBlockPool.set(hex(hash), block.header);
    for (const p of this.context().peers(chain.fullShardId)) p.rpc.send("NEW_BLOCK_MINOR", { block });
    await this.addBlock(chain, block);
  }

  /** Shard.broadcast_new_tip: NEW_MINOR_BLOCK_HEADER_LIST to each peer not known to be as far along. */
  private broadcastNewTip(chain: ShardChain): void {
    for (const p of this.context().peers(chain.fullShardId)) {
      try {
        const o = this.observed.get(observedKey({ clusterPeerId: p.clusterPeerId, fullShardId: chain.fullShardId }));
        if (o?.root) {
          if (chain.rootTip.total_difficulty < o.root.total_difficulty) continue;
          if (sameRoot(chain.rootTip, o.root)) {
            if (o.minor && chain.headerTip.height < o.minor.height) continue;
            if (o.minor && sameMinor(chain.headerTip, o.minor)) continue;
          }
        }
        p.rpc.send("NEW_MINOR_BLOCK_HEADER_LIST", {
          root_block_header: chain.rootTip,
          minor_block_header_list: [chain.headerTip],
        });
      } catch (err) {
        this.opts.log.warn({ shard: chain.fullShardId, err }, "broadcast tip failure");
      }
    }
  }
}

const observedKey = (peer: PeerRef) => `${peer.clusterPeerId}/${peer.fullShardId}`;

const sameRoot = (a: RootBlockHeader, b: RootBlockHeader) =>
  sameBytes(encode(RootBlockHeaderCodec, a), encode(RootBlockHeaderCodec, b));
const sameMinor = (a: MinorBlockHeader, b: MinorBlockHeader) =>
  sameBytes(encode(MinorBlockHeaderCodec, a), encode(MinorBlockHeaderCodec, b));

function headerListResponse(
  chain: ShardChain,
  headers: MinorBlockHeader[],
): ResponseOf<P2POpDefs, "GET_MINOR_BLOCK_HEADER_LIST_REQUEST"> {
  return { root_tip: chain.rootTip, shard_tip: chain.headerTip, block_header_list: headers };
}

function checkHeaderRequest(peer: PeerRef, branch: number, limit: number, direction: number): void {
  if (branch !== peer.fullShardId) throw new Error(`header request for branch ${branch} on shard ${peer.fullShardId}`);
  if (limit <= 0 || limit > MAX_HEADER_LIST)
    throw new Error(`header request limit ${limit} outside 1..${MAX_HEADER_LIST}`);
  if (direction !== 0) throw new Error(`header request direction ${direction} (only 0, toward genesis, is served)`);
}

function headersWithSkip(
  chain: ShardChain,
  req: P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST">,
): MinorBlockHeader[] {
  let height: bigint;
  if (req.type === 1) {
    height = BigInt("0x" + (Buffer.from(req.data).toString("hex") || "0"));
  } else {
    const block = chain.byHash(req.data);
    if (!block || !chain.isCanonical(block)) return [];
    height = block.header.height;
  }
  const step = BigInt(req.skip + 1) * (req.direction === 0 ? -1n : 1n);
  const out: MinorBlockHeader[] = [];
  const tip = chain.headerTip.height;
  while (out.length < req.limit && height >= 0n && height <= tip) {
    const block = chain.byHeight(height);
    if (!block) break;
    out.push(block.header);
    height += step;
  }
  return out;
}

export { emptyMinorBlock };

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
