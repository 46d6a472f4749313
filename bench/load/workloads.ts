/**
 * What the main runs send: one RPC at a window, forwarded p2p RPCs, the NEW_TRANSACTION_LIST
 * stream with its barrier, and sibling xshard lists. Each is prepared on a Session after one
 * decoded call that checks the answer.
 */
import type { Codec } from "../../src/codec/index.ts";
import {
  AddXshardTxListRequest,
  ClusterOp,
  GetEcoInfoListRequest,
  GetMinorBlockRequest,
  clusterOps,
} from "../../src/messages/cluster.ts";
import {
  GetMinorBlockHeaderListWithSkipRequest,
  GetMinorBlockListRequest,
  NewTransactionListCommand,
  p2pOps,
} from "../../src/messages/p2p.ts";
import { realisticDeposit, realisticTransaction } from "../samples.ts";
import { type BenchConn, type LoadSpec, type Meta, ROOT, sample } from "./conn.ts";
import { onlyWorkloads } from "./knobs.ts";
import { P2P_BRANCH, SIBLINGS, type Session, getBlock, p2p } from "./session.ts";

export const TX_PER_LIST = 100;
export const LISTS_PER_UNIT = 16; // NEW_TRANSACTION_LIST frames per barrier RPC
export const BLOCKS_PER_LIST = 100; // GET_MINOR_BLOCK_LIST: hashes asked (all the genesis block)
const DEPOSITS_PER_LIST = 20;

export type Links = Array<{ conn: BenchConn; spec: LoadSpec }>;

export interface Workload {
  key: string;
  label: string;
  /** Counted per unit: 1 for RPCs, LISTS_PER_UNIT for the command stream. */
  framesPerUnit: number;
  window: number;
  /** Builds the unit on each link it drives (after one decoded call that checks the answer). */
  prepare(s: Session): Promise<Links>;
}

/** One RPC, at each window: keys `${name}${window}` (eco1, eco64, ...). */
function rpcWorkloads<T>(
  name: string,
  label: string,
  windows: readonly number[],
  family: "cluster" | "p2p",
  op: number,
  codec: Codec<T>,
  msg: (s: Session) => T,
  meta: Meta = ROOT,
): Workload[] {
  return windows.map((window) => rpcWorkload(`${name}${window}`, label, window, family, op, codec, msg, meta));
}

function rpcWorkload<T>(
  key: string,
  label: string,
  window: number,
  family: "cluster" | "p2p",
  op: number,
  codec: Codec<T>,
  msg: (s: Session) => T,
  meta: Meta,
): Workload {
  return {
    key,
    label,
    framesPerUnit: 1,
    window,
    async prepare(s) {
      const m = msg(s);
      const { payloadBytes, errorCode } = await sample(s.master, family, op, codec, m, meta);
      const table = family === "cluster" ? clusterOps : p2pOps;
      const unit = s.master.frame(op, codec, m, meta);
      const spec = {
        unit,
        rpcIdAt: s.master.rpcIdAt,
        responseOp: table.byOp(op)!.responseOp!,
        window,
        errorCode,
        payloadBytes,
      };
      return [{ conn: s.master, spec }];
    },
  };
}

const skipRequest = {
  type: 1, // data is a height: 0, the genesis block
  data: new Uint8Array(32),
  branch: { value: P2P_BRANCH },
  limit: 1,
  skip: 0,
  direction: 0,
};
const txList = { transaction_list: Array.from({ length: TX_PER_LIST }, (_, i) => realisticTransaction(i)) };
const xshardList = {
  branch: { value: P2P_BRANCH },
  minor_block_hash: new Uint8Array(32).fill(0xab), // the same source block each time: the store stays flat
  tx_list: { tx_list: Array.from({ length: DEPOSITS_PER_LIST }, realisticDeposit), version: 1 },
};

export const W = 64;
export const allWorkloads: Workload[] = [
  ...rpcWorkloads(
    "eco",
    "GET_ECO_INFO_LIST (master RPC)",
    [1, W],
    "cluster",
    ClusterOp.GET_ECO_INFO_LIST_REQUEST,
    GetEcoInfoListRequest,
    () => ({}),
  ),
  ...rpcWorkloads(
    "blk",
    "GET_MINOR_BLOCK height 0 (master RPC)",
    [1, W],
    "cluster",
    ClusterOp.GET_MINOR_BLOCK_REQUEST,
    GetMinorBlockRequest,
    getBlock,
  ),
  ...rpcWorkloads(
    "skip",
    "p2p GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP",
    [W],
    "p2p",
    p2pOps.codes.GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST,
    GetMinorBlockHeaderListWithSkipRequest,
    () => skipRequest,
    p2p,
  ),
  ...rpcWorkloads(
    "list",
    `p2p GET_MINOR_BLOCK_LIST x${BLOCKS_PER_LIST}`,
    [1, W],
    "p2p",
    p2pOps.codes.GET_MINOR_BLOCK_LIST_REQUEST,
    GetMinorBlockListRequest,
    (s) => ({ minor_block_hash_list: Array(BLOCKS_PER_LIST).fill(s.genesisHash) }),
    p2p,
  ),
  {
    key: "txlist",
    label: `p2p NEW_TRANSACTION_LIST (${TX_PER_LIST} txs) frames`,
    framesPerUnit: LISTS_PER_UNIT,
    window: W / LISTS_PER_UNIT,
    async prepare(s) {
      // A unit: 16 forwarded lists (commands, no answer), then a forwarded RPC on the same
      // PeerConn whose answer says the lists before it were handled.
      const op = p2pOps.codes.GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST;
      const { payloadBytes } = await sample(
        s.master,
        "p2p",
        op,
        GetMinorBlockHeaderListWithSkipRequest,
        skipRequest,
        p2p,
      );
      const list = s.master.frame(p2pOps.codes.NEW_TRANSACTION_LIST, NewTransactionListCommand, txList, p2p, 0);
      const barrier = s.master.frame(op, GetMinorBlockHeaderListWithSkipRequest, skipRequest, p2p);
      const unit = Buffer.concat([...Array<Buffer>(LISTS_PER_UNIT).fill(list), barrier]);
      const rpcIdAt = list.length * LISTS_PER_UNIT + s.master.rpcIdAt;
      const spec = { unit, rpcIdAt, responseOp: op + 1, window: W / LISTS_PER_UNIT, errorCode: false, payloadBytes };
      return [{ conn: s.master, spec }];
    },
  },
  {
    key: "xshard",
    label: `ADD_XSHARD_TX_LIST (${DEPOSITS_PER_LIST} deposits) from ${SIBLINGS} siblings`,
    framesPerUnit: 1,
    window: W,
    async prepare(s) {
      const out = [];
      for (const c of await s.siblingLinks()) {
        const op = ClusterOp.ADD_XSHARD_TX_LIST_REQUEST;
        const { payloadBytes } = await sample(c, "cluster", op, AddXshardTxListRequest, xshardList);
        const unit = c.frame(op, AddXshardTxListRequest, xshardList);
        out.push({
          conn: c,
          spec: { unit, rpcIdAt: c.rpcIdAt, responseOp: op + 1, window: W, errorCode: true, payloadBytes },
        });
      }
      return out;
    },
  },
];

/** The workloads BENCH_WORKLOADS selects (all by default). */
export const workloads = allWorkloads.filter((w) => !onlyWorkloads || onlyWorkloads.includes(w.key));
