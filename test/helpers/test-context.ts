import type { PeerRpc, SlaveContext, XshardFailure } from "../../src/backend/api.ts";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import type {
  AddMinorBlockHeaderListRequest,
  AddMinorBlockHeaderRequest,
  AddXshardTxListRequest,
} from "../../src/messages/cluster.ts";
import type { MinorBlock } from "../../src/messages/core.ts";
import type { ResponseOf } from "../../src/messages/ops.ts";
import type { P2POpDefs } from "../../src/messages/p2p.ts";

/**
 * The one fake SlaveContext of the tests: the cluster as a backend sees it, with no socket.
 * It records what the backend asks of the master, the peers and the siblings, and answers
 * as the test sets it up (no peer and no sibling failure unless added).
 */

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

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

/** A SlaveContext recording what the backend asks of the master, peers and siblings; no peer until one is added. */
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
