import { encodeRawFrame } from "../src/cluster/frame/format.ts";
import type { AddXshardTxListRequest } from "../src/messages/cluster.ts";
import { CrossShardTransactionDeposit } from "../src/messages/core.ts";
import { WAIT_MS, dialSocket, opOf, within } from "./frame-socket.ts";
import { TestMaster } from "./test-master.ts";
import { SiblingLink } from "./test-sibling.ts";
import { type FuzzRandom, InputSource, type Sample } from "./fuzz-inputs.ts";

/**
 * Hostile inputs over TCP to a live slave, one link type at a time, and what became of
 * each: shared by the suite (few inputs) and scripts/fuzz.ts (many). The oracle: every
 * input ends (the link closes, or a probe on it is answered) within a bound; the master
 * link keeps answering; the slave never stops (except on the master link itself, where a
 * bad frame closes the master link, so the slave stops cleanly, as pyquarkchain does).
 */

export interface LinkFuzzResult {
  inputs: number;
  /** The slave closed the link. */
  closed: number;
  /** The link survived and answered a probe afterwards. */
  alive: number;
  byMutation: Record<string, number>;
}

const PROBE_RPC_ID = 1_000_000n;
const XSHARD_RESPONSE = opOf("ADD_XSHARD_TX_LIST_RESPONSE");
const PONG = opOf("PONG");

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export function xshardProbe(target: number, tag = 0): AddXshardTxListRequest {
  const deposit = CrossShardTransactionDeposit.zero();
  deposit.value = BigInt(tag);
  return {
    branch: { value: target },
    minor_block_hash: Buffer.alloc(32, tag & 0xff),
    tx_list: { tx_list: [deposit], version: 1 },
  };
}

/**
 * One input on a fresh sibling link: sometimes before its PING (then only a PING would
 * be accepted), usually after it; then a probe (an xshard request) unless it closed.
 */
export interface SiblingInput {
  /** Sent before the sibling's PING (only a PING is accepted then). */
  prePing: boolean;
  input: Buffer;
  mutation: string;
}

/** The next sibling-link input, drawn in order (so a run is reproducible whatever the parallelism). */
export function nextSiblingInput(source: InputSource, rand: FuzzRandom): SiblingInput {
  const prePing = rand.chance(0.2);
  const { input, mutation } = source.next();
  return { prePing, input, mutation };
}

/**
 * One input on a fresh sibling link, before or after its PING, then a probe (an xshard
 * request) unless the link closed.
 */
export async function siblingInput(
  port: number,
  one: SiblingInput,
  opts: { id: string; shard: number; probeShard: number; waitMs?: number },
): Promise<{ outcome: "closed" | "alive"; mutation: string }> {
  const link = new SiblingLink(await dialSocket(port), `fuzz ${opts.id}`);
  const { input, mutation } = one;
  try {
    if (!one.prePing) {
      const pong = await within(
        Promise.race([link.ping(opts.id, [opts.shard]).catch(() => undefined), link.closed.then(() => undefined)]),
        "the fuzz sibling's PONG",
        opts.waitMs ?? WAIT_MS,
      );
      if (!pong) return { outcome: "closed", mutation: "refused-ping" };
    }
    link.sendBytes(input);
    // The probe's rpc id is above anything the corpus uses, so only a hostile id refuses it.
    link.send("ADD_XSHARD_TX_LIST_REQUEST", xshardProbe(opts.probeShard), { rpcId: PROBE_RPC_ID });
    const probe = link
      .waitFrame((f) => f.op === XSHARD_RESPONSE && f.rpcId === PROBE_RPC_ID, "the probe's answer")
      .then(
        () => "alive" as const,
        () => "closed" as const,
      );
    const outcome = await within(
      Promise.race([link.closed.then(() => "closed" as const), probe]),
      `the slave to close the link or answer after a ${mutation} input`,
      opts.waitMs ?? WAIT_MS,
    );
    return { outcome: outcome === "alive" && link.isClosed ? "closed" : outcome, mutation };
  } finally {
    link.destroy();
  }
}

/** Inputs on sibling links, `parallel` at a time. */
export async function fuzzSiblingLinks(
  port: number,
  source: InputSource,
  rand: FuzzRandom,
  n: number,
  opts: { shard: number; probeShard: number; parallel?: number; waitMs?: number; onInput?: (i: number) => void },
): Promise<LinkFuzzResult> {
  const res: LinkFuzzResult = { inputs: 0, closed: 0, alive: 0, byMutation: {} };
  let next = 0;
  const worker = async (w: number) => {
    while (next < n) {
      const i = next++;
      const one = nextSiblingInput(source, rand);
      const { outcome, mutation } = await siblingInput(port, one, {
        id: `F${w}`,
        shard: opts.shard,
        probeShard: opts.probeShard,
        waitMs: opts.waitMs,
      });
      res.inputs++;
      res[outcome]++;
      count(res.byMutation, `${mutation}:${outcome}`);
      opts.onInput?.(i);
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 1 }, (_, w) => worker(w)));
  return res;
}

