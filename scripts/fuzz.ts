/**
 * npm run fuzz [-- --decoder N --sibling N --peer N --master N --seed S]
 *
 * Long fuzzing runs, with figures. The same inputs as test/hardening/fuzz.test.ts, by the
 * million:
 *  1. decoders: random and mutated frames through FrameDecoder and every message codec,
 *     on every link kind: only FrameError/DecodeError may come out;
 *  2. sibling links and forwarded peer frames over TCP to ONE bin/slave.ts process: each
 *     bad input closes only its own link or PeerConn, the master link keeps answering,
 *     the process never dies and exits 0 when its master leaves;
 *  3. the master link, on fresh in-process slaves (a bad frame there stops the slave, as
 *     in pyquarkchain): each one answers or stops cleanly.
 * Exits 1 on any finding.
 */
import { intArg } from "./args.ts";
import { pino } from "pino";
import { NetworkGenesis } from "../src/backend/genesis.ts";
import { ChainBackend } from "../src/backend/chain-backend.ts";
import type { LinkKind } from "../src/cluster/frame/format.ts";
import { SlaveServer } from "../src/cluster/slave-server.ts";
import { configForShards } from "../src/config/quarkchain-config.ts";
import { within } from "../harness/frame-socket.ts";
import { TestMaster, announced } from "../harness/test-master.ts";
import { Daemon, mib } from "../harness/daemon.ts";
import {
  type FrameMeta,
  InputSource,
  MASTER_OPS,
  PEER_OPS,
  SIBLING_OPS,
  type Sample,
  buildCorpus,
  decodeInput,
  fuzzRandom,
  only,
} from "../harness/fuzz-inputs.ts";
import { fuzzPeerFrames, fuzzSiblingLinks, masterInput } from "../harness/tcp-fuzz.ts";

const SEED = intArg("seed", 0x5eed_f022);
const N_DECODER = intArg("decoder", 1_000_000);
const N_SIBLING = intArg("sibling", 20_000);
const N_PEER = intArg("peer", 200_000);
const N_MASTER = intArg("master", 2_000);
const SHARD_A = 1;
const SHARD_B = 65537;

const rand = fuzzRandom(SEED);
const { samples, fromFixtures } = buildCorpus(rand, { perOp: 4 });
const cluster = samples.filter((s) => s.family === "cluster");
const p2p = samples.filter((s) => s.family === "p2p");
const findings: string[] = [];
const summary: Record<string, unknown> = { seed: SEED, corpus: samples.length, fromFixtures };

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en")}/s`;
const log = (s: string) => console.log(s);

log(`# fuzz: seed ${SEED}, corpus ${samples.length} frames (${fromFixtures} from pyquarkchain fixtures)`);

// 1. Decoders --------------------------------------------------------------------------
{
  type MetaFn = (s: Sample, r: typeof rand) => FrameMeta;
  const root: MetaFn = (_, r) => ({ branch: 0, clusterPeerId: 0n, rpcId: BigInt(r.int(4)) });
  const kinds: Array<[string, LinkKind, Sample[], MetaFn]> = [
    ["master/cluster", "master", cluster, root],
    ["master/forwarded", "master", p2p, (_, r) => ({ branch: SHARD_A, clusterPeerId: 5n, rpcId: BigInt(r.int(4)) })],
    ["sibling", "slave", cluster, root],
    ["p2p", "p2p", p2p, root],
  ];
  const sources = kinds.map(([, link, corpus, meta]) => new InputSource(link, rand, corpus, meta));
  const errors = new Map<string, number>();
  const byMutation = new Map<string, number>();
  let frames = 0;
  let decoded = 0;
  let crashes = 0;
  let bytes = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  let heapMax = heapBefore;
  const t0 = performance.now();
  for (let i = 0; i < N_DECODER; i++) {
    const k = i % kinds.length;
    const source = sources[k]!;
    const { input, mutation } = source.next();
    bytes += input.length;
    byMutation.set(mutation, (byMutation.get(mutation) ?? 0) + 1);
    const out = decodeInput(rand, source.link, input, 1 << 20);
    frames += out.frames;
    decoded += out.payloadsOk;
    for (const e of out.errors) errors.set(e, (errors.get(e) ?? 0) + 1);
    if (out.crash) {
      crashes++;
      if (crashes <= 5) {
        findings.push(`decoder ${kinds[k]![0]}: ${String(out.crash.error)} on ${input.toString("hex").slice(0, 400)}`);
      }
    }
    if (i % 100_000 === 99_999) {
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
      log(`  decoders: ${(i + 1).toLocaleString("en")} inputs, ${rate(i + 1, performance.now() - t0)}`);
    }
  }
  const ms = performance.now() - t0;
  const d = {
    inputs: N_DECODER,
    ms: Math.round(ms),
    rate: Math.round((N_DECODER / ms) * 1000),
    mib: +(bytes / 1024 / 1024).toFixed(1),
    frames,
    decoded,
    crashes,
    errors: Object.fromEntries([...errors].sort()),
    heapGrowthMiB: +((heapMax - heapBefore) / 1024 / 1024).toFixed(1),
  };
  summary["decoders"] = d;
  log(
    `decoders: ${N_DECODER.toLocaleString("en")} inputs (${d.mib} MiB) in ${(ms / 1000).toFixed(1)} s = ` +
      `${rate(N_DECODER, ms)}; ${frames} whole frames, ${decoded} payloads decoded; crashes ${crashes}`,
  );
  log(`  errors by kind: ${JSON.stringify(d.errors)}`);
  log(`  heap growth ${d.heapGrowthMiB} MiB`);
}

