import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { EBADMSG } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { RpcError } from "../../src/cluster/rpc-errors.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { ShardStats } from "../../src/messages/cluster.ts";
import { MinorBlock, TokenBalanceMap } from "../../src/messages/core.ts";
import { FakePeer, TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureBlock, fixtureRoot, hex, snapshot } from "./chain-helpers.ts";
import { mineEmpty } from "../../harness/empty-blocks.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);
const PEER = 5n;

async function boot(syncTimeoutMs?: number) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog, syncTimeoutMs });
  const ctx = new TestContext();
  const peer = ctx.addPeer(new FakePeer(PEER));
  backend.attach(ctx);
  await backend.createShards(genesis.rootBlock());
  return { backend, ctx, peer, master: backend.master as Required<MasterHandlers> };
}

const hashOf = (name: string) => minorBlockHash(fixtureBlock(f, name).header);
const sync = (master: Required<MasterHandlers>, hashes: Uint8Array[], peer = PEER, branch = SHARD) =>
  master.SYNC_MINOR_BLOCK_LIST_REQUEST({
    minor_block_hash_list: hashes,
    branch: { value: branch },
    cluster_peer_id: peer,
  });
const coinbaseOf = (name: string) => f.blocks.find((b) => b.name === name)!.coinbase_amount_map;

t.test("SYNC_MINOR_BLOCK_LIST from a peer: download, link, add, report", async (t) => {
  const { backend, ctx, peer, master } = await boot();
  peer.serve(...["B1", "B2", "B3", "B3f", "B4"].map((n) => fixtureBlock(f, n)));

  const res = await sync(master, [hashOf("B1"), hashOf("B2")]);
  t.equal(res.error_code, 0);
  t.same(
    res.block_coinbase_map.map(([h, m]) => [hex(h), hex(encode(TokenBalanceMap, m))]),
    [
      [hex(hashOf("B1")), coinbaseOf("B1")],
      [hex(hashOf("B2")), coinbaseOf("B2")],
    ],
  );
  t.equal(hex(encode(ShardStats, res.shard_stats!)), snapshot(f, "B2").shard_stats, "shard stats as pyquarkchain's");
  t.same(
    peer.calls.map((c) => [
      c.op,
      (c.request as { minor_block_hash_list: unknown[] }).minor_block_hash_list.length,
      c.timeoutMs,
    ]),
    [["GET_MINOR_BLOCK_LIST_REQUEST", 2, 30_000]],
  );
  t.equal(ctx.headerLists.length, 1, "one ADD_MINOR_BLOCK_HEADER_LIST");
  t.same(
    ctx.headerLists[0]!.minor_block_header_list.map((h) => hex(minorBlockHash(h))),
    [hex(hashOf("B1")), hex(hashOf("B2"))],
  );
  t.same(
    ctx.headerLists[0]!.coinbase_amount_map_list.map((m) => hex(encode(TokenBalanceMap, m))),
    [coinbaseOf("B1"), coinbaseOf("B2")],
  );
  t.same(ctx.xshardBatches, [], "root height 0: no xshard targets");
  t.equal(ctx.headers.length, 1, "no single-block headers (only genesis)");
  t.same(
    peer.sent.map((s) => s.op),
    [],
    "the sync path does not broadcast",
  );
  t.equal(hex(backend.chain(SHARD)!.tipHash), hex(hashOf("B2")));

  t.same(await backend.addRootBlock(fixtureRoot(f, "R1")), { error_code: 0, switched: true });
  const b3 = await sync(master, [hashOf("B3"), hashOf("B3f")]);
  t.equal(b3.error_code, 0, "B3 and the fork B3f");
  t.same(
    ctx.xshardBatches.map((b) => [
      b.shard,
      b.requests.map((r) => [r.branch.value, hex(r.minor_block_hash), r.tx_list.tx_list.length]),
    ]),
    [
      [
        3,
        [
          [3, hex(hashOf("B3")), 0],
          [3, hex(hashOf("B3f")), 0],
        ],
      ],
    ],
    "one BATCH_ADD_XSHARD_TX_LIST to shard 3 with both lists",
  );
  t.equal(hex(backend.chain(SHARD)!.tipHash), hex(hashOf("B3")));

  const again = await sync(master, [hashOf("B1"), hashOf("B2"), hashOf("B3")]);
  t.equal(again.error_code, 0, "already committed blocks");
  t.equal(again.block_coinbase_map.length, 3, "still in the map");
  t.same(ctx.headerLists.at(-1)!.minor_block_header_list, [], "an empty header list is still sent");

  const b4 = await sync(master, [hashOf("B4")]);
  t.equal(b4.error_code, 0, "B4's transactions run and pass add_block's checks");
  t.same(
    ctx.headerLists.at(-1)!.minor_block_header_list.map((h) => hex(minorBlockHash(h))),
    [hex(hashOf("B4"))],
    "B4 reported",
  );
  t.equal(hex(backend.chain(SHARD)!.tipHash), hex(hashOf("B4")));
});

