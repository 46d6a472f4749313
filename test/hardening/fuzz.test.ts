import t from "tap";
import type { LinkKind } from "../../src/cluster/frame/format.ts";
import { TestMaster, announced } from "../../harness/test-master.ts";
import {
  InputSource,
  MASTER_OPS,
  PEER_OPS,
  SIBLING_OPS,
  type Sample,
  buildCorpus,
  decodeInput,
  fuzzRandom,
  only,
} from "../../harness/fuzz-inputs.ts";
import { NETWORK, SHARD_A, SHARD_B, connectMaster, masterAnswers, startHardened, until } from "./harness.ts";
import { fuzzPeerFrames, fuzzSiblingLinks, masterInput } from "../../harness/tcp-fuzz.ts";

/**
 * Fuzzing in the suite: a fixed seed and a bounded count (npm run fuzz runs the same
 * inputs by the million). Decoders: only typed errors. Over TCP, on every link type: each
 * bad input closes only its own link, the master link keeps answering, the slave lives.
 */

const SEED = 0x5eed_f022;
const rand = fuzzRandom(SEED);
const { samples, fromFixtures } = buildCorpus(rand, { perOp: 2 });
const cluster = samples.filter((s) => s.family === "cluster");
const p2p = samples.filter((s) => s.family === "p2p");
const rootMeta = () => ({ branch: 0, clusterPeerId: 0n, rpcId: 1n });

t.comment(`seed ${SEED}; corpus of ${samples.length} frames (${fromFixtures} from pyquarkchain fixtures)`);

t.test("decoders: random and mutated frames give only FrameError/DecodeError, on every link kind", async (t) => {
  const kinds: Array<
    [
      string,
      LinkKind,
      Sample[],
      (s: Sample, r: typeof rand) => { branch: number; clusterPeerId: bigint; rpcId: bigint },
    ]
  > = [
    ["master link, cluster ops", "master", cluster, rootMeta],
    [
      "master link, forwarded P2P",
      "master",
      p2p,
      (_, r) => ({ branch: SHARD_A, clusterPeerId: 5n, rpcId: BigInt(r.int(4)) }),
    ],
    ["sibling link", "slave", cluster, rootMeta],
    ["P2P metadata", "p2p", p2p, (_, r) => ({ branch: SHARD_A, clusterPeerId: 0n, rpcId: BigInt(r.int(4)) })],
  ];
  const PER_KIND = 15_000;
  for (const [what, link, corpus, meta] of kinds) {
    const source = new InputSource(link, rand, corpus, meta);
    const errors = new Map<string, number>();
    let frames = 0;
    let ok = 0;
    const crashes: string[] = [];
    for (let i = 0; i < PER_KIND; i++) {
      const { input, mutation } = source.next();
      const out = decodeInput(rand, link, input, 1 << 20);
      frames += out.frames;
      ok += out.payloadsOk;
      for (const e of out.errors) errors.set(e, (errors.get(e) ?? 0) + 1);
      if (out.crash && crashes.length < 3)
        crashes.push(`${mutation}: ${String(out.crash.error)} on ${input.toString("hex").slice(0, 200)}`);
    }
    t.same(crashes, [], `${what}: ${PER_KIND} inputs, no exception but typed ones`);
    t.ok(
      ok > 0 && errors.size >= 3,
      `${what}: ${frames} frames, ${ok} decoded, errors ${JSON.stringify(Object.fromEntries(errors))}`,
    );
  }
  // Controls: every unmutated frame decodes.
  const control = new InputSource("slave", rand, cluster, rootMeta);
  for (let i = 0; i < 200; i++) {
    const out = decodeInput(rand, "slave", control.next("none").input, 1 << 20);
    if (out.payloadsOk !== 1 || out.errors.length) return t.fail(`a valid frame did not decode: ${out.errors}`);
  }
  t.pass("valid frames decode");
});

