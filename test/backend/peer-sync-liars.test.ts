import t, { type Test } from "tap";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import { MAX_SYNC_AHEAD } from "../../src/backend/synchronizer.ts";
import type { MinorBlock, MinorBlockHeader } from "../../src/messages/core.ts";
import type { P2PMessage } from "../../src/messages/p2p.ts";
import { serveMetrics } from "../../src/metrics/metrics-server.ts";
import { slaveMetrics } from "../../src/metrics/slave-metrics.ts";
import { httpGet, sample } from "../helpers/scrape.ts";
import { fixtureBlock, hex } from "./chain-helpers.ts";
import {
  type Answer,
  type Miner,
  PEER,
  SHARD,
  announce,
  bootSlave,
  f,
  minerChain,
  playPeer,
  until,
} from "./peer-sync-helpers.ts";

/*
 * Peers that lie or stall while the slave syncs from them: each is dropped (its PeerConn
 * closes, counted by reason), the slave keeps what it had (or what it added before the lie),
 * and its master link and other peers are unaffected.
 */

const HONEST = PEER + 1n;
let minerCache: Promise<Miner> | undefined;
const miner = () => (minerCache ??= minerChain(120));

type Headers = P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_RESPONSE">;
type Blocks = P2PMessage<"GET_MINOR_BLOCK_LIST_RESPONSE">;

/** A peer that answers as the honest miner, its answers passed through `lie` first. */
function liar(m: Miner, lie: (name: string, honest: unknown, request: unknown) => unknown): Answer {
  return async (name, request) => lie(name, await m.honest(name, request), request);
}

/**
 * The slave (on B3f) syncs from a peer announcing the miner's tip through `lie`; it must drop
 * the peer for `reason`. Its tip then: B3f (height 3) unless `tipHeight` says otherwise.
 */
async function dropped(
  t: Test,
  lie: Answer,
  reason: string,
  opts: { timeoutMs?: number; honestToo?: boolean; tipHeight?: bigint } = {},
) {
  const m = await miner();
  const { slave, backend, master, shard } = await bootSlave(t, opts.timeoutMs);
  const b3f = hex(minorBlockHash(fixtureBlock(f, "B3f").header));
  t.equal(await master.createPeer(PEER), 0);
  playPeer(t, master, PEER, lie);
  if (opts.honestToo) {
    t.equal(await master.createPeer(HONEST), 0);
    playPeer(t, master, HONEST, m.honest);
  }
  announce(master, PEER, m);
  if (opts.honestToo) announce(master, HONEST, m);
  await until(`the peer dropped for ${reason}`, () => backend.syncStats.dropped.size > 0);
  t.same([...backend.syncStats.dropped], [[reason, 1]], `dropped for ${reason}`);
  await until("its PeerConn closed", () => slave.server.stats().peerConns === (opts.honestToo ? 1 : 0));
  const eco = await master.call("GET_ECO_INFO_LIST_REQUEST", {});
  t.equal(eco.error_code, 0, "the master link still answers");
  if (opts.honestToo) {
    await until("the honest peer's tip", () => hex(shard().tipHash) === hex(m.shard.tipHash));
    t.pass("the next task, the honest peer's tip, is synced");
  } else if (opts.tipHeight === undefined) {
    t.equal(hex(shard().tipHash), b3f, "nothing added: the tip is still B3f");
  } else {
    t.equal(shard().headerTip.height, opts.tipHeight, "what was added before the lie stays");
  }
  return { slave, backend };
}

t.test("headers that do not link to the one asked for", async (t) => {
  await dropped(
    t,
    liar(await miner(), (name, honest) => {
      if (name !== "GET_MINOR_BLOCK_HEADER_LIST_REQUEST") return honest;
      const h = honest as Headers;
      return { ...h, block_header_list: h.block_header_list.slice(1) }; // skips one
    }),
    "unlinked-headers",
  );
});