/** The inner part of a forwarded frame (what a remote peer controls), mutated; the framing stays whole. */
export function mutatePeerFrame(
  rand: FuzzRandom,
  sample: Sample,
  other: Sample,
): { op: number; rpcId: bigint; payload: Buffer; mutation: string } {
  let op = sample.op;
  let rpcId = BigInt(rand.int(4));
  let payload = Buffer.from(sample.payload);
  const m = rand.int(9);
  let mutation: string;
  switch (m) {
    case 0:
      mutation = "none";
      break;
    case 1: {
      mutation = "bit-flip";
      for (let i = 1 + rand.int(8); i > 0 && payload.length > 0; i--) {
        const at = rand.int(payload.length);
        payload[at] = payload[at]! ^ (1 << rand.int(8));
      }
      break;
    }
    case 2:
      mutation = "truncate";
      payload = payload.subarray(0, rand.int(payload.length + 1));
      break;
    case 3:
      mutation = "swap-op";
      op = rand.chance(0.7) ? other.op : rand.int(256);
      break;
    case 4:
      mutation = "rpc-id";
      rpcId = rand.chance(0.5) ? 0xffffffffffffffffn : BigInt(rand.u32());
      break;
    case 5:
      mutation = "random-payload";
      payload = Buffer.from(rand.bytes(rand.int(512)));
      break;
    case 6:
      mutation = "splice";
      payload = Buffer.concat([
        payload.subarray(0, rand.int(payload.length + 1)),
        other.payload.subarray(rand.int(other.payload.length + 1)),
      ]);
      break;
    case 7:
      mutation = "append";
      payload = Buffer.concat([payload, Buffer.from(rand.bytes(1 + rand.int(64)))]);
      break;
    default: {
      mutation = "payload-noise";
      if (payload.length > 0) {
        const n = 1 + rand.int(Math.min(32, payload.length));
        Buffer.from(rand.bytes(n)).copy(payload, rand.int(payload.length - n + 1));
      }
    }
  }
  return { op, rpcId, payload, mutation };
}

export interface PeerFuzzResult {
  inputs: number;
  /** PeerConns found closed (and recreated) after their input. */
  closedPeerConns: number;
  masterRoundTrips: number;
  byMutation: Record<string, number>;
}

/**
 * Forwarded peer frames on the master link: `batch` inputs, each to its own peer id on a
 * local shard, then a master round trip, then DESTROY + CREATE of those peers (a PeerConn
 * a bad frame closed stays registered until DESTROY, as in pyquarkchain). `isClosed`
 * tells (in-process) whether a PeerConn closed; without it only survival is checked.
 */
export async function fuzzPeerFrames(
  master: TestMaster,
  samples: Sample[],
  rand: FuzzRandom,
  n: number,
  opts: {
    shards: number[];
    /** The ops a PeerConn serves: most inputs start from one of them. */
    focus?: Sample[];
    batch?: number;
    firstPeer?: bigint;
    isClosed?: (peer: bigint, shard: number) => boolean;
    onBatch?: (done: number) => void;
  },
): Promise<PeerFuzzResult> {
  const res: PeerFuzzResult = { inputs: 0, closedPeerConns: 0, masterRoundTrips: 0, byMutation: {} };
  const batch = opts.batch ?? 50;
  let peer = opts.firstPeer ?? 1000n;
  while (res.inputs < n) {
    const k = Math.min(batch, n - res.inputs);
    const peers: bigint[] = [];
    for (let i = 0; i < k; i++) peers.push(peer++);
    const created = await Promise.all(peers.map((p) => master.createPeer(p)));
    if (created.some((c) => c !== 0)) throw new Error(`CREATE answered ${created}`);
    const sent: Array<{ peer: bigint; shard: number }> = [];
    for (const p of peers) {
      const sample = opts.focus?.length && rand.chance(0.6) ? rand.pick(opts.focus) : rand.pick(samples);
      const { op, rpcId, payload, mutation } = mutatePeerFrame(rand, sample, rand.pick(samples));
      const shard = rand.pick(opts.shards);
      master.sendBytes(encodeRawFrame("master", { branch: shard, clusterPeerId: p, op, rpcId }, payload));
      sent.push({ peer: p, shard });
      count(res.byMutation, mutation);
      res.inputs++;
    }
    await master.ping(); // every input above has been routed and parsed
    res.masterRoundTrips++;
    if (opts.isClosed) for (const s of sent) if (opts.isClosed(s.peer, s.shard)) res.closedPeerConns++;
    for (const p of peers) master.destroyPeer(p);
    opts.onBatch?.(res.inputs);
  }
  return res;
}

/**
 * One input on the master link of a fresh slave (a bad frame there closes the master link
 * and so stops the slave, as in pyquarkchain): the master PINGs (with the root tip, so
 * shards exist), sends the input, then PINGs again. The slave either answers or stops;
 * either way it then stops cleanly when the master goes.
 */
export async function masterInput(
  port: number,
  stopped: Promise<string>,
  source: InputSource,
  waitMs = WAIT_MS,
): Promise<{ outcome: "stopped" | "alive"; mutation: string }> {
  const master = await TestMaster.dial(port);
  try {
    await master.ping(TestMaster.genesisRoot());
    const { input, mutation } = source.next();
    master.sendBytes(input);
    master.send("PING", { id: Buffer.alloc(0), full_shard_id_list: [], root_tip: null }, { rpcId: PROBE_RPC_ID });
    const probe = master
      .waitFrame((f) => f.op === PONG && f.rpcId === PROBE_RPC_ID, "the probe's PONG")
      .then(
        () => "alive" as const,
        () => "stopped" as const,
      );
    const outcome = await within(
      Promise.race([stopped.then(() => "stopped" as const), probe]),
      `the slave to answer or stop after a ${mutation} input`,
      waitMs,
    );
    return { outcome, mutation };
  } finally {
    master.destroy();
    await within(stopped, "the slave to stop once its master is gone", waitMs);
  }
}
