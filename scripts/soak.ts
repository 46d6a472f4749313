/**
 * npm run soak [-- --seconds 60 --flood 10000 --seed S]
 *
 * One bin/slave.ts process under load, bounded in time:
 *  1. flood: `--flood` TCP connections to its port as fast as loopback takes them (silent,
 *     garbage, or half a frame), while the master PINGs it without pause: the caps on
 *     sockets hold, memory stays bounded, every PING is answered;
 *  2. soak: `--seconds` of mixed traffic on every link type (master RPCs, forwarded peer
 *     requests and commands with peer churn, xshard requests from inbound and outbound
 *     siblings), a sibling link dropped every few seconds and re-established (inbound
 *     ones redial, outbound ones are re-announced by the master), and a sprinkle of
 *     hostile inputs.
 * Prints frames handled, errors by kind, pending calls left (must be 0) and RSS over
 * time; exits 1 if a call hung, a request went unanswered without a reason, the master
 * stopped answering, calls were left pending or the process did not exit 0 at the end.
 */
import { intArg } from "./args.ts";
import { type Socket, connect } from "node:net";
import type { ClusterRequest } from "../harness/frame-socket.ts";
import { WAIT_MS, dialSocket, within } from "../harness/frame-socket.ts";
import { TestMaster, announced } from "../harness/test-master.ts";
import { type SiblingLink, TestSibling } from "../harness/test-sibling.ts";
import { Daemon, mib } from "../harness/daemon.ts";
import { InputSource, SIBLING_OPS, buildCorpus, fuzzRandom, only } from "../harness/fuzz-inputs.ts";
import { mutatePeerFrame, xshardProbe } from "../harness/tcp-fuzz.ts";
import { encodeRawFrame } from "../src/cluster/frame/format.ts";
import { clusterOps } from "../src/messages/cluster.ts";
import { RpcError } from "../src/cluster/rpc-connection.ts";

const SECONDS = intArg("seconds", 60);
const FLOOD = intArg("flood", 10_000);
const SEED = intArg("seed", 0x50a_c0de);
const SHARD_A = 1;
const SHARD_B = 65537;
const rand = fuzzRandom(SEED);
const log = (s: string) => console.log(s);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const findings: string[] = [];
const errors = new Map<string, number>();
const countError = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
const kindOf = (err: unknown) =>
  err instanceof RpcError
    ? err.kind
    : /timed out waiting/.test(String(err))
      ? "hung"
      : /closed/.test(String(err))
        ? "closed"
        : "other";

const daemon = await Daemon.start([
  "--port", "0", "--id", "S1", "--shards", `${SHARD_A},${SHARD_B}`,
  "--handshake-timeout-ms", "2000", "--frame-timeout-ms", "2000", "--dial-timeout-ms", "1000",
  "--log-level", "info",
]); // prettier-ignore
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
const rssSeries: Array<{ t: number; rss: number }> = [];
const rssTimer = setInterval(() => rssSeries.push({ t: Date.now() - t0, rss: daemon.rss() }), 250);
const rssStart = daemon.rss();
log(`# soak: bin/slave.ts pid ${daemon.pid} on port ${daemon.port}, RSS ${mib(rssStart)}; seed ${SEED}`);

// Boot as pyquarkchain's master does: PING, CONNECT_TO_SLAVES (every sibling), PING with the root tip.
const master = await TestMaster.dial(daemon.port);
await master.ping();
const INBOUND = ["I0", "I1", "I2", "I3"];
const outbound = await Promise.all(["O0", "O1"].map((id) => TestSibling.listen({ id, shards: [131073] })));
const outboundInfo = outbound.map((o) => o.info());
const boot = await master.connectToSlaves([
  { id: Buffer.from("S1"), host: Buffer.from("127.0.0.1"), port: daemon.port, full_shard_id_list: [SHARD_A, SHARD_B] },
  ...INBOUND.map((id) => announced(id, [131073])),
  ...outboundInfo,
]);
await master.ping(TestMaster.genesisRoot());
log(
  `${elapsed()}s booted: CONNECT_TO_SLAVES results ${JSON.stringify(boot.map((r) => (r ? "failed" : "ok")))} (inbound siblings are dialed at port 1: they dial in instead)`,
);

