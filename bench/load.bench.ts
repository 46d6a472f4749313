/**
 * Load bench: a load generator written on our codec (bench/load/conn.ts) drives a running
 * slave over 127.0.0.1, one process per slave, and prints figures only (no pass/fail):
 *
 *   qkc-slave     bin/slave.ts as a child process (`node --import tsx`, default options);
 *   ideal         bench/ideal-slave.ts: answers every request with op + 1, the same rpc id and
 *                 qkc-slave's answer bytes, decoding nothing: the ceiling of client + loopback;
 *   pyquarkchain  its real SlaveServer (../shared/interop run.sh py_real_slave.py), when the
 *                 interop env is set up; then also the interop `flood` sub-command.
 *
 * Every figure is the median of BENCH_RUNS runs (default 5) of BENCH_RUN_MS (default 600 ms)
 * after one warm-up run. qkc-slave and the ideal are up side by side and their runs alternate
 * (qkc, ideal, qkc, ...): on a shared machine whose speed drifts from minute to minute, the
 * qkc/ideal ratio then compares like with like. The slave's CPU time and peak RSS come from
 * /proc per run.
 *
 * `fanout` (bench/load/fanout.ts) runs each slave again as shard 1 of a 4-chain network, the
 * sending end of the xshard fan-out: the bench plays the master and 3 sibling stand-ins, and
 * submits chained empty blocks (ADD_MINOR_BLOCK); each costs the slave 3 ADD_XSHARD_TX_LIST
 * and one ADD_MINOR_BLOCK_HEADER round trip. Blocks are used up, so those runs are bounded by
 * a block count sized from the warm-up to last about BENCH_RUN_MS, and rates are over the time
 * measured. The stand-ins count the lists: 3 per block or the bench fails.
 *
 * Knobs (environment): BENCH_RUNS, BENCH_RUN_MS; BENCH_WORKLOADS=eco1,eco64,...,fanout (keys below);
 * BENCH_TARGETS=ideal,py,flood (what runs besides qkc-slave; default all); BENCH_RSS_RPCS
 * (default 1000000, 0 skips); BENCH_SLAVE_NODE_ARGS (node options for qkc-slave, e.g. --cpu-prof).
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Codec, decode } from "../src/codec/index.ts";
import { genesisRootBlock, minorBlockHash } from "../src/backend/genesis.ts";
import { configForShards } from "../src/config/quarkchain-config.ts";
import {
  AddXshardTxListRequest,
  ClusterOp,
  CreateClusterPeerConnectionRequest,
  GetEcoInfoListRequest,
  GetMinorBlockRequest,
  GetMinorBlockResponse,
  Ping,
  clusterOps,
} from "../src/messages/cluster.ts";
import {
  GetMinorBlockHeaderListWithSkipRequest,
  GetMinorBlockListRequest,
  NewTransactionListCommand,
  p2pOps,
} from "../src/messages/p2p.ts";
import { BenchConn, type LoadSpec, MASTER_CONNECT_RETRY_MS, type Meta, ROOT, Sampler, sample } from "./load/conn.ts";
import { FanoutChain, type PyBlockOne } from "./load/fanout-chain.ts";
import { FANOUT_NETWORK, FanoutSession } from "./load/fanout.ts";
import { cpuSeconds, peakRssBytes, resetPeakRss, rssBytes } from "./load/proc.ts";
import {
  type Interop,
  REPO,
  SHARDS,
  SLAVE_ID,
  type Target,
  findInterop,
  interopEnv,
  startIdealSlave,
  startPyquarkchain,
  startQkcSlave,
} from "./load/targets.ts";
import { realisticDeposit, realisticTransaction } from "./samples.ts";

const RUN_MS = Number(process.env["BENCH_RUN_MS"] ?? 600);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const WARMUP_MS = Math.max(200, RUN_MS / 2);
const RSS_RPCS = Number(process.env["BENCH_RSS_RPCS"] ?? 1_000_000);
const PEER_ID = 7; // the forwarded p2p traffic's cluster_peer_id
const P2P_BRANCH = SHARDS[1]!; // 0x00010001
const TX_PER_LIST = 100;
const LISTS_PER_UNIT = 16; // NEW_TRANSACTION_LIST frames per barrier RPC
const BLOCKS_PER_LIST = 100; // GET_MINOR_BLOCK_LIST: hashes asked (all the genesis block)
const DEPOSITS_PER_LIST = 20;
const SIBLINGS = 3;

type Kind = "qkc" | "ideal" | "py";

interface Workload {
  key: string;
  label: string;
  /** Counted per unit: 1 for RPCs, LISTS_PER_UNIT for the command stream. */
  framesPerUnit: number;
  window: number;
  /** Builds the unit on each link it drives (after one decoded call that checks the answer). */
  prepare(s: Session): Promise<Array<{ conn: BenchConn; spec: LoadSpec }>>;
}

