import type { Logger } from "pino";
import { hex, sameBytes } from "../codec/bytes.ts";
import type { QuarkChainConfig } from "../config/cluster-config.ts";
import type { BlockEnv } from "../evm/env.ts";
import type { ShardStats } from "../messages/cluster.ts";
import type {
  CrossShardTransactionDeposit,
  CrossShardTransactionList,
  MinorBlock,
  MinorBlockHeader,
  RootBlock,
  TokenBalanceMap,
  TypedTransaction,
} from "../messages/core.ts";
import type { P2PMessage } from "../messages/p2p.ts";
import { EBADMSG, PeerFault, type PeerRef, type SlaveContext } from "./api.ts";
import { ValidationError, maxStaleHeightDiff } from "./chain/block-rules.ts";
import { type ChainStore, STATE_KNOWN, STATE_UNKNOWN } from "./chain/chain-store.ts";
import { minorBlockHash } from "./chain/hashes.ts";
import { powAlgorithm } from "./chain/seal-check.ts";
import { prepareEpochs } from "../consensus/seal.ts";
import { type Reorg, ShardChain, type ValidateOptions } from "./chain/shard-chain.ts";
import { shardStats } from "./chain/shard-stats.ts";
import { DerivedStates } from "./exec/derive/derive-state.ts";
import type { EvmState } from "./exec/derive/evm-state.ts";
import { type ExecutedBlock, executeBlock } from "./exec/execute-block.ts";
import { type TipStateOrigin, tipBlockEnv, tipExecState } from "./exec/tip-state.ts";
import { TrieNodeCache } from "./state/trie/index.ts";
import { BLANK_ROOT } from "./state/state-db.ts";
import { type StateView, WorldStateView } from "./state/state-view.ts";
import { WorldState } from "./state/world-state.ts";
import { Gossip } from "./gossip.ts";
import { broadcastXshard } from "./xshard-fanout.ts";
import { type SyncStats, Synchronizer, newSyncStats } from "./synchronizer.ts";
import { addTx, applyReorg } from "./pool/pool-gate.ts";
import { TxPool } from "./pool/tx-pool.ts";
import { type Deferred, deferred } from "./deferred.ts";
import { type BlockToMineOptions, createBlockToMine } from "./exec/build-block.ts";

const NEW_TRANSACTION_LIST_LIMIT = 1000;

export interface ShardDeps {
  config: QuarkChainConfig;
  log: Logger;
  /** Unix time in seconds. */
  now: () => bigint;
  /** The cluster: the master link, this shard's peers, the siblings. */
  context: () => SlaveContext;
  /** Another local shard, if it is ready (xshard lists to local targets are stored directly). */
  local: (fullShardId: number) => Shard | undefined;
  /** Peer-triggered sync: each request's deadline (default 30 s, SYNC_TIMEOUT) and the counters. */
  sync?: { timeoutMs: number; stats: SyncStats };
}

/**
 * One local shard, as pyquarkchain's Shard (quarkchain/cluster/shard.py): its chain, the
 * state derived along it, its transaction pool and its gossip state, and the pipeline a
 * block goes through: validate -> (execute) -> store -> xshard lists to the neighbours ->
 * header to the master -> commit.
 */
export class Shard {
  readonly fullShardId: number;
  readonly chain: ShardChain;
  readonly states: DerivedStates;
  readonly pool: TxPool;
  readonly gossip: Gossip;
  readonly synchronizer: Synchronizer;
  private readonly deps: ShardDeps;
  /** Blocks added whose propagation is under way, by hex hash (Shard.add_block_futures). */
  private readonly committing = new Map<string, Promise<void>>();
  /** The deposits each block added and not yet propagated sends (add_block's xshard_list), by hex hash. */
  private readonly sends = new Map<string, readonly CrossShardTransactionDeposit[]>();
  /** Decoded trie nodes, shared by the states of this shard's blocks. */
  readonly nodeCache = new TrieNodeCache();
  /** How ShardState.evm_state came to be, which add_tx validates against and the tip's queries run on. */
  private tipOrigin: TipStateOrigin;
  /** The tip's block env, built once per tip and origin (tipBlock). */
  private tipEnv?: { readonly tipHash: Uint8Array; readonly origin: TipStateOrigin; readonly block: BlockEnv };

