/**
 * One slave under load (the main workloads): the master's handshake, the forwarded peer
 * cluster, and the sibling links once a workload needs them.
 */
import { genesisRootBlock, minorBlockHash } from "../../src/backend/genesis.ts";
import { decode } from "../../src/codec/index.ts";
import { configForShards } from "../../src/config/quarkchain-config.ts";
import {
  ClusterOp,
  CreateClusterPeerConnectionRequest,
  GetMinorBlockRequest,
  type GetMinorBlockResponse,
  Ping,
  clusterOps,
} from "../../src/messages/cluster.ts";
import { BenchConn, MASTER_CONNECT_RETRY_MS, type Meta, sample } from "./conn.ts";
import { SHARDS, SLAVE_ID, type Target } from "./targets.ts";

export const PEER_ID = 7; // the forwarded p2p traffic's cluster_peer_id
export const P2P_BRANCH = SHARDS[1]!; // 0x00010001
export const SIBLINGS = 3;
/** Where forwarded p2p frames go: the peer cluster's PeerConn for the branch. */
export const p2p: Meta = { branch: P2P_BRANCH, peer: PEER_ID };

export const getBlock = (): Parameters<typeof GetMinorBlockRequest.write>[1] => ({
  branch: { value: P2P_BRANCH },
  minor_block_hash: new Uint8Array(32),
  height: 0n,
  need_extra_info: false,
});

export class Session {
  siblings: BenchConn[] = [];
  genesisHash: Uint8Array = new Uint8Array(32);

  constructor(
    readonly target: Target,
    readonly master: BenchConn,
  ) {}

  async siblingLinks(): Promise<BenchConn[]> {
    while (this.siblings.length < SIBLINGS) {
      const c = await BenchConn.connect(this.target.port, "slave");
      const i = this.siblings.length + 1;
      const pong = await c.call(
        ClusterOp.PING,
        Ping,
        { id: Buffer.from(`X${i}`), full_shard_id_list: [SHARDS[0]!], root_tip: null },
        ClusterOp.PONG,
      );
      decode(clusterOps.byOp(ClusterOp.PONG)!.message, pong.payload);
      this.siblings.push(c);
    }
    return this.siblings;
  }
}

export async function openSession(target: Target): Promise<Session> {
  const master = await BenchConn.connect(target.port, "master", MASTER_CONNECT_RETRY_MS);
  const s = new Session(target, master);
  // pyquarkchain's master handshake: PING with the root tip creates the shards at genesis
  // (the slave reports each genesis header first), then one peer cluster connects.
  const root = genesisRootBlock(configForShards(2, 1));
  const pong = await sample(master, "cluster", ClusterOp.PING, Ping, {
    id: new Uint8Array(0),
    full_shard_id_list: [],
    root_tip: root,
  });
  const id = Buffer.from((pong.value as { id: Uint8Array }).id).toString("latin1");
  if (id !== SLAVE_ID) throw new Error(`${target.name}: PONG id ${id}`);
  await sample(
    master,
    "cluster",
    ClusterOp.CREATE_CLUSTER_PEER_CONNECTION_REQUEST,
    CreateClusterPeerConnectionRequest,
    { cluster_peer_id: BigInt(PEER_ID) },
  );
  const block = await sample(master, "cluster", ClusterOp.GET_MINOR_BLOCK_REQUEST, GetMinorBlockRequest, getBlock());
  s.genesisHash = minorBlockHash((block.value as ReturnType<typeof GetMinorBlockResponse.zero>).minor_block.header);
  return s;
}

export async function closeSession(s: Session): Promise<void> {
  for (const c of s.siblings) c.destroy();
  s.master.close(); // a slave stops when its master link closes; stop() waits, then signals
  await s.target.stop(2000);
}