interface RunFigures {
  rate: number;
  /** The time the rate is over: RUN_MS, or a count-bounded run's wall time. */
  secs: number;
  p50: number;
  p99: number;
  cpu: number | undefined;
  peakRss: number | undefined;
}

type Figures = RunFigures & { runs: number };

/** One slave under load: its master link, and the sibling links once a workload needs them. */
class Session {
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

const p2p: Meta = { branch: P2P_BRANCH, peer: PEER_ID };
const getBlock = (): Parameters<typeof GetMinorBlockRequest.write>[1] => ({
  branch: { value: P2P_BRANCH },
  minor_block_hash: new Uint8Array(32),
  height: 0n,
  need_extra_info: false,
});
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

const W = 64;
const allWorkloads: Workload[] = [
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
const onlyWorkloads = process.env["BENCH_WORKLOADS"]?.split(",");
const workloads = allWorkloads.filter((w) => !onlyWorkloads || onlyWorkloads.includes(w.key));
const fanoutSelected = !onlyWorkloads || onlyWorkloads.includes("fanout");
const FANOUT_WINDOWS = [1, W];
const FANOUT_WARMUP_BLOCKS = 200;
const targets = new Set((process.env["BENCH_TARGETS"] ?? "ideal,py,flood").split(","));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function percentile(lat: Float64Array, q: number): number {
  if (lat.length === 0) return NaN;
  const sorted = Float64Array.from(lat).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** One run: for `durationMs`, or of `units` units (then over its wall time). */
async function runOnce(
  target: Target,
  links: Array<{ conn: BenchConn; spec: LoadSpec }>,
  w: Pick<Workload, "key" | "framesPerUnit">,
  bound: { durationMs: number } | { units: number },
): Promise<RunFigures> {
  const sampler = new Sampler("units" in bound ? bound.units : Math.ceil((bound.durationMs / 1000) * 1_000_000));
  const cpu0 = cpuSeconds(target.pid);
  const peakOk = resetPeakRss(target.pid);
  const t0 = performance.now();
  await Promise.all(links.map(({ conn, spec }) => conn.load(spec, sampler, bound)));
  const wall = performance.now() - t0;
  const cpu1 = cpuSeconds(target.pid);
  if (sampler.errors.length) throw new Error(`${target.name} ${w.key}: ${sampler.errors.join("; ")}`);
  const lat = sampler.latencies.subarray(0, sampler.n);
  const secs = "units" in bound ? wall / 1000 : bound.durationMs / 1000;
  return {
    secs,
    rate: (sampler.completed * w.framesPerUnit) / secs,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    peakRss: peakOk ? peakRssBytes(target.pid) : undefined,
  };
}

type Links = Array<{ conn: BenchConn; spec: LoadSpec }>;

/** One slave's session with every workload prepared on it (the samples it answered recorded). */
interface Contender {
  kind: Kind;
  s: Session;
  links: Map<string, Links>;
}

async function prepareAll(kind: Kind, s: Session): Promise<Contender> {
  const links = new Map<string, Links>();
  for (const w of workloads) links.set(w.key, await w.prepare(s));
  return { kind, s, links };
}

/**
 * Each workload on every contender, their runs interleaved (a run of one, then of the next,
 * RUNS times): a busier moment of the machine falls on all of them alike, so the ratio of
 * their medians means more than the ratio of runs minutes apart. A contender other than the
 * first that fails is dropped with a note; the first one's failure is the bench's.
 */
async function measureInterleaved(contenders: Contender[], results: Map<Kind, Map<string, Figures>>, notes: string[]) {
  process.stdout.write(`  ${contenders.map(({ s }) => `${s.target.name} (pid ${s.target.pid})`).join(", ")}:`);
  let live = contenders;
  const attempt = async <T>(c: Contender, what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (c === contenders[0]) throw err;
      notes.push(
        `${c.s.target.name}: dropped at ${what} (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
      );
      live = live.filter((x) => x !== c);
      return undefined;
    }
  };
  for (const w of workloads) {
    const runs = new Map<Contender, RunFigures[]>(live.map((c) => [c, []]));
    for (const c of live)
      await attempt(c, w.key, () => runOnce(c.s.target, c.links.get(w.key)!, w, { durationMs: WARMUP_MS }));
    for (let i = 0; i < RUNS; i++) {
      for (const c of live) {
        const r = await attempt(c, w.key, () => runOnce(c.s.target, c.links.get(w.key)!, w, { durationMs: RUN_MS }));
        if (r) runs.get(c)!.push(r);
      }
    }
    for (const c of live) figuresOf(c.kind, results).set(w.key, medians(runs.get(c)!));
    process.stdout.write(` ${w.key}`);
  }
  process.stdout.write("\n");
}

function medians(runs: RunFigures[]): Figures {
  const med = (f: (r: RunFigures) => number | undefined): number | undefined => {
    const xs = runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return {
    rate: med((r) => r.rate)!,
    secs: med((r) => r.secs)!,
    p50: med((r) => r.p50)!,
    p99: med((r) => r.p99)!,
    cpu: med((r) => r.cpu),
    peakRss: med((r) => r.peakRss),
    runs: runs.length,
  };
}

async function openSession(target: Target): Promise<Session> {
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

async function closeSession(s: Session): Promise<void> {
  for (const c of s.siblings) c.destroy();
  s.master.close(); // a slave stops when its master link closes; stop() waits, then signals
  await s.target.stop(2000);
}

// ---------------------------------------------------------------- printing

const fmtRate = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x)
    ? "-"
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k`
        : x.toFixed(0);
const fmtMs = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? "-" : x < 10 ? x.toFixed(3) : x.toFixed(1);
const fmtMb = (x: number | undefined): string => (x === undefined ? "-" : (x / 1e6).toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !b ? "-" : `${(a / b).toFixed(1)}×`;
const pct = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !b ? "-" : `${((100 * a) / b).toFixed(0)}%`;

/** CPU µs per unit, and the busy share of one core, over the run's own time. */
const per = (f: Figures | undefined): number | undefined =>
  f?.cpu === undefined ? undefined : (f.cpu / (f.rate * f.secs)) * 1e6;
const core = (f: Figures | undefined): string =>
  f?.cpu === undefined ? "-" : `${((100 * f.cpu) / f.secs).toFixed(0)}%`;
const us = (x: number | undefined): string => (x === undefined ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(" ");
}

function printTables(results: Map<Kind, Map<string, Figures>>): void {
  const get = (k: Kind, w: string): Figures | undefined => results.get(k)?.get(w);
  const label = (w: Workload): string =>
    `${w.label}, ${w.key === "txlist" ? `${w.window * w.framesPerUnit} frames` : `${w.window}${w.key === "xshard" ? "/link" : ""}`} in flight`;
  const LW = 66;
  console.log(
    `\nThroughput: round trips/s (frames/s for NEW_TRANSACTION_LIST), median of ${RUNS} runs of ${RUN_MS} ms (qkc-slave and ideal runs alternating)`,
  );
  const tw = [LW, 10, 10, 12, 10, 9];
  console.log(row(["workload", "qkc-slave", "ideal", "pyquarkchain", "qkc/ideal", "qkc/py"], tw));
  for (const w of workloads) {
    const q = get("qkc", w.key)?.rate;
    const i = get("ideal", w.key)?.rate;
    const p = get("py", w.key)?.rate;
    console.log(row([label(w), fmtRate(q), fmtRate(i), fmtRate(p), pct(q, i), ratio(q, p)], tw));
  }
  console.log(`\nLatency p50 / p99, ms (NEW_TRANSACTION_LIST: one unit of ${LISTS_PER_UNIT} lists + its barrier RPC)`);
  const lw = [LW, 17, 17, 17];
  console.log(row(["workload", "qkc-slave", "ideal", "pyquarkchain"], lw));
  const lat = (f: Figures | undefined): string => (f ? `${fmtMs(f.p50)} / ${fmtMs(f.p99)}` : "-");
  for (const w of workloads)
    console.log(row([label(w), lat(get("qkc", w.key)), lat(get("ideal", w.key)), lat(get("py", w.key))], lw));

  console.log(
    `\nThe slave process during each run (from /proc): CPU µs per round trip (per frame for NEW_TRANSACTION_LIST),` +
      ` busy share of one core, peak RSS in MB`,
  );
  const rw = [LW, 9, 5, 7, 9, 5, 9, 5, 7, 9];
  console.log(row(["", "qkc-slave", "", "", "ideal", "", "pyquarkchain", "", "", "py/qkc"], rw));
  console.log(row(["workload", "µs/op", "core", "RSS", "µs/op", "core", "µs/op", "core", "RSS", "CPU/op"], rw));
  for (const w of workloads) {
    const q = get("qkc", w.key);
    const i = get("ideal", w.key);
    const p = get("py", w.key);
    const cells = [label(w), us(per(q)), core(q), fmtMb(q?.peakRss), us(per(i)), core(i)];
    cells.push(us(per(p)), core(p), fmtMb(p?.peakRss), ratio(per(p), per(q)));
    console.log(row(cells, rw));
  }
}

function printFanout(results: Map<Kind, Map<string, Figures>>): void {
  console.log(
    `\nxshard fan-out: blocks/s, xshard lists delivered/s (${SIBLINGS} per block, counted by the stand-ins), ` +
      `latency per block, the slave's CPU per block; median of ${RUNS} count-bounded runs`,
  );
  const fw = [26, 10, 10, 17, 9, 5, 7];
  console.log(
    row(["blocks in flight, slave", "blocks/s", "lists/s", "p50 / p99 ms", "µs/block", "core", "RSS MB"], fw),
  );
  const names: Array<[Kind, string]> = [
    ["qkc", "qkc-slave"],
    ["ideal", "ideal"],
    ["py", "pyquarkchain"],
  ];
  for (const window of FANOUT_WINDOWS) {
    const get = (k: Kind): Figures | undefined => results.get(k)?.get(`fanout${window}`);
    for (const [kind, name] of names) {
      const f = get(kind);
      const lat = f ? `${fmtMs(f.p50)} / ${fmtMs(f.p99)}` : "-";
      const cells = [`${window}, ${name}`, fmtRate(f?.rate), fmtRate(f && f.rate * SIBLINGS), lat];
      console.log(row([...cells, us(per(f)), core(f), fmtMb(f?.peakRss)], fw));
    }
    const [q, i, p] = names.map(([k]) => get(k));
    console.log(
      `  ${window} in flight: qkc/ideal ${pct(q?.rate, i?.rate)}, qkc/py ${ratio(q?.rate, p?.rate)} (blocks/s), ` +
        `py/qkc CPU per block ${ratio(per(p), per(q))}`,
    );
  }
}

// ---------------------------------------------------------------- main

/** The figures of one kind of slave, kept across the slave processes it is measured on. */
function figuresOf(kind: Kind, results: Map<Kind, Map<string, Figures>>): Map<string, Figures> {
  let mine = results.get(kind);
  if (!mine) results.set(kind, (mine = new Map()));
  return mine;
}

/** Every workload on one slave of its own (pyquarkchain: far slower, it is not interleaved). */
async function benchTarget(
  kind: Kind,
  target: Target,
  results: Map<Kind, Map<string, Figures>>,
  notes: string[],
): Promise<Session> {
  const s = await openSession(target);
  await measureInterleaved([await prepareAll(kind, s)], results, notes);
  return s;
}

/**
 * The xshard fan-out on a fresh slave of the 4-chain network, at each window: count-bounded
 * runs sized from the warm-up, each checked against what the siblings and the master got.
 */
async function benchFanout(
  kind: Kind,
  target: Target,
  chain: FanoutChain,
  results: Map<Kind, Map<string, Figures>>,
): Promise<FanoutSession> {
  const s = await FanoutSession.open(target, chain);
  const mine = figuresOf(kind, results);
  process.stdout.write(`  ${target.name} as shard 1 of ${FANOUT_NETWORK.chainSize} chains (pid ${target.pid}):`);
  try {
    for (const window of FANOUT_WINDOWS) {
      const w = { key: `fanout${window}`, framesPerUnit: 1 };
      const run = async (units: number): Promise<RunFigures> => {
        const before = s.delivered();
        const spec: LoadSpec = {
          unit: s.blocks(units), // mined now if need be, before the run's clock starts
          rpcIdAt: s.master.rpcIdAt,
          responseOp: ClusterOp.ADD_MINOR_BLOCK_RESPONSE,
          window,
          errorCode: true,
          payloadBytes: 4, // AddMinorBlockResponse: error_code
        };
        const figures = await runOnce(target, [{ conn: s.master, spec }], w, { units });
        const after = s.delivered();
        const lists = after.lists - before.lists;
        const headers = after.headers - before.headers;
        const problems = s.problems();
        if (lists !== SIBLINGS * units || headers !== units || problems.length > 0)
          throw new Error(
            `${target.name} ${w.key}: ${units} blocks answered, but the siblings got ${lists} xshard lists ` +
              `and the master ${headers} headers (want ${SIBLINGS * units} and ${units}) ${problems.join("; ")}`,
          );
        return figures;
      };
      const warm = await run(Math.max(FANOUT_WARMUP_BLOCKS, 4 * window));
      const units = Math.max(4 * window, Math.round((warm.rate * RUN_MS) / 1000));
      const runs: RunFigures[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await run(units));
      mine.set(w.key, medians(runs));
      process.stdout.write(` ${w.key} (${units} blocks a run)`);
    }
  } finally {
    process.stdout.write("\n");
  }
  return s;
}

/** Block 1 of the fan-out chain from pyquarkchain (fanout-block1.py through the interop env). */
function pyBlockOne(interop: Interop): PyBlockOne {
  const script = join(REPO, "bench", "load", "fanout-block1.py");
  return (req) => {
    const out = execFileSync("bash", [interop.runSh, script], {
      input: JSON.stringify(req),
      env: interopEnv(interop),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"],
    });
    return JSON.parse(out) as ReturnType<PyBlockOne>;
  };
}

/** RSS of qkc-slave across RSS_RPCS GET_ECO_INFO_LIST round trips at 64 in flight. */
async function rssAfterMillion(s: Session): Promise<string[]> {
  const links = await allWorkloads.find((w) => w.key === "eco64")!.prepare(s);
  const steps = 5;
  const pid = s.target.pid;
  const before = rssBytes(pid);
  const points: string[] = [`0: ${fmtMb(before)}`];
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const sampler = new Sampler(0);
    await Promise.all(links.map(({ conn, spec }) => conn.load(spec, sampler, { units: RSS_RPCS / steps })));
    if (sampler.errors.length) throw new Error(`rss run: ${sampler.errors.join("; ")}`);
    points.push(`${fmtRate((RSS_RPCS * i) / steps)}: ${fmtMb(rssBytes(pid))}`);
  }
  const secs = (performance.now() - t0) / 1000;
  return [
    `\nqkc-slave RSS (MB) across ${fmtRate(RSS_RPCS)} GET_ECO_INFO_LIST round trips, 64 in flight (${secs.toFixed(1)} s, ${fmtRate(RSS_RPCS / secs)}/s):`,
    `  ${points.join("   ")}   peak ${fmtMb(peakRssBytes(pid))}`,
  ];
}

interface FloodResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** pyquarkchain's own client: the interop `flood` sub-command (py_master.py), one session per slave. */
function flood(interop: Interop, port: number): Promise<FloodResult[]> {
  const steps = [
    ["flood", { count: 5000, window: 1 }],
    ["flood", { count: 20000, window: 64 }],
  ];
  const args = [
    interop.runSh,
    "py_master.py",
    "--timeout",
    "120",
    "--port",
    String(port),
    "--id",
    SLAVE_ID,
    "--shards",
    SHARDS.join(","),
    "--init",
    "ping-root",
    "--close",
    "session",
    "--steps",
    JSON.stringify(steps),
  ];
  return new Promise((resolve, reject) => {
    execFile("bash", args, { env: interopEnv(interop), maxBuffer: 64 << 20 }, (err, stdout) => {
      const results = stdout
        .split("\n")
        .filter((l) => l.includes('"flood_result"'))
        .map((l) => JSON.parse(l) as FloodResult);
      if (err || results.length !== steps.length)
        reject(new Error(`flood failed: ${err?.message ?? ""}\n${stdout.slice(-1500)}`));
      else resolve(results);
    });
  });
}

/** Runs `fn` on a freshly started slave and always stops it; a failure becomes a note, not a crash. */
async function withTarget<T>(
  start: () => Promise<Target>,
  fn: (t: Target) => Promise<T>,
  notes: string[],
  what: string,
): Promise<T | undefined> {
  let target: Target | undefined;
  try {
    target = await start();
    return await fn(target);
  } catch (err) {
    notes.push(`${what}: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    return undefined;
  } finally {
    await target?.stop(2000);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `qkc-slave load bench — node ${process.version}, ${RUNS} runs of ${RUN_MS} ms per figure (+ ${WARMUP_MS} ms warm-up), 127.0.0.1`,
  );
  if (workloads.length > 0)
    console.log(
      `  Master RPCs on the master link (cluster_peer_id 0); p2p frames forwarded as the master does (branch 0x${P2P_BRANCH.toString(16)}, ` +
        `cluster_peer_id ${PEER_ID}) to the slave's PeerConn;\n  xshard lists sent to the slave by ${SIBLINGS} dialing siblings ` +
        `(the slave as the receiving end of the fan-out). The backend (in memory) has genesis blocks only:\n  GET_MINOR_BLOCK asks height 0 ` +
        `(a ~700-byte block); the block-sized answer is GET_MINOR_BLOCK_LIST of ${BLOCKS_PER_LIST} x the genesis block.`,
    );
  if (fanoutSelected)
    console.log(
      `  fanout: the slave as the sending end, shard 1 of ${FANOUT_NETWORK.chainSize} chains x 1 shard; the bench is its master and ` +
        `${SIBLINGS} sibling stand-ins (one per other chain)
  and submits chained empty blocks (ADD_MINOR_BLOCK on root block 1); ` +
        `per block the slave sends ADD_XSHARD_TX_LIST to each sibling,
  then ADD_MINOR_BLOCK_HEADER to the master, then answers.`,
    );
  const interop = findInterop();
  const results = new Map<Kind, Map<string, Figures>>();
  const notes: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "qkc-bench-"));
  try {
    console.log("\nRunning:");
    let chain: FanoutChain | undefined;
    if (fanoutSelected) {
      const usePy = typeof interop !== "string" && targets.has("py");
      chain = await FanoutChain.create(usePy ? pyBlockOne(interop) : undefined).catch(async (err: unknown) => {
        notes.push(`fanout: block 1 from pyquarkchain failed (${String(err).split("\n")[0]}): ours, qkc-slave only`);
        return FanoutChain.create();
      });
    }
    const fanoutReplies = join(tmp, "fanout-replies.json");
    let rssLines: string[] = [];
    if (workloads.length > 0 || RSS_RPCS > 0) {
      // qkc-slave and the ideal side by side, their runs interleaved; qkc-slave's failure is the bench's.
      const qkc = await startQkcSlave();
      let ideal: Target | undefined;
      try {
        const qs = await openSession(qkc);
        const contenders = [await prepareAll("qkc", qs)];
        if (targets.has("ideal") && workloads.length > 0) {
          // The ideal replays qkc-slave's answers (the same bytes on the wire, no work), as recorded by its preparation.
          const replies: Record<string, string> = {};
          for (const c of [qs.master, ...qs.siblings]) for (const [op, p] of c.samples) replies[op] = p.toString("hex");
          const repliesFile = join(tmp, "replies.json");
          writeFileSync(repliesFile, JSON.stringify(replies));
          try {
            ideal = await startIdealSlave(repliesFile);
            contenders.push(await prepareAll("ideal", await openSession(ideal)));
          } catch (err) {
            notes.push(`ideal: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
          }
        }
        await measureInterleaved(contenders, results, notes);
        if (RSS_RPCS > 0) rssLines = await rssAfterMillion(qs);
        for (const c of contenders) await closeSession(c.s);
      } finally {
        await ideal?.stop(2000);
        await qkc.stop(2000);
      }
    }
    if (chain) {
      const qkc = await startQkcSlave(FANOUT_NETWORK);
      try {
        const fs = await benchFanout("qkc", qkc, chain, results);
        writeFileSync(fanoutReplies, JSON.stringify(fs.replies()));
        fs.close();
      } finally {
        await qkc.stop(2000);
      }
    }
    if (targets.has("ideal") && chain) {
      const fan = async (t: Target): Promise<void> => (await benchFanout("ideal", t, chain, results)).close();
      await withTarget(() => startIdealSlave(fanoutReplies), fan, notes, "ideal fanout");
    }
    let floods: { qkc: FloodResult[]; py: FloodResult[] } | undefined;
    if (typeof interop === "string") notes.push(`pyquarkchain: not measured: ${interop}`);
    else {
      if (targets.has("py")) {
        const run = async (t: Target): Promise<void> => closeSession(await benchTarget("py", t, results, notes));
        const fan = async (t: Target): Promise<void> => (await benchFanout("py", t, chain!, results)).close();
        if (chain?.pyBlockOne)
          await withTarget(() => startPyquarkchain(interop, FANOUT_NETWORK), fan, notes, "pyquarkchain fanout");
        if (workloads.length > 0) await withTarget(() => startPyquarkchain(interop), run, notes, "pyquarkchain");
        if (workloads.length > 0)
          notes.push(
            `pyquarkchain: its real SlaveServer (in-memory DB) via ${interop.runSh} py_real_slave.py. NEW_TRANSACTION_LIST ` +
              `carries network_id 1 transactions:\n  pyquarkchain hashes, RLP-decodes and rejects each (its NETWORK_ID is 3; a ` +
              `valid one would also cost a signature recovery);\n  qkc-slave does the same checks in the same order (hash, RLP decode, network id) and recovers no sender either.`,
          );
      }
      if (targets.has("flood")) {
        // pyquarkchain's own client against both slaves: the interop flood sub-command.
        const pyFlood = await withTarget(
          () => startPyquarkchain(interop),
          (t) => flood(interop, t.port),
          notes,
          "flood/py",
        );
        const qFlood = await withTarget(startQkcSlave, (t) => flood(interop, t.port), notes, "flood/qkc");
        if (pyFlood && qFlood) floods = { qkc: qFlood, py: pyFlood };
      }
    }
    if (workloads.length > 0) printTables(results);
    if (chain) printFanout(results);
    for (const l of rssLines) console.log(l);
    if (floods) {
      console.log(
        `\nThe interop flood sub-command (pyquarkchain's master client, py_master.py), GET_ECO_INFO_LIST: rps, p50/p99 ms`,
      );
      const fw = [24, 26, 26, 9];
      console.log(row(["", "qkc-slave", "pyquarkchain", "qkc/py"], fw));
      const f = (r: FloodResult): string => `${fmtRate(r.rps)}  ${fmtMs(r.p50_ms)}/${fmtMs(r.p99_ms)}`;
      for (const [i, label] of ["1 in flight, 5000", "64 in flight, 20000"].entries()) {
        console.log(
          row([label, f(floods.qkc[i]!), f(floods.py[i]!), ratio(floods.qkc[i]!.rps, floods.py[i]!.rps)], fw),
        );
      }
      console.log(
        "  (the client is pyquarkchain's asyncio master, which limits both; the tables above use our batching generator)",
      );
    }
    if (notes.length) console.log(`\n${notes.join("\n")}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\ntotal load bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
