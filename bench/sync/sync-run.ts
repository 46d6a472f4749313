/**
 * One peer-triggered sync, timed: the bench is the slave's master and, through the master's
 * forwarded peer traffic, the peer too (as test/backend/peer-sync-*.test.ts play it). PING with
 * the genesis root block, the chain's root blocks, CREATE_CLUSTER_PEER_CONNECTION, then the
 * peer announces its tip (NEW_MINOR_BLOCK_HEADER_LIST) and answers the slave's
 * GET_MINOR_BLOCK_HEADER_LIST / GET_MINOR_BLOCK_LIST requests with the chain's own peer
 * handlers. The sync is done when the slave reports the tip's header to its master
 * (ADD_MINOR_BLOCK_HEADER, as add_block does for every block it adds).
 */
import { performance } from "node:perf_hooks";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import { decode } from "../../src/codec/index.ts";
import {
  AddMinorBlockHeaderRequest,
  AddRootBlockRequest,
  ClusterOp,
  CreateClusterPeerConnectionRequest,
} from "../../src/messages/cluster.ts";
import type { MinorBlock } from "../../src/messages/core.ts";
import { NewMinorBlockHeaderListCommand, p2pOps } from "../../src/messages/p2p.ts";
import { BenchConn, MASTER_CONNECT_RETRY_MS, type RawFrame, sample } from "../load/conn.ts";
import { cpuSeconds } from "../load/proc.ts";
import type { Target } from "../load/targets.ts";
import type { ExecChain } from "../exec/chain.ts";
import { pingAsMaster } from "../exec/drive.ts";

/** The cluster_peer_id the bench's peer has. */
const PEER = 7;
/** How long the sync may go without a block added before the run fails. */
const STALL_MS = 120_000;

export interface SyncTimed {
  blocks: number;
  txs: number;
  /** Wall time from the announcement to the tip's header report. */
  ms: number;
  /** The slave process's CPU time (user + system) meanwhile. */
  cpuMs: number;
  /** The bench's own CPU time answering the peer's requests (in the wall time, not in cpuMs). */
  peerMs: number;
  /** The requests the slave sent the peer, by op name. */
  requests: Map<string, number>;
}

export async function syncRun(
  target: Target,
  chain: ExecChain,
  shard: number,
  progress?: (blocks: number) => void,
): Promise<SyncTimed> {
  const conn = await BenchConn.connect(target.port, "master", MASTER_CONNECT_RETRY_MS);
  try {
    await pingAsMaster(conn, target, chain);
    for (const step of chain.steps) {
      if (step.kind !== "root") continue;
      await sample(conn, "cluster", ClusterOp.ADD_ROOT_BLOCK_REQUEST, AddRootBlockRequest, {
        root_block: step.root,
        expect_switch: false,
      });
    }
    await sample(
      conn,
      "cluster",
      ClusterOp.CREATE_CLUSTER_PEER_CONNECTION_REQUEST,
      CreateClusterPeerConnectionRequest,
      {
        cluster_peer_id: BigInt(PEER),
      },
    );
    return await timedSync(conn, target, chain, shard, progress);
  } finally {
    conn.close();
  }
}

async function timedSync(
  conn: BenchConn,
  target: Target,
  chain: ExecChain,
  shard: number,
  progress?: (blocks: number) => void,
): Promise<SyncTimed> {
  const tip: MinorBlock = chain.tip(shard);
  const tipHash = Buffer.from(minorBlockHash(tip.header)).toString("hex");
  const blocks = Number(tip.header.height);
  const txs = chain.steps.reduce(
    (n, s) => n + (s.kind === "block" && s.shard === shard ? s.block.tx_list.length : 0),
    0,
  );
  const requests = new Map<string, number>();
  let peerMs = 0;
  let added = 0;
  let lastAdded = performance.now();
  const ref = { clusterPeerId: BigInt(PEER), fullShardId: shard };

  conn.onPeerFrame = (f: RawFrame) => {
    const entry = p2pOps.byOp(f.op);
    if (!entry || entry.kind !== "request") return; // the slave's own tips and gossip: not asked of the bench
    requests.set(entry.name, (requests.get(entry.name) ?? 0) + 1);
    const t0 = performance.now();
    const handler = (chain.peer as unknown as Record<string, (r: typeof ref, m: unknown) => Promise<unknown>>)[
      entry.name
    ];
    if (!handler) throw new Error(`${target.name} asked the peer for ${entry.name}`);
    void handler(ref, decode(entry.message, f.payload)).then((answer) => {
      const response = p2pOps.byOp(entry.responseOp!)!;
      conn.socket.write(conn.frame(response.op, response.message, answer, { branch: f.branch, peer: PEER }, f.rpcId));
      peerMs += performance.now() - t0;
    });
  };

  const done = new Promise<void>((resolve, reject) => {
    const stall = setInterval(() => {
      if (performance.now() - lastAdded > STALL_MS) {
        clearInterval(stall);
        reject(new Error(`${target.name}: no block added for ${STALL_MS / 1000} s (${added} of ${blocks})`));
      }
    }, 1000);
    conn.socket.once("close", () => {
      clearInterval(stall);
      reject(new Error(`${target.name} closed the master link after ${added} of ${blocks} blocks`));
    });
    conn.onHeaderReport = (f: RawFrame) => {
      const req = decode(AddMinorBlockHeaderRequest, f.payload);
      if (req.minor_block_header.branch.value !== shard) return;
      added++;
      lastAdded = performance.now();
      if (added % 50 === 0) progress?.(added);
      if (Buffer.from(minorBlockHash(req.minor_block_header)).toString("hex") === tipHash) {
        clearInterval(stall);
        resolve();
      }
    };
  });

  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  const announce = p2pOps.byName("NEW_MINOR_BLOCK_HEADER_LIST")!;
  conn.socket.write(
    conn.frame(
      announce.op,
      NewMinorBlockHeaderListCommand,
      { root_block_header: chain.rootTip, minor_block_header_list: [tip.header] },
      { branch: shard, peer: PEER },
      0,
    ),
  );
  await done;
  const ms = performance.now() - t0;
  const cpu1 = cpuSeconds(target.pid);
  if (added !== blocks) throw new Error(`${target.name}: ${added} blocks reported, ${blocks} expected`);
  const cpuMs = cpu0 === undefined || cpu1 === undefined ? NaN : (cpu1 - cpu0) * 1000;
  return { blocks, txs, ms, cpuMs, peerMs, requests };
}