t.test("sibling links: each hostile input closes only that link; the master answers throughout", async (t) => {
  const slave = await startHardened(t, {
    shards: [SHARD_A],
    siblingCheck: "announced",
    frameTimeoutMs: 200,
    handshakeTimeoutMs: 400,
    dialTimeoutMs: 200,
  });
  const master = await connectMaster(t, slave.port);
  // The fuzzing siblings are announced (their own ports are never used: they dial in).
  await master.connectToSlaves([0, 1, 2, 3].map((w) => announced(`F${w}`, [SHARD_B])));
  await master.ping(TestMaster.genesisRoot());
  const source = new InputSource(
    "slave",
    rand,
    cluster,
    (_, r) => ({ branch: 0, clusterPeerId: 0n, rpcId: BigInt(2 + r.int(3)) }),
    { focus: only(cluster, "cluster", SIBLING_OPS), controlRate: 0.1 },
  );
  const res = await fuzzSiblingLinks(slave.port, source, rand, 160, {
    shard: SHARD_B,
    probeShard: SHARD_A,
    parallel: 4,
    onInput: (i) => {
      if (i % 40 === 39) void master.ping();
    },
  });
  t.equal(res.inputs, 160);
  t.ok(
    res.closed > 0 && res.alive > 0,
    `closed ${res.closed}, survived ${res.alive}: ${JSON.stringify(res.byMutation)}`,
  );
  await masterAnswers(t, master, "the master link answers after every input");
  await until(() => slave.server.stats().inboundSockets === 0, "every fuzzing link to be gone");
  const stats = slave.server.stats();
  t.equal(stats.pendingCalls.total, 0, "no call left pending");
  t.equal(stats.closes["internal"] ?? 0, 0, "no internal error");
  const blewUp = [...slave.log.find("internal error"), ...slave.log.find("handler failed")];
  t.same(
    blewUp.map((l) => l["reason"] ?? l["err"]),
    [],
    "no handler blew up",
  );
});

t.test("forwarded peer frames: each closes at most its own PeerConn; the master link stays up", async (t) => {
  const slave = await startHardened(t, { shards: [SHARD_A, SHARD_B] });
  const master = await connectMaster(t, slave.port, { root: true });
  const dispatcher = slave.server.masterConn!.dispatcher;
  let stopped = false;
  void slave.server.stopped.then(() => (stopped = true));
  const res = await fuzzPeerFrames(master, p2p, rand, 500, {
    shards: [SHARD_A, SHARD_B],
    batch: 50,
    focus: only(p2p, "p2p", PEER_OPS),
    isClosed: (peer, shard) => dispatcher.peerConn(peer, shard)?.closed === true,
  });
  t.equal(res.inputs, 500);
  t.ok(
    res.closedPeerConns > 0,
    `${res.closedPeerConns} PeerConns closed by their input; mutations ${JSON.stringify(res.byMutation)}`,
  );
  t.equal(res.masterRoundTrips, 10, "the master answered after every batch");
  await masterAnswers(t, master, "the master link is up");
  t.notOk(stopped, "the slave is running");
  t.equal(dispatcher.load().peerConns, 0, "every fuzzed peer destroyed");
  t.equal(slave.log.find("internal error").length, 0, "no internal error");
});

t.test("master link: a bad frame stops the slave cleanly (pyquarkchain), a good one is answered", async (t) => {
  const source = new InputSource(
    "master",
    rand,
    cluster.filter((s) => s.name !== "CONNECT_TO_SLAVES_REQUEST"),
    (_, r) => ({ branch: r.chance(0.9) ? 0 : r.pick(NETWORK), clusterPeerId: 0n, rpcId: BigInt(2 + r.int(3)) }),
    { focus: only(cluster, "cluster", MASTER_OPS), controlRate: 0.25 },
  );
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    const slave = await startHardened(t, { shards: [SHARD_A], frameTimeoutMs: 200 });
    const { outcome, mutation } = await masterInput(slave.port, slave.server.stopped, source);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    const internal = slave.log.find("internal error while handling a frame");
    if (internal.length) t.fail(`internal error after ${mutation}: ${JSON.stringify(internal[0])}`);
  }
  t.ok(
    (outcomes["stopped"] ?? 0) > 0,
    `outcomes ${JSON.stringify(outcomes)}; every slave stopped cleanly once its master left`,
  );
});
