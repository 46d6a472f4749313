/**
 * The xshard fan-out workload's session: the slave under test serves shard 1 of a 4-chain
 * network and is the *sending* end. The bench plays the master and 3 sibling slaves (one
 * per other chain, all neighbours of shard 1): PING with the genesis root block,
 * CONNECT_TO_SLAVES listing the stand-ins (the slave dials and PINGs them), ADD_ROOT_BLOCK
 * with root block 1, then ADD_MINOR_BLOCK_REQUESTs of chained empty blocks. For each block
 * the slave sends ADD_XSHARD_TX_LIST to the 3 siblings, then ADD_MINOR_BLOCK_HEADER_REQUEST
 * to the master, then answers (PROTOCOL.md §7.9).
 */
import { AddRootBlockRequest, ClusterOp, ConnectToSlavesRequest, Ping } from "../../src/messages/cluster.ts";
import { BenchConn, MASTER_CONNECT_RETRY_MS, type UnitSource, sample } from "./conn.ts";
import { FANOUT_CHAINS, type FanoutChain, SOURCE_SHARD } from "./fanout-chain.ts";
import { SiblingStandIn } from "./sibling-stand-in.ts";
import { type Network, SLAVE_ID, type Target } from "./targets.ts";

export const FANOUT_NETWORK: Network = { chainSize: FANOUT_CHAINS, shards: [SOURCE_SHARD] };
/** Chain i's only shard, for the siblings: 0x10001, 0x20001, 0x30001. */
const SIBLING_SHARDS = Array.from({ length: FANOUT_CHAINS - 1 }, (_, i) => ((i + 1) << 16) | 1);

export class FanoutSession {
  /** The index in chain.frames of the next block to submit. */
  private nextBlock = 0;

  private constructor(
    readonly target: Target,
    readonly master: BenchConn,
    readonly siblings: SiblingStandIn[],
    readonly chain: FanoutChain,
  ) {}

  static async open(target: Target, chain: FanoutChain): Promise<FanoutSession> {
    const siblings = await Promise.all(SIBLING_SHARDS.map((shard, i) => SiblingStandIn.listen(`S${i + 1}`, shard)));
    const master = await BenchConn.connect(target.port, "master", MASTER_CONNECT_RETRY_MS);
    const s = new FanoutSession(target, master, siblings, chain);
    try {
      const pong = await sample(master, "cluster", ClusterOp.PING, Ping, {
        id: new Uint8Array(0),
        full_shard_id_list: [],
        root_tip: chain.genesisRoot,
      });
      const id = Buffer.from((pong.value as { id: Uint8Array }).id).toString("latin1");
      if (id !== SLAVE_ID) throw new Error(`${target.name}: PONG id ${id}`);
      const connected = await sample(master, "cluster", ClusterOp.CONNECT_TO_SLAVES_REQUEST, ConnectToSlavesRequest, {
        slave_info_list: siblings.map((sib) => sib.info),
      });
      const results = (connected.value as { result_list: Uint8Array[] }).result_list;
      const failed = results.map((r) => Buffer.from(r).toString("latin1")).filter((r) => r !== "");
      if (results.length !== siblings.length || failed.length)
        throw new Error(`CONNECT_TO_SLAVES: ${failed.join("; ") || `${results.length} results`}`);
      await sample(master, "cluster", ClusterOp.ADD_ROOT_BLOCK_REQUEST, AddRootBlockRequest, {
        root_block: chain.root,
        expect_switch: false,
      });
    } catch (err) {
      s.close();
      throw err;
    }
    return s;
  }

  /** The next `count` blocks (mined now if need be), as a unit source of the master link. */
  blocks(count: number): UnitSource {
    this.chain.ensure(this.nextBlock + count);
    const frames = this.chain.frames;
    const end = this.nextBlock + count;
    return { next: () => (this.nextBlock < end ? frames[this.nextBlock++] : undefined) };
  }

  /** What the siblings and the master have been sent so far. */
  delivered(): { lists: number; headers: number } {
    return {
      lists: this.siblings.reduce((n, s) => n + s.lists, 0),
      headers: this.master.slaveRequests.get(ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST)?.count ?? 0,
    };
  }

  problems(): string[] {
    return [...this.master.problems, ...this.siblings.flatMap((s) => s.problems)];
  }

  /** The answers and requests the ideal slave replays (replies.json). */
  replies(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [op, p] of this.master.samples) out[op] = p.toString("hex");
    const frames = new Map([...this.master.slaveRequests].map(([op, r]) => [op, r.frame]));
    for (const s of this.siblings) for (const [op, f] of s.firstFrames) frames.set(op, f);
    for (const [op, f] of frames) out[`frame:${op}`] = f.toString("hex");
    return out;
  }

  close(): void {
    this.master.close(); // the slave stops with its master link
    for (const s of this.siblings) s.close();
  }
}