let masterPings = 0;
let masterMaxMs = 0;
async function timedPing(): Promise<void> {
  const start = performance.now();
  try {
    await master.ping();
    masterPings++;
    masterMaxMs = Math.max(masterMaxMs, performance.now() - start);
  } catch (err) {
    findings.push(`the master link did not answer a PING: ${String(err)}`);
  }
}

// 1. Flood -------------------------------------------------------------------------------
if (FLOOD > 0) {
  let stop = false;
  const pinger = (async () => {
    while (!stop) {
      await timedPing();
      await sleep(10);
    }
  })();
  const flood = { attempted: 0, connected: 0, connectErrors: 0, closedByServer: 0 };
  const open = new Set<Socket>();
  const before = rssSeries.length;
  const fStart = performance.now();
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      flood.attempted++;
      const s = connect({ host: "127.0.0.1", port: daemon.port });
      s.on("error", () => {});
      s.once("connect", () => {
        flood.connected++;
        open.add(s);
        const r = rand.int(3);
        if (r === 1) s.write(Buffer.from(rand.bytes(64)));
        if (r === 2) s.write(Buffer.from([0, 0, 1])); // half a length field: a slow-loris
        resolve();
      });
      s.once("close", () => {
        if (open.delete(s) && !stop) flood.closedByServer++;
        resolve();
      });
      s.once("error", () => {
        if (!open.has(s)) flood.connectErrors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: 500 }, async () => {
      while (next < FLOOD) {
        next++;
        await one();
      }
    }),
  );
  const fMs = performance.now() - fStart;
  const during = await daemon.stats();
  await sleep(2500); // the handshake deadline passes for those still held
  const after = await daemon.stats();
  stop = true;
  for (const s of open) s.destroy();
  await pinger;
  const rssFlood = rssSeries.slice(before).map((r) => r.rss);
  log(
    `${elapsed()}s flood: ${flood.attempted} connections in ${(fMs / 1000).toFixed(1)} s (${Math.round((flood.attempted / fMs) * 1000)}/s), ` +
      `${flood.connected} connected, ${flood.connectErrors} connect errors, ${flood.closedByServer} closed by the slave`,
  );
  log(
    `         slave: refused ${JSON.stringify(after.refused)}; in handshake at the end of the burst ${during.handshakingSockets} (cap 64), ` +
      `2.5 s later ${after.handshakingSockets}; closes ${JSON.stringify(after.closes)}`,
  );
  log(
    `         RSS ${mib(rssStart)} before, max ${mib(Math.max(...rssFlood))} during, ${mib(daemon.rss())} after; ` +
      `master PINGs answered throughout: ${masterPings} (slowest ${masterMaxMs.toFixed(1)} ms)`,
  );
  if (after.handshakingSockets > 64 || during.inboundSockets > 256) findings.push("a socket cap did not hold");
}

// 2. Soak --------------------------------------------------------------------------------
const deadline = Date.now() + SECONDS * 1000;
const running = () => Date.now() < deadline;
const stats = {
  master: 0,
  peerRequests: 0,
  peerAnswers: 0,
  peerCommands: 0,
  xshard: 0,
  drops: 0,
  hostile: 0,
  reconnects: 0,
};

/** Master RPCs, 8 in flight, cycling through ops the slave answers (some with error_code 1). */
const MASTER_OPS: ClusterRequest[] = [
  "PING",
  "GET_ECO_INFO_LIST_REQUEST",
  "GET_UNCONFIRMED_HEADERS_REQUEST",
  "GET_MINOR_BLOCK_REQUEST",
  "GET_ACCOUNT_DATA_REQUEST",
  "GAS_PRICE_REQUEST",
];
async function masterLoop(w: number): Promise<void> {
  for (let i = w; running(); i++) {
    const name = MASTER_OPS[i % MASTER_OPS.length]!;
    const msg = clusterOps.byName(name)!.message.zero() as never;
    try {
      await master.call(name, msg);
      stats.master++;
    } catch (err) {
      countError(`master:${kindOf(err)}`);
      findings.push(`master call ${name} failed: ${String(err)}`);
      return;
    }
  }
}