  constructor(deps: ShardDeps, chain: ShardChain, genesisState: () => EvmState) {
    this.deps = deps;
    this.chain = chain;
    this.fullShardId = chain.fullShardId;
    this.states = new DerivedStates(chain, deps.config, genesisState);
    this.pool = new TxPool(deps.config.TRANSACTION_QUEUE_SIZE_LIMIT_PER_SHARD);
    this.gossip = new Gossip(chain, deps.log);
    const fresh = !chain.recovered && chain.headerTip.height === chain.shard.GENESIS.HEIGHT;
    this.tipOrigin = fresh ? { how: "genesis" } : { how: "created", timestamp: deps.now() };
    const { timeoutMs = 30_000, stats = newSyncStats() } = deps.sync ?? {};
    const peer = (id: bigint) => deps.context().peer(id, this.fullShardId);
    this.synchronizer = new Synchronizer(this, { log: deps.log, timeoutMs, config: deps.config, stats, peer });
    this.prepareSeal();
  }

  /** The ethash caches the next blocks' seals need, built off the event loop (consensus/seal.ts). */
  private prepareSeal(): void {
    const next = this.chain.headerTip.height + 1n;
    const algorithm = powAlgorithm(this.deps.config, this.chain.shard, next);
    if (algorithm) void prepareEpochs(algorithm, next);
  }

  // ---- What tools and tests read ----

  get tip(): MinorBlock {
    return this.chain.tip;
  }
  get tipHash(): Uint8Array {
    return this.chain.tipHash;
  }
  get headerTip(): MinorBlockHeader {
    return this.chain.headerTip;
  }
  get confirmedHeight(): bigint {
    return this.chain.confirmedHeight;
  }
  get store(): ChainStore {
    return this.chain.store;
  }
  /** The EVM state after the tip, or undefined when it is not known here. */
  get state(): EvmState | undefined {
    return this.states.tip;
  }
  byHash(hash: Uint8Array): MinorBlock | undefined {
    return this.chain.byHash(hash);
  }
  xshardTxList(sourceBlockHash: Uint8Array): CrossShardTransactionList | undefined {
    return this.chain.xshardTxList(sourceBlockHash);
  }
  tryStateAfter(hash: Uint8Array): EvmState | undefined {
    return this.states.after(hash);
  }
  /**
   * The state after a stored block: the world state at its hash_evm_state_root when its records
   * are stored (every block run since blocks are executed), else the one derived from rewards.
   */
  stateAfterBlock(hash: Uint8Array): StateView | undefined {
    const world = this.worldAfterBlock(hash);
    return world ? new WorldStateView(world) : this.states.after(hash);
  }
  /** The world state at a stored block's hash_evm_state_root, when its records are stored. */
  worldAfterBlock(hash: Uint8Array): WorldState | undefined {
    const root = this.chain.byHash(hash)?.meta.hash_evm_state_root;
    if (!root) return undefined;
    const world = WorldState.open(this.store.stateKv, root, { nodeCache: this.nodeCache });
    return sameBytes(root, BLANK_ROOT) || world.db.nodes.has(root) ? world : undefined;
  }
  /**
   * The block context of ShardState.evm_state, the state after the tip: what add_tx validates in
   * and EXECUTE_TRANSACTION / ESTIMATE_GAS run in at the tip. Built once per tip and origin.
   */
  tipBlock(): BlockEnv {
    const tipHash = this.chain.tipHash;
    const env = this.tipEnv;
    if (env && env.origin === this.tipOrigin && sameBytes(env.tipHash, tipHash)) return env.block;
    const block = tipBlockEnv(this.deps.config, this.chain, this.tipOrigin);
    this.tipEnv = { tipHash, origin: this.tipOrigin, block };
    return block;
  }
  /** get_shard_stats. */
  shardStats(): ShardStats {
    return shardStats(this.chain, this.pool.size);
  }

  // ---- Blocks ----

