import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PeerRpc, SlaveContext } from "../../src/backend/backend.ts";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import type { XshardFailure } from "../../src/cluster/xshard/xshard-pool.ts";
import { decode } from "../../src/codec/index.ts";
import type {
  AddMinorBlockHeaderListRequest,
  AddMinorBlockHeaderRequest,
  AddXshardTxListRequest,
} from "../../src/messages/cluster.ts";
import { MinorBlock, RootBlock } from "../../src/messages/core.ts";
import type { P2POpDefs } from "../../src/messages/p2p.ts";
import type { ResponseOf } from "../../src/cluster/rpc-connection.ts";

export const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
export const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

/** test/backend/fixtures/chain.json, made by gen-chain.py with pyquarkchain's ShardState/RootState. */
export interface ChainFixture {
  cluster_config_json: string;
  full_shard_id: number;
  qkc_token: number;
  sender: { key: string; address: string; recipient: string };
  root_blocks: { R0: string; R1: string };
  genesis: { hash: string; hex: string };
  blocks: Array<{
    name: string;
    hash: string;
    height: number;
    hex: string;
    state_root: string;
    coinbase_amount_map: string;
    tx_count: number;
  }>;
  snapshots: Array<{
    name: string;
    tip_hash: string;
    tip_height: number;
    evm_state_root: string;
    shard_stats: string;
    account_data: Record<string, string>;
    unconfirmed: string[];
  }>;
  pool: {
    cases: Array<{ name: string; tx: string; hash: string; accepted: boolean }>;
    queue: string[];
    lookup: { hash: string; block: string; index: number };
    next_coinbase: number;
  };
  tx_lookups: Array<{ hash: string; block_hash: string; index: number }>;
  tx_not_found: string;
  single: {
    cluster_config_json: string;
    full_shard_id: number;
    root_block: string;
    genesis_hash: string;
    block: string;
    block_hash: string;
    tx: string;
    tx_hash: string;
    lookup: { block_hash: string; index: number };
    shard_stats: string;
  };
}

export function chainFixture(): ChainFixture {
  const file = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "chain.json");
  return JSON.parse(readFileSync(file, "utf8")) as ChainFixture;
}

export const fixtureBlock = (f: ChainFixture, name: string) => {
  const b = f.blocks.find((x) => x.name === name)!;
  return decode(MinorBlock, bytes(b.hex));
};
export const fixtureRoot = (f: ChainFixture, name: "R0" | "R1") => decode(RootBlock, bytes(f.root_blocks[name]));
export const snapshot = (f: ChainFixture, name: string) => f.snapshots.find((s) => s.name === name)!;

/** A peer's end as the backend sees it: answers GET_MINOR_BLOCK_LIST from `blocks`, records what it is sent. */
export class FakePeer {
  closed = false;
  closeReason: string | undefined;
  readonly sent: Array<{ op: string; message: unknown }> = [];
  readonly calls: Array<{ op: string; request: unknown; timeoutMs: number | undefined }> = [];
  blocks = new Map<string, MinorBlock>();
  /** Replaces the answer to GET_MINOR_BLOCK_LIST (e.g. to fail or time out). */
  answer: ((hashes: Uint8Array[]) => Promise<MinorBlock[]>) | undefined;

  constructor(readonly clusterPeerId: bigint) {}

  serve(...blocks: MinorBlock[]): this {
    for (const b of blocks) this.blocks.set(hex(minorBlockHash(b.header)), b);
    return this;
  }

  get rpc(): PeerRpc {
    const self = this;
    return {
      get closed() {
        return self.closed;
      },
      call: (async (op: string, request: { minor_block_hash_list: Uint8Array[] }, opts?: { timeoutMs?: number }) => {
        self.calls.push({ op, request, timeoutMs: opts?.timeoutMs });
        if (op !== "GET_MINOR_BLOCK_LIST_REQUEST") throw new Error(`unexpected call ${op}`);
        const hashes = request.minor_block_hash_list;
        const list = self.answer
          ? await self.answer(hashes)
          : hashes.map((h) => self.blocks.get(hex(h))).filter((b): b is MinorBlock => !!b);
        return { minor_block_list: list } satisfies ResponseOf<P2POpDefs, "GET_MINOR_BLOCK_LIST_REQUEST">;
      }) as PeerRpc["call"],
      send: ((op: string, message: unknown) => void self.sent.push({ op, message })) as PeerRpc["send"],
      close: (reason: string) => {
        self.closed = true;
        self.closeReason = reason;
      },
    };
  }
}

/** A SlaveContext recording what the backend asks of the master, peers and siblings. */
export class TestContext implements SlaveContext {
  readonly headers: AddMinorBlockHeaderRequest[] = [];
  readonly headerLists: AddMinorBlockHeaderListRequest[] = [];
  readonly xshard: AddXshardTxListRequest[][] = [];
  readonly xshardBatches: Array<{ shard: number; requests: AddXshardTxListRequest[] }> = [];
  readonly peerList: FakePeer[] = [];
  /** error_code the master answers (default 0). */
  masterError = 0;
  /** What the siblings fail with. */
  xshardFailures: XshardFailure[] = [];

  addPeer(peer: FakePeer): FakePeer {
    this.peerList.push(peer);
    return peer;
  }

  addMinorBlockHeader: SlaveContext["addMinorBlockHeader"] = async (req) => {
    this.headers.push(req);
    return {
      error_code: this.masterError,
      artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 3 },
    };
  };
  addMinorBlockHeaderList: SlaveContext["addMinorBlockHeaderList"] = async (req) => {
    this.headerLists.push(req);
    return { error_code: this.masterError };
  };
  peer(clusterPeerId: bigint): PeerRpc | undefined {
    return this.peerList.find((p) => p.clusterPeerId === clusterPeerId)?.rpc;
  }
  peers(): Array<{ clusterPeerId: bigint; rpc: PeerRpc }> {
    return this.peerList.map((p) => ({ clusterPeerId: p.clusterPeerId, rpc: p.rpc }));
  }
  async sendXshardTxLists(requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]> {
    this.xshard.push([...requests]);
    return this.xshardFailures;
  }
  async sendXshardTxListBatch(shard: number, requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]> {
    this.xshardBatches.push({ shard, requests: [...requests] });
    return this.xshardFailures;
  }
}

/** The minimal SlaveContext of the cluster layer before the peer/xshard members. */
export function masterOnlyContext(): SlaveContext & { headers: AddMinorBlockHeaderRequest[] } {
  const headers: AddMinorBlockHeaderRequest[] = [];
  return {
    headers,
    addMinorBlockHeader: async (req) => {
      headers.push(req);
      return { error_code: 0, artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 3 } };
    },
    addMinorBlockHeaderList: async () => ({ error_code: 0 }),
  };
}