// 2. Sibling links and forwarded peer frames against one bin/slave.ts process ------------
{
  const daemon = await Daemon.start([
    "--port", "0", "--id", "S1", "--shards", `${SHARD_A},${SHARD_B}`,
    "--frame-timeout-ms", "300", "--handshake-timeout-ms", "1000", "--dial-timeout-ms", "300",
    "--max-handshaking", "256", "--log-level", "info",
  ]); // prettier-ignore
  const rssStart = daemon.rss();
  let rssMax = rssStart;
  const sample = setInterval(() => (rssMax = Math.max(rssMax, daemon.rss())), 200);
  const master = await TestMaster.dial(daemon.port);
  await master.ping();
  const PARALLEL = 32;
  // The fuzzing siblings are announced (the slave's own dials to port 1 fail: they dial in).
  await master.connectToSlaves(Array.from({ length: PARALLEL }, (_, w) => announced(`F${w}`, [SHARD_B])));
  await master.ping(TestMaster.genesisRoot());
  let masterPings = 0;
  const pingMaster = async () => {
    await within(master.ping(), "the master link to answer");
    masterPings++;
  };

  const sibSource = new InputSource(
    "slave",
    rand,
    cluster,
    (_, r) => ({ branch: 0, clusterPeerId: 0n, rpcId: BigInt(2 + r.int(3)) }),
    { focus: only(cluster, "cluster", SIBLING_OPS), controlRate: 0.1 },
  );
  let t0 = performance.now();
  const sib = await fuzzSiblingLinks(daemon.port, sibSource, rand, N_SIBLING, {
    shard: SHARD_B,
    probeShard: SHARD_A,
    parallel: PARALLEL,
    onInput: (i) => {
      if (i % 1000 === 999) void pingMaster();
      if (i % 5000 === 4999) {
        log(
          `  sibling links: ${i + 1} inputs, ${rate(i + 1, performance.now() - t0)}, daemon RSS ${mib(daemon.rss())}`,
        );
      }
    },
  });
  const sibMs = performance.now() - t0;
  await pingMaster();
  log(
    `sibling links: ${sib.inputs.toLocaleString("en")} inputs (each its own connection) in ${(sibMs / 1000).toFixed(1)} s = ` +
      `${rate(sib.inputs, sibMs)}; link closed by the slave ${sib.closed}, survived ${sib.alive}`,
  );

  t0 = performance.now();
  const peer = await fuzzPeerFrames(master, p2p, rand, N_PEER, {
    shards: [SHARD_A, SHARD_B],
    batch: 200,
    focus: only(p2p, "p2p", PEER_OPS),
    onBatch: (done) => {
      if (done % 50_000 === 0) {
        log(`  peer frames: ${done} inputs, ${rate(done, performance.now() - t0)}, daemon RSS ${mib(daemon.rss())}`);
      }
    },
  });
  const peerMs = performance.now() - t0;
  masterPings += peer.masterRoundTrips;
  log(
    `forwarded peer frames: ${peer.inputs.toLocaleString("en")} inputs on ${peer.inputs} PeerConns in ` +
      `${(peerMs / 1000).toFixed(1)} s = ${rate(peer.inputs, peerMs)}; master answered ${peer.masterRoundTrips} round trips between batches`,
  );
  const stats = await daemon.stats();
  clearInterval(sample);
  log(
    `  daemon after both: alive (pid ${daemon.pid}), frames in ${stats.framesIn}, out ${stats.framesOut}; ` +
      `pending calls ${stats.pendingCalls.total}; links closed by kind ${JSON.stringify(stats.closes)}; refused ${JSON.stringify(stats.refused)}`,
  );
  log(`  RSS ${mib(rssStart)} at start, max ${mib(rssMax)}; ${masterPings} master round trips answered`);
  log(`  warnings logged by kind: ${JSON.stringify(Object.fromEntries(daemon.warnings))}`);
  // Error lines are expected where pyquarkchain closes a link on purpose; a non-typed exception is not.
  for (const e of daemon.errors) {
    if (/internal error/.test(e.msg)) findings.push(`daemon: ${JSON.stringify(e)}`);
    else log(`  error line (expected kind): ${JSON.stringify(e).slice(0, 300)}`);
  }
  if (stats.pendingCalls.total !== 0) findings.push(`daemon has ${stats.pendingCalls.total} calls pending`);
  master.end();
  const exit = await within(daemon.exited, "the daemon to exit after its master left");
  log(`  master left: the daemon exited with code ${exit.code}`);
  if (exit.code !== 0) findings.push(`daemon exit code ${exit.code} (signal ${exit.signal})`);
  summary["sibling"] = { ...sib, ms: Math.round(sibMs) };
  summary["peer"] = { ...peer, ms: Math.round(peerMs) };
  summary["daemon"] = {
    framesIn: stats.framesIn,
    closes: stats.closes,
    pendingCalls: stats.pendingCalls.total,
    rssStart,
    rssMax,
    exitCode: exit.code,
  };
}