  /**
   * Shard.add_block: add to the chain (false when refused), tell the peers about a new tip,
   * send the xshard lists, then the header to the master, then commit. A block already
   * committed returns at once; one being propagated waits for that.
   */
  async addBlock(block: MinorBlock): Promise<boolean> {
    const hash = minorBlockHash(block.header);
    const key = hex(hash);
    if (this.chain.store.isCommitted(hash)) return true;
    const pending = this.committing.get(key);
    if (pending) {
      await pending;
      return true;
    }
    const oldTip = this.chain.tipHash;
    const refused = this.addToChain(block, { refuseTooOld: true });
    if (refused !== undefined) {
      this.deps.log.info({ shard: this.fullShardId, height: block.header.height, reason: refused }, "block refused");
      return false;
    }
    this.gossip.newBlockPool.delete(key);
    if (!sameBytes(oldTip, this.chain.tipHash))
      this.gossip.broadcastNewTip(this.deps.context().peers(this.fullShardId));
    const done = deferred();
    this.committing.set(key, done.promise);
    try {
      const rootHeight = this.chain.rootHeader(block.header.hash_prev_root_block)!.height;
      const deposits = this.sends.get(key) ?? [];
      await broadcastXshard(this.deps, this.fullShardId, [{ hash, rootHeight, deposits }], false);
      const res = await this.deps.context().addMinorBlockHeader({
        minor_block_header: block.header,
        tx_count: block.tx_list.length,
        x_shard_tx_count: deposits.length,
        coinbase_amount_map: block.header.coinbase_amount_map,
        shard_stats: this.shardStats(),
      });
      if (res.error_code !== 0) throw new Error(`master refused the header: error_code ${res.error_code}`);
      this.chain.store.commit(hash);
    } finally {
      this.committing.delete(key);
      this.sends.delete(key);
      done.resolve();
    }
    return true;
  }

  /**
   * Shard.add_block_list_for_sync: add the blocks in order (false on the first refusal),
   * one batch of xshard lists, one ADD_MINOR_BLOCK_HEADER_LIST for those newly added, then
   * commit. The coinbase map of every block, in order.
   */
  async addBlockListForSync(
    blocks: readonly MinorBlock[],
  ): Promise<{ ok: true; coinbase: TokenBalanceMap[] } | { ok: false }> {
    const coinbase: TokenBalanceMap[] = [];
    const waiting: Promise<void>[] = [];
    const added: Array<{
      hash: Uint8Array;
      header: MinorBlockHeader;
      rootHeight: number;
      deposits: readonly CrossShardTransactionDeposit[];
      done: Deferred;
    }> = [];
    try {
      for (const block of blocks) {
        if (block.header.branch.value !== this.fullShardId) throw new PeerFault("a synced block of another shard");
        const hash = minorBlockHash(block.header);
        coinbase.push(block.header.coinbase_amount_map);
        if (this.chain.store.isCommitted(hash)) continue;
        const pending = this.committing.get(hex(hash));
        if (pending) {
          waiting.push(pending);
          continue;
        }
        const refused = this.addToChain(block, { refuseTooOld: false });
        if (refused !== undefined) {
          this.deps.log.info(
            { shard: this.fullShardId, height: block.header.height, reason: refused },
            "synced block refused",
          );
          return { ok: false };
        }
        const done = deferred();
        this.committing.set(hex(hash), done.promise);
        const rootHeight = this.chain.rootHeader(block.header.hash_prev_root_block)!.height;
        added.push({ hash, header: block.header, rootHeight, deposits: this.sends.get(hex(hash)) ?? [], done });
      }
      await broadcastXshard(this.deps, this.fullShardId, added, true);
      const res = await this.deps.context().addMinorBlockHeaderList({
        minor_block_header_list: added.map((a) => a.header),
        coinbase_amount_map_list: added.map((a) => a.header.coinbase_amount_map),
      });
      if (res.error_code !== 0) throw new Error(`master refused the header list: error_code ${res.error_code}`);
      this.chain.store.batch(() => added.forEach((a) => this.chain.store.commit(a.hash))); // one write
    } finally {
      for (const a of added) {
        this.committing.delete(hex(a.hash));
        this.sends.delete(hex(a.hash));
        a.done.resolve();
      }
    }
    await Promise.all(waiting);
    return { ok: true, coinbase };
  }