/** Forwarded peer traffic: a few peers, requests tracked by rpc id, one peer replaced every 3 s. */
interface Peer {
  id: bigint;
  nextRpc: bigint;
  outstanding: Set<bigint>;
  lastAnswered: bigint;
  retiring: boolean;
}
const peers = new Map<bigint, Peer>();
let nextPeerId = 100n;
let scanned = 0;
function scanPeerAnswers(): void {
  const frames = master.frames;
  for (; scanned < frames.length; scanned++) {
    const f = frames[scanned]!;
    if (f.clusterPeerId === 0n) continue;
    const p = peers.get(f.clusterPeerId);
    if (!p || !p.outstanding.delete(f.rpcId)) {
      countError("peer:unexpected-answer");
      continue;
    }
    if (f.rpcId < p.lastAnswered) countError("peer:reordered");
    p.lastAnswered = f.rpcId;
    stats.peerAnswers++;
  }
  // Nothing waits on old frames: keep the test master's memory flat.
  if (scanned > 10_000) {
    master.frames.splice(0, scanned);
    master.trace.splice(0);
    scanned = 0;
  }
}
async function newPeer(): Promise<Peer> {
  const p: Peer = { id: nextPeerId++, nextRpc: 1n, outstanding: new Set(), lastAnswered: 0n, retiring: false };
  peers.set(p.id, p);
  if ((await master.createPeer(p.id)) !== 0) findings.push(`CREATE ${p.id} refused`);
  return p;
}
async function peerLoop(): Promise<void> {
  let p = await newPeer();
  let since = Date.now();
  while (running()) {
    scanPeerAnswers();
    if (Date.now() - since > 3000) {
      // Churn: let its answers come in, DESTROY it, CREATE a fresh one.
      p.retiring = true;
      const until = Date.now() + WAIT_MS;
      while (p.outstanding.size > 0 && Date.now() < until) {
        await sleep(5);
        scanPeerAnswers();
      }
      if (p.outstanding.size > 0) {
        countError("peer:unanswered");
        findings.push(`peer ${p.id}: ${p.outstanding.size} requests never answered`);
      }
      master.destroyPeer(p.id);
      peers.delete(p.id);
      p = await newPeer();
      since = Date.now();
      continue;
    }
    if (p.outstanding.size >= 8) {
      await sleep(1);
      continue;
    }
    const shard = rand.chance(0.5) ? SHARD_A : SHARD_B;
    const rpcId = p.nextRpc++;
    if (rpcId % 10n === 0n) {
      master.sendP2P(
        "NEW_TRANSACTION_LIST",
        { transaction_list: [] },
        { branch: shard, clusterPeerId: p.id, rpcId: 0n },
      );
      stats.peerCommands++;
      continue;
    }
    if (rpcId % 2n === 0n) {
      master.sendP2P(
        "GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST",
        { type: 0, data: Buffer.alloc(32), branch: { value: shard }, limit: 1, skip: 0, direction: 0 },
        { branch: shard, clusterPeerId: p.id, rpcId },
      );
    } else {
      master.sendP2P(
        "GET_MINOR_BLOCK_LIST_REQUEST",
        { minor_block_hash_list: [Buffer.from(rand.bytes(32))] },
        { branch: shard, clusterPeerId: p.id, rpcId },
      );
    }
    p.outstanding.add(rpcId);
    stats.peerRequests++;
  }
  // The end: every request of the live peer must be answered.
  const until = Date.now() + WAIT_MS;
  while (p.outstanding.size > 0 && Date.now() < until) {
    await sleep(5);
    scanPeerAnswers();
  }
  if (p.outstanding.size > 0) findings.push(`peer ${p.id}: ${p.outstanding.size} requests never answered`);
}