t.test("a cycle: the first header list again whatever is asked", async (t) => {
  let first: Headers | undefined;
  await dropped(
    t,
    liar(await miner(), (name, honest) => {
      if (name !== "GET_MINOR_BLOCK_HEADER_LIST_REQUEST") return honest;
      first ??= { ...(honest as Headers), block_header_list: (honest as Headers).block_header_list.slice(0, 10) };
      return first;
    }),
    "unlinked-headers",
  );
});

t.test("an empty header list", async (t) => {
  await dropped(
    t,
    liar(await miner(), (name, honest) =>
      name === "GET_MINOR_BLOCK_HEADER_LIST_REQUEST" ? { ...(honest as Headers), block_header_list: [] } : honest,
    ),
    "no-headers",
  );
});

t.test("more headers than asked", async (t) => {
  const m = await miner();
  await dropped(
    t,
    async (name, request) => {
      const req = request as P2PMessage<"GET_MINOR_BLOCK_HEADER_LIST_REQUEST">;
      return m.honest(name, name === "GET_MINOR_BLOCK_HEADER_LIST_REQUEST" ? { ...req, limit: 101 } : request);
    },
    "too-many-headers",
  );
});

t.test("blocks out of the order asked", async (t) => {
  await dropped(
    t,
    liar(await miner(), (name, honest) =>
      name === "GET_MINOR_BLOCK_LIST_REQUEST"
        ? { minor_block_list: [...(honest as Blocks).minor_block_list].reverse() }
        : honest,
    ),
    "block-mismatch",
  );
});

t.test("fewer blocks than asked", async (t) => {
  await dropped(
    t,
    liar(await miner(), (name, honest) =>
      name === "GET_MINOR_BLOCK_LIST_REQUEST"
        ? { minor_block_list: (honest as Blocks).minor_block_list.slice(1) }
        : honest,
    ),
    "missing-blocks",
  );
});

t.test("a block whose header is the one asked for but whose body is not (invalid)", async (t) => {
  const tamper = (b: MinorBlock): MinorBlock => ({ ...b, meta: { ...b.meta, evm_gas_used: b.meta.evm_gas_used + 1n } });
  await dropped(
    t,
    liar(await miner(), (name, honest) => {
      if (name !== "GET_MINOR_BLOCK_LIST_REQUEST") return honest;
      const list = (honest as Blocks).minor_block_list;
      return { minor_block_list: list.map((b, i) => (i === 10 ? tamper(b) : b)) };
    }),
    "invalid-block",
    { tipHeight: 12n }, // B3 .. the block before the invalid one
  );
});

t.test("a peer that never answers, then an honest peer's tip; the metrics count both tasks", async (t) => {
  const { slave, backend } = await dropped(t, () => undefined, "timeout", { timeoutMs: 300, honestToo: true });
  const metrics = await serveMetrics(
    slaveMetrics(slave.server, backend.syncStats),
    () => slave.server.health(),
    "127.0.0.1",
    0,
  );
  t.teardown(() => metrics.close());
  const text = (await httpGet(metrics.address.port, "/metrics")).body;
  t.equal(sample(text, "qkc_sync_tasks_total"), 2);
  t.equal(sample(text, "qkc_sync_blocks_total"), 123, "B3 .. the honest peer's tip at 125");
  t.equal(sample(text, "qkc_sync_peers_dropped_total", { reason: "timeout" }), 1);
});

t.test("a tip too far ahead starts no task; nothing is asked of that peer", async (t) => {
  const m = await miner();
  const { backend, master, shard } = await bootSlave(t);
  for (const id of [PEER, HONEST]) t.equal(await master.createPeer(id), 0);
  const seen = playPeer(t, master, PEER, m.honest);
  playPeer(t, master, HONEST, m.honest);
  const far: MinorBlockHeader = { ...m.shard.headerTip, height: 3n + MAX_SYNC_AHEAD + 1n };
  announce(master, PEER, m, far);
  announce(master, HONEST, m); // sent after: the far tip was handled by the time this one is synced
  await until("the honest peer's tip", () => hex(shard().tipHash) === hex(m.shard.tipHash));
  t.same([backend.syncStats.tasks, seen], [1, []], "one task, the honest peer's");
});