  /**
   * check_minor_block_by_header: the stored block goes through add_block again without being
   * written (validate_block, run_block, the seven checks).
   */
  checkBlock(header: MinorBlockHeader): number {
    const block = this.chain.byHash(minorBlockHash(header));
    if (!block) return EBADMSG;
    if (header.height === 0n) return 0;
    let refused: string | undefined;
    try {
      this.chain.validate(block, {});
      const executed = executeBlock(this.deps.config, this.chain, block, this.nodeCache);
      if (typeof executed === "string") refused = executed;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      refused = err.message;
    }
    if (refused === undefined) return 0;
    this.deps.log.warn({ shard: this.fullShardId, reason: refused }, "minor block check failed");
    return EBADMSG;
  }

  /**
   * Shard.handle_new_block, the fast path: ignore what is known, pending, orphaned, too far
   * ahead in time, too stale, or on an unknown or older root; refuse an invalid block (the peer's
   * connection closes; no peer: mined here, thrown as is); rebroadcast a valid one, then add it.
   */
  async newBlock(peer: PeerRef | undefined, block: MinorBlock): Promise<void> {
    const chain = this.chain;
    if (peer) this.gossip.observedBy(peer.clusterPeerId).minor = block.header;
    const hash = minorBlockHash(block.header);
    const pool = this.gossip.newBlockPool;
    if (pool.has(hex(hash)) || chain.store.hasMinorBlock(hash)) return;
    const prevHash = block.header.hash_prev_minor_block;
    // pyquarkchain ignores the block while syncing or when its parent is unknown; here the block's
    // header is also a tip to sync to, as the peer's NEW_MINOR_BLOCK_HEADER_LIST would be.
    if (this.synchronizer.running || (!pool.has(hex(prevHash)) && !chain.store.hasMinorBlock(prevHash)))
      return peer && this.synchronizer.announce(peer.clusterPeerId, block.header);
    if (block.header.create_time > this.deps.now() + 15n) return;
    const stale = maxStaleHeightDiff(this.deps.config, chain.shard);
    if (stale !== undefined && chain.headerTip.height - block.header.height > stale) return;
    const root = chain.rootHeader(block.header.hash_prev_root_block);
    if (!root) return;
    const confirmed = chain.confirmedTip;
    const confirmedRoot = confirmed && chain.rootHeader(confirmed.hash_prev_root_block);
    if (confirmedRoot && confirmedRoot.height > root.height) return;
    try {
      chain.validate(block, {});
    } catch (err) {
      if (err instanceof ValidationError && peer) throw new PeerFault(err.message); // the connection closes, as in pyquarkchain
      throw err;
    }
    pool.set(hex(hash), block.header);
    for (const p of this.deps.context().peers(this.fullShardId)) p.rpc.send("NEW_BLOCK_MINOR", { block });
    await this.addBlock(block);
  }

  /**
   * ShardState.add_block: validate_block -> run_block and the seven checks -> store the block
   * with its state records and receipts in one write; the pool and the tip's state follow what
   * changed. Why the block was refused, or undefined once it is stored. Nothing is propagated
   * (addBlock does that, with the deposits kept here); tools that build a chain locally call this.
   */
  addToChain(block: MinorBlock, opts: ValidateOptions): string | undefined {
    let executed: ExecutedBlock | string;
    let derived: ReturnType<DerivedStates["derive"]>;
    try {
      this.chain.validate(block, opts);
      executed = executeBlock(this.deps.config, this.chain, block, this.nodeCache);
      if (typeof executed === "string") return executed;
      // The EVM state view the queries and the pool read, where the reward is the only change.
      derived = this.states.derive(block);
    } catch (err) {
      if (err instanceof ValidationError) return err.message;
      throw err;
    }
    const hash = minorBlockHash(block.header);
    if (executed.run.sent.length > 0) this.sends.set(hex(hash), executed.run.sent);
    const reorg = this.chain.add(
      block,
      { state: derived ? STATE_KNOWN : STATE_UNKNOWN, coinbase_key: derived?.key ?? 0 },
      executed.records,
    );
    if (derived) this.states.stored(hash, derived.state);
    if (reorg.tipMoved) this.tipOrigin = { how: "ran" };
    this.followReorg(reorg, derived?.state);
    return undefined;
  }

