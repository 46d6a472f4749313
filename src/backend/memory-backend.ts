import type { Logger } from "pino";
import type { ResponseOf } from "../cluster/rpc-connection.ts";
import type { QuarkChainConfig } from "../config/cluster-config.ts";
import type { AddXshardTxListRequest, ShardStats } from "../messages/cluster.ts";
import type { MinorBlock, MinorBlockHeader, RootBlock } from "../messages/core.ts";
import type { P2PMessage, P2POpDefs } from "../messages/p2p.ts";
import type { MasterHandlers, PeerHandlers, PeerRef, SlaveBackend, SlaveContext } from "./backend.ts";
import { emptyMinorBlock, masterHandlers } from "./master-handlers.ts";
import { ShardStore, headerHash } from "./shard-store.ts";
import type { EvmState } from "./state/evm-state.ts";

/** Linux errno values, as pyquarkchain answers them (PROTOCOL.md §5.1). */
export const ENOENT = 2;

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

export interface MemoryBackendOptions {
  /** This slave's FULL_SHARD_ID_LIST (ids the network config lacks are ignored). */
  shards: readonly number[];
  genesis: GenesisProvider;
  log: Logger;
  /** Unix time in seconds (default: the system clock); the next block's difficulty depends on it. */
  now?: () => bigint;
}

const MAX_HEADER_LIST = 200; // pyquarkchain: 2 x MINOR_BLOCK_HEADER_LIST_LIMIT
const MAX_BLOCK_LIST = 100; // pyquarkchain: 2 x MINOR_BLOCK_BATCH_SIZE

/**
 * The default backend: each local shard's chain and state in memory, starting from its
 * genesis. It answers what needs no EVM from that data (master-handlers.ts); everything
 * else stays out of `master`, so the cluster layer answers it with an error code
 * (README: support table).
 */
export class MemoryBackend implements SlaveBackend {
  readonly readyShards = new Set<number>();
  readonly master: MasterHandlers;
  readonly peer: PeerHandlers;
  private readonly stores = new Map<number, ShardStore>();
  private readonly creating = new Map<number, Promise<void>>();
  private readonly opts: MemoryBackendOptions;
  /**
   * This slave's shards in network config order (chains in order, then shard ids), the order
   * pyquarkchain creates them in and lists them in its answers.
   */
  private readonly localShards: readonly number[];

  constructor(opts: MemoryBackendOptions) {
    this.opts = opts;
    this.localShards = [...opts.genesis.config.shards.keys()].filter((s) => opts.shards.includes(s));
    this.master = masterHandlers({
      config: opts.genesis.config,
      ready: () => this.readyStores(),
      get: (shard) => (this.readyShards.has(shard) ? this.stores.get(shard) : undefined),
      now: opts.now ?? (() => BigInt(Math.floor(Date.now() / 1000))),
    });
    this.peer = {
      GET_MINOR_BLOCK_LIST_REQUEST: async (peer, req) => {
        if (req.minor_block_hash_list.length > MAX_BLOCK_LIST)
          throw new Error(`more than ${MAX_BLOCK_LIST} blocks asked`);
        const store = this.store(peer);
        const found = req.minor_block_hash_list.map((h) => store.byHash(h)).filter((b): b is MinorBlock => !!b);
        return { minor_block_list: found }; // unknown hashes are skipped, as in pyquarkchain
      },
      GET_MINOR_BLOCK_HEADER_LIST_REQUEST: async (peer, req) => {
        checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
        const store = this.store(peer);
        const headers: MinorBlockHeader[] = [];
        let block = store.byHash(req.block_hash);
        if (!block) throw new Error("unknown block hash");
        while (block && headers.length < req.limit) {
          headers.push(block.header);
          if (block.header.height === 0n) break;
          block = store.byHash(block.header.hash_prev_minor_block);
        }
        return this.headerListResponse(store, headers);
      },
      GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST: async (peer, req) => {
        checkHeaderRequest(peer, req.branch.value, req.limit, req.direction);
        if (req.type !== 0 && req.type !== 1) throw new Error(`bad skip request type ${req.type}`);
        const store = this.store(peer);
        return this.headerListResponse(store, headersWithSkip(store, req));
      },
      NEW_TRANSACTION_LIST: async () => {},
      NEW_MINOR_BLOCK_HEADER_LIST: async () => {},
      NEW_BLOCK_MINOR: async () => {},
    };
  }