t.test("SYNC_MINOR_BLOCK_LIST error answers (PROTOCOL §5.5)", async (t) => {
  const { ctx, peer, master } = await boot(50);
  const none = { block_coinbase_map: [], shard_stats: null };
  t.same(await sync(master, [hashOf("B1")], PEER, 3), { error_code: EBADMSG, ...none }, "shard not local");
  t.same(await sync(master, [hashOf("B1")], 99n), { error_code: EBADMSG, ...none }, "no such peer connection");
  t.same(await sync(master, []), { error_code: 0, ...none }, "nothing to sync");
  t.same(await sync(master, [hashOf("B1"), hashOf("B2")]), { error_code: 1, ...none }, "the peer has none of them");
  peer.serve(fixtureBlock(f, "B2"));
  t.same(await sync(master, [hashOf("B1"), hashOf("B2")]), { error_code: 1, ...none }, "short list");
  peer.serve(fixtureBlock(f, "B1"));
  peer.answer = async () => {
    throw new RpcError("timeout", "no answer within 50 ms");
  };
  t.same(await sync(master, [hashOf("B1")]), { error_code: 1, ...none }, "timeout");
  t.equal(peer.calls.at(-1)!.timeoutMs, 50, "the sync timeout per batch");
  peer.answer = async () => [fixtureBlock(f, "B1"), fixtureBlock(f, "B1")];
  t.equal((await sync(master, [hashOf("B1"), hashOf("B2")])).error_code, 1, "a block not asked for");
  peer.answer = undefined;
  ctx.masterError = 3;
  t.same(await sync(master, [hashOf("B1")]), { error_code: 1, ...none }, "the master refused the header list");
  ctx.masterError = 0;
  peer.answer = async () => [fixtureBlock(f, "B2"), fixtureBlock(f, "B1")];
  const res = await sync(master, [hashOf("B1"), hashOf("B2")]);
  t.equal(res.error_code, 0, "out of order: linked by hash, added parent first");
  t.same(
    res.block_coinbase_map.map(([h]) => hex(h)),
    [hex(hashOf("B1")), hex(hashOf("B2"))],
  );
  t.same(
    ctx.headerLists.at(-1)!.minor_block_header_list.map((h) => hex(minorBlockHash(h))),
    [hex(hashOf("B1")), hex(hashOf("B2"))],
    "B1 was added before but never committed: reported again",
  );
});

t.test("SYNC in batches of 100, and a failing sibling", async (t) => {
  // A miner backend makes 150 empty blocks (each one accepted by its own ADD_MINOR_BLOCK).
  const miner = await boot();
  const chain = miner.backend.chain(SHARD)!;
  const root = fixtureRoot(f, "R0").header;
  const blocks: MinorBlock[] = [];
  let parent = chain.tip;
  for (let i = 1; i <= 150; i++) {
    const block = mineEmpty(config, chain, parent, root, parent.header.create_time + 5n, {
      recipient: new Uint8Array(20).fill(i % 3),
      full_shard_key: 0,
    });
    const res = await miner.master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });
    if (res.error_code !== 0) t.fail(`block ${i} refused by its miner`);
    blocks.push(block);
    parent = block;
  }
  const { backend, ctx, peer, master } = await boot();
  peer.serve(...blocks);
  const res = await sync(
    master,
    blocks.map((b) => minorBlockHash(b.header)),
  );
  t.equal(res.error_code, 0);
  t.same(
    peer.calls.map((c) => (c.request as { minor_block_hash_list: unknown[] }).minor_block_hash_list.length),
    [100, 50],
  );
  t.same(
    ctx.headerLists.map((l) => l.minor_block_header_list.length),
    [100, 50],
  );
  t.equal(res.block_coinbase_map.length, 150);
  t.equal(backend.chain(SHARD)!.headerTip.height, 150n);
  t.equal(hex(backend.chain(SHARD)!.state!.stateRoot()), hex(chain.state!.stateRoot()), "same state as the miner's");
  t.equal(res.shard_stats!.height, 150n);
  t.equal(res.shard_stats!.block_count60s, 12, "blocks 5 s apart in the last 60 s");
});

t.test("SYNC with xshard targets: a failing sibling fails it; a shard no link serves does not", async (t) => {
  const { backend, ctx, peer, master } = await boot();
  peer.serve(...["B1", "B2", "B3", "B3f"].map((n) => fixtureBlock(f, n)));
  t.equal((await sync(master, [hashOf("B1"), hashOf("B2")])).error_code, 0);
  await backend.addRootBlock(fixtureRoot(f, "R1"));
  ctx.xshardFailures = [{ slave: "S1", fullShardId: 3, error: "connection closed" }];
  const headerLists = ctx.headerLists.length;
  t.equal((await sync(master, [hashOf("B3")])).error_code, 1);
  t.equal(ctx.headerLists.length, headerLists, "the master is not told before the siblings hold the lists");
  ctx.xshardFailures = [{ slave: "-", fullShardId: 3, error: "no linked slave serves shard 3" }];
  t.equal((await sync(master, [hashOf("B3")])).error_code, 0);
  t.equal(ctx.headerLists.length, headerLists + 1);
});