  private followReorg(reorg: Reorg, tipState: EvmState | undefined): void {
    if (!reorg.tipMoved) return;
    applyReorg(this.pool, reorg);
    this.states.tipMoved(tipState);
    this.prepareSeal();
  }

  // ---- Cross-shard fan-out and propagation (PROTOCOL.md §7.9) ----

  /** A genesis block's xshard lists and header, before the shard becomes routable. */
  async propagateGenesis(block: MinorBlock, rootHeight: number): Promise<void> {
    await broadcastXshard(
      this.deps,
      this.fullShardId,
      [{ hash: minorBlockHash(block.header), rootHeight, deposits: [] }],
      false,
    );
    const res = await this.deps.context().addMinorBlockHeader({
      minor_block_header: block.header,
      tx_count: 0,
      x_shard_tx_count: 0,
      coinbase_amount_map: block.header.coinbase_amount_map,
      shard_stats: this.shardStats(),
    });
    if (res.error_code !== 0)
      throw new Error(`master refused genesis header of shard ${this.fullShardId}: error_code ${res.error_code}`);
  }

  // ---- Root blocks ----

  /** ShardState.add_root_block: whether the root tip switched. Throws ValidationError. */
  addRootBlock(root: RootBlock): boolean {
    const reorg = this.chain.addRootBlock(root);
    if (!reorg) return false;
    if (reorg.tipMoved) this.tipOrigin = { how: "created", timestamp: this.deps.now() };
    this.followReorg(reorg, undefined);
    return true;
  }

  /** A genesis block on another root block at the genesis root height (a root fork), reported like the first. */
  async addGenesisOnFork(root: RootBlock, genesis: MinorBlock): Promise<void> {
    this.chain.addGenesisOnFork(root, genesis);
    await this.propagateGenesis(genesis, root.header.height);
  }

  /** ShardState.create_block_to_mine (exec/build-block.ts): a block on the tip, filled from the pool. */
  createBlockToMine(opts?: BlockToMineOptions): MinorBlock {
    return createBlockToMine({ ...this.deps, chain: this.chain, pool: this.pool, nodeCache: this.nodeCache }, opts);
  }

  // ---- Transactions ----

  /** ShardState.add_tx: whether the transaction joins the pool. */
  addTx(tx: TypedTransaction): boolean {
    const { config, log } = this.deps;
    const tipState = () => {
      const world = this.worldAfterBlock(this.chain.tipHash);
      return world && tipExecState(config, world, this.tipBlock());
    };
    return addTx(this.pool, { config, chain: this.chain, tipState, log }, tx);
  }

  /** get_transaction_by_hash: (block, index) for a canonical block, or the pool's empty block. */
  transaction(hash: Uint8Array): { block: MinorBlock; index: number } | { pooled: TypedTransaction } | undefined {
    const at = this.chain.store.txLocation(hash);
    if (at) {
      const block = this.chain.byHeight(at.height);
      if (block) return { block, index: at.index };
    }
    const pooled = this.pool.get(hash);
    return pooled && { pooled };
  }

  /** handle_new_transaction_list_command: add each to the pool; rebroadcast the accepted ones to the other peers. */
  newTransactions(peer: PeerRef, cmd: P2PMessage<"NEW_TRANSACTION_LIST">): void {
    const ctx = this.deps.context();
    if (cmd.transaction_list.length > NEW_TRANSACTION_LIST_LIMIT) {
      // pyquarkchain closes this peer connection and still adds the transactions.
      ctx.peer(peer.clusterPeerId, this.fullShardId)?.close("Too many transactions in one command");
    }
    const accepted = cmd.transaction_list.filter((tx) => this.addTx(tx));
    if (accepted.length === 0) return;
    for (const p of ctx.peers(this.fullShardId)) {
      if (p.clusterPeerId !== peer.clusterPeerId) p.rpc.send("NEW_TRANSACTION_LIST", { transaction_list: accepted });
    }
  }
}