/** xshard requests from one sibling link, 4 in flight, sequence numbers in the block hash. */
let seq = 0;
async function xshardTraffic(link: SiblingLink, stopWhen: () => boolean): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  while (running() && !stopWhen() && !link.isClosed) {
    if (inFlight.size >= 4) {
      await Promise.race(inFlight);
      continue;
    }
    const req = xshardProbe(rand.chance(0.5) ? SHARD_A : SHARD_B, seq & 0xff);
    req.minor_block_hash = Buffer.alloc(32);
    Buffer.from(req.minor_block_hash).writeUInt32BE(seq++, 28);
    const batch = rand.chance(0.2);
    const call: Promise<{ error_code: number }> = batch
      ? link.call("BATCH_ADD_XSHARD_TX_LIST_REQUEST", { add_xshard_tx_list_request_list: [req, req] })
      : link.call("ADD_XSHARD_TX_LIST_REQUEST", req);
    const p: Promise<void> = call.then(
      (res) => {
        stats.xshard++;
        if (res.error_code !== 0) countError(`sibling:error_code ${res.error_code}`);
      },
      (err: unknown) => {
        const kind = kindOf(err);
        // A call in flight when we drop the link fails "closed": expected.
        countError(link.isClosed ? "sibling:closed-by-drop" : `sibling:${kind}`);
        if (kind === "hung") findings.push(`an xshard call hung: ${String(err)}`);
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
}

/** An inbound sibling: dials in, PINGs, sends; dropped now and then, it dials again. */
const inboundLinks = new Map<string, SiblingLink>();
async function inboundLoop(id: string): Promise<void> {
  while (running()) {
    const link = await TestSibling.dial(daemon.port, id);
    try {
      await link.ping(id, [131073]);
    } catch (err) {
      findings.push(`${id}: PING failed: ${String(err)}`);
      link.destroy();
      return;
    }
    inboundLinks.set(id, link);
    await xshardTraffic(link, () => false);
    link.destroy();
    if (running()) stats.reconnects++;
  }
}

/** An outbound sibling (the slave dialed it): it sends on that link; dropped, the master re-announces it. */
async function outboundLoop(i: number): Promise<void> {
  const sib = outbound[i]!;
  let index = 0;
  while (running()) {
    const link = await sib.waitLink(index);
    await xshardTraffic(link, () => false);
    link.destroy();
    if (!running()) break;
    // The slave forgets the dropped link; the master announces the sibling again and it is redialed.
    await sleep(50);
    const [result] = await master.connectToSlaves([outboundInfo[i]!]);
    if (result) findings.push(`re-announcing O${i}: ${Buffer.from(result).toString()}`);
    index++;
    stats.reconnects++;
  }
}

/** Every 2 s a sibling link is dropped, alternating inbound and outbound ones. */
async function dropper(): Promise<void> {
  for (let i = 0; running(); i++) {
    await sleep(2000);
    if (!running()) break;
    const inbound = i % 2 === 0;
    if (inbound) inboundLinks.get(INBOUND[i % INBOUND.length]!)?.destroy();
    else {
      const sib = outbound[(i >> 1) % outbound.length]!;
      sib.links[sib.links.length - 1]?.destroy();
    }
    stats.drops++;
  }
}

/** Twice a second: a hostile input on a throwaway sibling link, and a bad frame to a doomed peer. */
const cluster = buildCorpus(rand, { perOp: 1 }).samples.filter((s) => s.family === "cluster");
const p2pSamples = buildCorpus(rand, { perOp: 1 }).samples.filter((s) => s.family === "p2p");
const hostileSource = new InputSource("slave", rand, cluster, () => ({ branch: 0, clusterPeerId: 0n, rpcId: 2n }), {
  focus: only(cluster, "cluster", SIBLING_OPS),
});
async function hostile(): Promise<void> {
  let doomed = 1_000_000n;
  while (running()) {
    await sleep(500);
    const s = await dialSocket(daemon.port);
    s.on("error", () => {});
    s.write(hostileSource.next().input);
    setTimeout(() => s.destroy(), 3000).unref();
    const peer = doomed++;
    await master.createPeer(peer);
    const { op, rpcId, payload } = mutatePeerFrame(rand, rand.pick(p2pSamples), rand.pick(p2pSamples));
    master.sendBytes(encodeRawFrame("master", { branch: SHARD_A, clusterPeerId: peer, op, rpcId }, payload));
    master.destroyPeer(peer);
    stats.hostile += 2;
  }
}

/** A line every 5 s: frames, RSS, calls pending inside the slave. */
async function reporter(): Promise<void> {
  let last = await daemon.stats();
  while (running()) {
    await sleep(5000);
    const s = await daemon.stats();
    log(
      `${elapsed()}s frames in ${s.framesIn - last.framesIn} / out ${s.framesOut - last.framesOut} in 5 s; ` +
        `RSS ${mib(daemon.rss())}; pending calls ${s.pendingCalls.total}; siblings ${s.siblings}; ` +
        `peers ${s.peerConns}; master PINGs slowest so far ${masterMaxMs.toFixed(1)} ms`,
    );
    last = s;
  }
}

log(`${elapsed()}s soak: ${SECONDS} s of mixed traffic`);
const soakStartStats = await daemon.stats();
const soakStartRss = rssSeries.length;
await Promise.all([
  ...[0, 1, 2, 3, 4, 5, 6, 7].map(masterLoop),
  peerLoop(),
  peerLoop(),
  peerLoop(),
  ...INBOUND.map(inboundLoop),
  ...outbound.map((_, i) => outboundLoop(i)),
  dropper(),
  hostile(),
  reporter(),
  (async () => {
    while (running()) {
      await timedPing();
      await sleep(100);
    }
  })(),
]);

// The end: traffic has stopped; nothing may be left pending inside the slave.
let final = await daemon.stats();
for (let i = 0; i < 50 && final.pendingCalls.total > 0; i++) {
  await sleep(100);
  final = await daemon.stats();
}
clearInterval(rssTimer);
const soakRss = rssSeries.slice(soakStartRss);
log(`--- soak results (${SECONDS} s) ---`);
log(
  `frames handled by the slave: in ${(final.framesIn - soakStartStats.framesIn).toLocaleString("en")}, ` +
    `out ${(final.framesOut - soakStartStats.framesOut).toLocaleString("en")} ` +
    `(master RPCs ${stats.master}, peer requests ${stats.peerRequests} answered ${stats.peerAnswers}, peer commands ${stats.peerCommands}, ` +
    `xshard requests answered ${stats.xshard}, hostile inputs ${stats.hostile})`,
);
log(`sibling drops ${stats.drops}, re-established links ${stats.reconnects}`);
log(`errors seen by the traffic, by kind: ${JSON.stringify(Object.fromEntries(errors))}`);
log(`slave's link closes by kind: ${JSON.stringify(final.closes)}; refused sockets ${JSON.stringify(final.refused)}`);
log(`pending calls left in the slave: ${final.pendingCalls.total} ${JSON.stringify(final.pendingCalls)}`);
const step = Math.max(1, Math.floor(soakRss.length / 12));
log(
  `RSS over time: ${soakRss
    .filter((_, i) => i % step === 0)
    .map((r) => `${(r.t / 1000).toFixed(0)}s ${mib(r.rss)}`)
    .join(", ")}`,
);
log(
  `RSS during the soak: min ${mib(Math.min(...soakRss.map((r) => r.rss)))}, max ${mib(Math.max(...soakRss.map((r) => r.rss)))}, ` +
    `last ${mib(soakRss[soakRss.length - 1]?.rss ?? 0)}`,
);
if (final.pendingCalls.total !== 0) findings.push(`${final.pendingCalls.total} calls left pending`);
for (const e of daemon.errors) if (/internal error/.test(e.msg)) findings.push(`daemon: ${JSON.stringify(e)}`);
master.end();
const exit = await within(daemon.exited, "the slave to exit", WAIT_MS);
log(`master left: the slave exited with code ${exit.code}`);
if (exit.code !== 0) findings.push(`exit code ${exit.code}`);
await Promise.all(outbound.map((o) => o.close()));
log(`findings: ${findings.length}`);
for (const f of findings.slice(0, 20)) log(`FINDING ${f}`);
console.log(
  JSON.stringify({
    soak: {
      seconds: SECONDS,
      flood: FLOOD,
      stats,
      errors: Object.fromEntries(errors),
      final,
      findings: findings.length,
    },
  }),
);
process.exit(findings.length ? 1 : 0);
