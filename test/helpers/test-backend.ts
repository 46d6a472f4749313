import { keccak_256 } from "@noble/hashes/sha3.js";
import {
  ENOENT,
  type MasterHandlers,
  type PeerHandlers,
  type PeerRef,
  type SlaveBackend,
  type SlaveContext,
} from "../../src/backend/api.ts";
import { encode } from "../../src/codec/index.ts";
import {
  type AddMinorBlockHeaderRequest,
  type AddXshardTxListRequest,
  ShardStats,
} from "../../src/messages/cluster.ts";
import { MinorBlock, MinorBlockHeader, type RootBlock } from "../../src/messages/core.ts";

export { ENOENT };

export interface TestBackendOptions {
  /** This slave's FULL_SHARD_ID_LIST. */
  shards: readonly number[];
  /** GENESIS.ROOT_HEIGHT per shard; 0 when absent. */
  genesisRootHeight?: Readonly<Record<number, number>>;
  /** Report each new shard's genesis header to the master (default true). */
  reportGenesis?: boolean;
  /** The error_code addRootBlock answers (default 0). */
  rootBlockErrorCode?: number;
  /** Extra or replacement master handlers. */
  master?: MasterHandlers;
}

/** A block's identity for the test backend: Keccak-256 of its encoded header. */
export function blockHash(block: MinorBlock): Buffer {
  return Buffer.from(keccak_256(encode(MinorBlockHeader, block.header)));
}

/** A minor block of `shard` at `height` whose hash differs by `nonce`. */
export function testBlock(shard: number, height: bigint, nonce = 0n): MinorBlock {
  const block = MinorBlock.zero();
  block.header.branch = { value: shard };
  block.header.height = height;
  block.header.nonce = nonce;
  return block;
}

/** What a slave reports for a shard's genesis block (tx counts 0, empty coinbase). */
export function genesisHeaderRequest(shard: number): AddMinorBlockHeaderRequest {
  const stats = ShardStats.zero();
  stats.branch = { value: shard };
  return {
    minor_block_header: testBlock(shard, 0n).header,
    tx_count: 0,
    x_shard_tx_count: 0,
    coinbase_amount_map: { balance_map: [] },
    shard_stats: stats,
  };
}

/**
 * An in-memory SlaveBackend for the cluster tests. createShards makes every due shard
 * ready after reporting its genesis header; it serves GET_ECO_INFO_LIST (one EcoInfo per
 * ready shard) to the master and GET_MINOR_BLOCK_LIST (the known blocks, unknown hashes
 * skipped) to peers, and records what it is handed. Every other op stays absent, so the
 * cluster layer's "not served" path is what answers it.
 */
export class TestBackend implements SlaveBackend {
  readonly readyShards = new Set<number>();
  readonly master: MasterHandlers;
  readonly peer: PeerHandlers;
  readonly blocks = new Map<string, MinorBlock>();
  readonly xshardLists: AddXshardTxListRequest[] = [];
  /** Every PeerConn that closed, in order (peerClosed). */
  readonly closedPeers: PeerRef[] = [];
  /** Every peer request or command served, with who sent it. */
  readonly peerCalls: Array<{ peer: PeerRef; op: string }> = [];
  /** Root blocks createShards was called with. */
  readonly roots: RootBlock[] = [];
  /** Root blocks addRootBlock was called with. */
  readonly addedRoots: RootBlock[] = [];
  private readonly opts: TestBackendOptions;
  private readonly creating = new Set<number>();
  private ctx: SlaveContext | undefined;

  constructor(opts: TestBackendOptions) {
    this.opts = opts;
    this.master = {
      GET_ECO_INFO_LIST_REQUEST: async () => ({
        error_code: 0,
        eco_info_list: this.opts.shards
          .filter((s) => this.readyShards.has(s))
          .map((s) => ({
            branch: { value: s },
            height: 1n,
            coinbase_amount: 0n,
            difficulty: 1000n,
            unconfirmed_headers_coinbase_amount: 0n,
          })),
      }),
      ...opts.master,
    };
    this.peer = {
      GET_MINOR_BLOCK_LIST_REQUEST: async (peer, req) => {
        this.peerCalls.push({ peer, op: "GET_MINOR_BLOCK_LIST_REQUEST" });
        const found = req.minor_block_hash_list
          .map((h) => this.blocks.get(Buffer.from(h).toString("hex")))
          .filter((b): b is MinorBlock => b !== undefined);
        return { minor_block_list: found };
      },
      NEW_TRANSACTION_LIST: async (peer) => {
        this.peerCalls.push({ peer, op: "NEW_TRANSACTION_LIST" });
      },
    };
  }

  /** Makes a block known; returns its hash. */
  addBlock(block: MinorBlock): Buffer {
    const hash = blockHash(block);
    this.blocks.set(hash.toString("hex"), block);
    return hash;
  }

  attach(ctx: SlaveContext): void {
    if (this.ctx) throw new Error("a SlaveContext is attached once");
    this.ctx = ctx;
  }

  async createShards(root: RootBlock): Promise<number[]> {
    const ctx = this.ctx;
    if (!ctx) throw new Error("createShards before attach");
    this.roots.push(root);
    const height = root.header.height;
    const due = this.opts.shards.filter(
      (s) => !this.readyShards.has(s) && !this.creating.has(s) && (this.opts.genesisRootHeight?.[s] ?? 0) <= height,
    );
    for (const s of due) this.creating.add(s);
    try {
      await Promise.all(
        due.map(async (s) => {
          if (this.opts.reportGenesis !== false) {
            const res = await ctx.addMinorBlockHeader(genesisHeaderRequest(s));
            if (res.error_code !== 0) throw new Error(`master refused shard ${s}'s genesis header: ${res.error_code}`);
          }
          this.readyShards.add(s);
        }),
      );
    } finally {
      for (const s of due) this.creating.delete(s);
    }
    return due;
  }

  async addRootBlock(root: RootBlock): Promise<{ error_code: number; switched: boolean }> {
    this.addedRoots.push(root);
    return { error_code: this.opts.rootBlockErrorCode ?? 0, switched: false };
  }

  peerClosed(peer: PeerRef): void {
    this.closedPeers.push(peer);
  }

  async addXshardTxList(request: AddXshardTxListRequest): Promise<number> {
    if (!this.readyShards.has(request.branch.value)) return ENOENT;
    this.xshardLists.push(request);
    return 0;
  }
}