  async createShards(root: RootBlock, ctx: SlaveContext): Promise<number[]> {
    const height = root.header.height;
    const due = this.localShards.filter((shard) => {
      const rootHeight = this.opts.genesis.genesisRootHeight(shard);
      return rootHeight !== undefined && rootHeight <= height && !this.stores.has(shard);
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
    for (const store of this.readyStores()) if (height > store.rootTip.height) store.rootTip = root.header;
    return this.localShards.filter((s) => created.includes(s));
  }

  /** Records the root tip and which local blocks it confirms; no EVM work is involved. */
  async addRootBlock(root: RootBlock): Promise<{ error_code: number; switched: boolean }> {
    for (const store of this.readyStores()) {
      for (const header of root.minor_block_header_list) {
        if (header.branch.value !== store.fullShardId) continue;
        const block = store.byHash(headerHash(header));
        if (block && store.isCanonical(block) && header.height > store.confirmedHeight)
          store.confirmedHeight = header.height;
      }
      if (root.header.height > store.rootTip.height) store.rootTip = root.header;
    }
    return { error_code: 0, switched: false };
  }

  async addXshardTxList(req: AddXshardTxListRequest): Promise<number> {
    const store = this.stores.get(req.branch.value);
    if (!store || !this.readyShards.has(req.branch.value)) return ENOENT;
    store.addXshardTxList(req.minor_block_hash, req.tx_list);
    return 0;
  }

  private async createShard(shard: number, root: RootBlock, ctx: SlaveContext): Promise<void> {
    const genesisRootHeight = this.opts.genesis.genesisRootHeight(shard)!;
    const block = this.opts.genesis.genesisBlock(shard, root);
    const store = new ShardStore(shard, block, root.header, this.opts.genesis.state(shard));
    if (genesisRootHeight === root.header.height) {
      // The master learns of the genesis block before the shard becomes routable.
      const res = await ctx.addMinorBlockHeader({
        minor_block_header: block.header,
        tx_count: 0,
        x_shard_tx_count: 0,
        coinbase_amount_map: block.header.coinbase_amount_map,
        shard_stats: genesisShardStats(block.header),
      });
      if (res.error_code !== 0)
        throw new Error(`master refused genesis header of shard ${shard}: error_code ${res.error_code}`);
    } else {
      this.opts.log.warn(
        { shard, rootHeight: root.header.height },
        "root tip is past the shard's genesis; starting from genesis (no persisted chain)",
      );
    }
    this.stores.set(shard, store);
    this.readyShards.add(shard);
  }

  private readyStores(): ShardStore[] {
    return this.localShards.filter((s) => this.readyShards.has(s)).map((s) => this.stores.get(s)!);
  }

  private store(peer: PeerRef): ShardStore {
    const store = this.stores.get(peer.fullShardId);
    if (!store) throw new Error(`shard ${peer.fullShardId} is not local`);
    return store;
  }

  private headerListResponse(
    store: ShardStore,
    headers: MinorBlockHeader[],
  ): ResponseOf<P2POpDefs, "GET_MINOR_BLOCK_HEADER_LIST_REQUEST"> {
    return { root_tip: store.rootTip, shard_tip: store.tip.header, block_header_list: headers };
  }
}

function checkHeaderRequest(peer: PeerRef, branch: number, limit: number, direction: number): void {
  if (branch !== peer.fullShardId) throw new Error(`header request for branch ${branch} on shard ${peer.fullShardId}`);
  if (limit <= 0 || limit > MAX_HEADER_LIST)
    throw new Error(`header request limit ${limit} outside 1..${MAX_HEADER_LIST}`);
  if (direction !== 0) throw new Error(`header request direction ${direction} (only 0, toward genesis, is served)`);
}

function headersWithSkip(
  store: ShardStore,
  req: P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST">,
): MinorBlockHeader[] {
  let height: bigint;
  if (req.type === 1) {
    height = BigInt("0x" + Buffer.from(req.data).toString("hex"));
  } else {
    const block = store.byHash(req.data);
    if (!block || !store.isCanonical(block)) return [];
    height = block.header.height;
  }
  const step = BigInt(req.skip + 1) * (req.direction === 0 ? -1n : 1n);
  const out: MinorBlockHeader[] = [];
  const tip = store.tip.header.height;
  while (out.length < req.limit && height >= 0n && height <= tip) {
    out.push(store.byHeight(height)!.header);
    height += step;
  }
  return out;
}

/** ShardStats of a shard at genesis, as pyquarkchain's get_shard_stats computes it at height 0. */
function genesisShardStats(header: MinorBlockHeader): ShardStats {
  return {
    branch: header.branch,
    height: header.height,
    difficulty: header.difficulty,
    coinbase_address: header.coinbase_address,
    timestamp: header.create_time,
    tx_count60s: 0,
    pending_tx_count: 0,
    total_tx_count: 0,
    block_count60s: 0,
    stale_block_count60s: 0,
    last_block_time: 0,
  };
}

export { headerHash };
export { emptyMinorBlock };