// 3. The master link, fresh in-process slaves -------------------------------------------
{
  const quiet = pino({ level: "silent" });
  const genesis = new NetworkGenesis(configForShards(2, 1));
  const source = new InputSource(
    "master",
    rand,
    cluster.filter((s) => s.name !== "CONNECT_TO_SLAVES_REQUEST"),
    (_, r) => ({
      branch: r.chance(0.9) ? 0 : r.pick([SHARD_A, SHARD_B]),
      clusterPeerId: 0n,
      rpcId: BigInt(2 + r.int(3)),
    }),
    { focus: only(cluster, "cluster", MASTER_OPS), controlRate: 0.1 },
  );
  const outcomes: Record<string, number> = {};
  let internal = 0;
  let backendFailures = 0;
  const errorSamples: string[] = [];
  // Error lines where the master link closes on purpose (pyquarkchain's fatal cases), by message.
  const expectedErrors = new Map<string, number>();
  const msgOf = (line: string) => (JSON.parse(line) as { msg: string }).msg;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < N_MASTER) {
      next++;
      let errored = 0;
      const log = pino(
        { level: "error" },
        {
          write: (line: string) => {
            // A backend that throws is answered with an error code, the link stays: not a finding here.
            if (line.includes('"backend failed')) backendFailures++;
            else if (!line.includes('"internal error'))
              expectedErrors.set(msgOf(line), (expectedErrors.get(msgOf(line)) ?? 0) + 1);
            else {
              errored++;
              if (errorSamples.length < 5) errorSamples.push(line.slice(0, 600));
            }
          },
        },
      );
      const server = new SlaveServer({
        self: { id: "S1", fullShardIds: [SHARD_A] },
        networkShards: new Set([SHARD_A, SHARD_B]),
        host: "127.0.0.1",
        port: 0,
        backend: new ChainBackend({ shards: [SHARD_A], genesis, log: quiet }),
        log,
        rpcTimeoutMs: 2_000,
        dialTimeoutMs: 300,
        handshakeTimeoutMs: 1_000,
        maxPayloadBytes: 16 * 1024 * 1024,
        frameTimeoutMs: 300,
      });
      const { port } = await server.listen();
      const { outcome, mutation } = await masterInput(port, server.stopped, source);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      // "backend failed" errors are answered with an error code (the link stays): counted apart.
      if (errored) {
        internal++;
        if (internal <= 5) findings.push(`master link: ${errored} internal errors after a ${mutation} input`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const ms = performance.now() - t0;
  log(
    `master link: ${N_MASTER.toLocaleString("en")} inputs, each on a fresh slave, in ${(ms / 1000).toFixed(1)} s = ${rate(N_MASTER, ms)}; ` +
      `answered ${outcomes["alive"] ?? 0}, stopped cleanly ${outcomes["stopped"] ?? 0}; internal errors ${internal}; ` +
      `backend failures answered with error codes ${backendFailures}`,
  );
  log(`  master-link closes logged at error level, by message: ${JSON.stringify(Object.fromEntries(expectedErrors))}`);
  for (const e of errorSamples) log(`  error line: ${e.trim()}`);
  summary["master"] = { inputs: N_MASTER, ms: Math.round(ms), outcomes, errorLogs: internal, backendFailures };
}

const total = N_DECODER + N_SIBLING + N_PEER + N_MASTER;
log(`total: ${total.toLocaleString("en")} inputs; findings: ${findings.length}`);
for (const f of findings) log(`FINDING ${f}`);
console.log(JSON.stringify({ fuzz: summary, total, findings: findings.length }));
process.exit(findings.length ? 1 : 0);
