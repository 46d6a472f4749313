import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { ChainDb, ROOT_HEADERS_KEPT, STATE_KNOWN, STATE_UNKNOWN } from "../../src/backend/chain/chain-store.ts";
import { NetworkGenesis, minorBlockHash, rootBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { AccountBranchData } from "../../src/messages/cluster.ts";
import { MinorBlock, RootBlock } from "../../src/messages/core.ts";
import { FakePeer, TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, chainFixture, fixtureBlock, fixtureRoot, hex, snapshot } from "./chain-helpers.ts";
import { mineEmpty } from "../../harness/empty-blocks.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "qkc-chain-store-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The same checks on the in-memory and the LMDB store. */
async function storeBehaviour(t: Test, db: ChainDb) {
  const store = db.shard(SHARD);
  const other = db.shard(3);
  const b1 = fixtureBlock(f, "B1");
  const b2 = fixtureBlock(f, "B2");
  const h1 = minorBlockHash(b1.header);
  const h2 = minorBlockHash(b2.header);
  t.equal(store.minorBlock(h1), undefined, "empty at first");
  store.putMinorBlock(b1, { total_tx_count: 0, state: STATE_KNOWN, coinbase_key: 7 });
  store.putMinorBlock(b2, { total_tx_count: 3, state: STATE_UNKNOWN, coinbase_key: 0 });
  t.equal(hex(encode(MinorBlock, store.minorBlock(h1)!)), f.blocks[0]!.hex, "a block by hash, byte for byte");
  t.same(store.blockNote(h1), { total_tx_count: 0, state: STATE_KNOWN, coinbase_key: 7 });
  t.same(store.blockNote(h2), { total_tx_count: 3, state: STATE_UNKNOWN, coinbase_key: 0 });
  t.equal(other.minorBlock(h1), undefined, "shards are separate");

  store.rewriteCanonical({ put: [b1, b2], drop: [] });
  t.same(
    [store.canonicalHash(1n), store.canonicalHash(2n), store.canonicalHash(3n)].map((h) => h && hex(h)),
    [hex(h1), hex(h2), undefined],
  );
  store.rewriteCanonical({ put: [], drop: [b2] });
  t.equal(store.canonicalHash(2n), undefined, "dropped from the canonical index");
  t.equal(store.hasMinorBlock(h2), true, "but kept");

  t.equal(store.isCommitted(h1), false);
  store.commit(h1);
  t.equal(store.isCommitted(h1), true);

  const r0 = fixtureRoot(f, "R0");
  const r1 = fixtureRoot(f, "R1");
  store.putRootBlock(r0, null);
  store.putRootBlock(r1, h2);
  t.equal(hex(encode(RootBlock, store.rootBlock(rootBlockHash(r1.header))!)), f.root_blocks.R1);
  t.equal(store.lastConfirmedAt(rootBlockHash(r0.header)), null, "confirms nothing of this shard");
  t.equal(hex(store.lastConfirmedAt(rootBlockHash(r1.header))!), hex(h2));
  t.equal(store.lastConfirmedAt(new Uint8Array(32)), undefined, "unknown root block");

  const g = fixtureBlock(f, "B3f");
  store.putGenesisBlock(rootBlockHash(r0.header), g, { total_tx_count: 0, state: 2, coinbase_key: 0 });
  t.equal(hex(minorBlockHash(store.genesisBlockAt(rootBlockHash(r0.header))!.header)), hex(minorBlockHash(g.header)));

  const list = { tx_list: [], version: 1 };
  t.equal(store.hasXshardTxList(h1), false);
  store.putXshardTxList(h1, list);
  t.same(store.xshardTxList(h1), list);

  t.equal(store.tips(), undefined);
  store.putTips({ header: h1, root: rootBlockHash(r1.header), confirmed: null });
  t.same(store.tips(), { header: h1, root: rootBlockHash(r1.header), confirmed: null });
  store.putTips({ header: h2, root: rootBlockHash(r1.header), confirmed: h1 });
  t.same(store.tips()!.confirmed, h1);
}

t.test("ChainStore in memory", async (t) => {
  const db = ChainDb.memory();
  t.equal(db.persistent, false);
  await storeBehaviour(t, db);
  await db.close();
});

t.test("ChainStore on disk (LMDB), and what a reopened store still holds", async (t) => {
  const dir = tempDir(t);
  const db = ChainDb.open(dir);
  t.equal(db.persistent, true);
  await storeBehaviour(t, db);
  await db.close();
  const again = ChainDb.open(dir);
  const store = again.shard(SHARD);
  const h1 = minorBlockHash(fixtureBlock(f, "B1").header);
  t.equal(hex(encode(MinorBlock, store.minorBlock(h1)!)), f.blocks[0]!.hex, "the block survived");
  t.equal(store.isCommitted(h1), true);
  t.same(store.xshardTxList(h1), { tx_list: [], version: 1 });
  t.equal(hex(store.tips()!.header), f.blocks[1]!.hash);
  await again.close();
});

t.test(
  "decoded root blocks are bounded by the headers they confirm: big root blocks do not keep the chain",
  async (t) => {
    const db = ChainDb.memory();
    const store = db.shard(SHARD);
    const r1 = fixtureRoot(f, "R1");
    const header = fixtureBlock(f, "B1").header;
    // Root blocks confirming 500 minor headers each (as the RSS bench's were, one a 500 blocks): 256 kept
    // by count alone would hold 128,000 decoded headers.
    const roots = Array.from({ length: 24 }, (_, i) => ({
      ...r1,
      header: { ...r1.header, height: 100 + i },
      minor_block_header_list: Array.from({ length: 500 }, (_, k) => ({ ...header, height: BigInt(500 * i + k) })),
    }));
    for (const r of roots) store.putRootBlock(r, null);
    const kept = store.cached();
    t.ok(
      kept.rootHeaders <= ROOT_HEADERS_KEPT,
      `${kept.rootHeaders} headers held by ${kept.roots} decoded root blocks`,
    );
    t.ok(kept.roots >= ROOT_HEADERS_KEPT / 500 - 1, "the most recent stay decoded");
    t.equal(
      kept.roots,
      Math.floor(ROOT_HEADERS_KEPT / 500),
      `${ROOT_HEADERS_KEPT} headers' worth of root blocks of 500`,
    );
    // What the cache dropped is read from the store again, byte for byte.
    for (const r of [roots[0]!, roots[23]!])
      t.equal(hex(encode(RootBlock, store.rootBlock(rootBlockHash(r.header))!)), hex(encode(RootBlock, r)));
    await db.close();
  },
);

async function start(db: ChainDb, root: RootBlock) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog, db });
  const ctx = new TestContext();
  backend.attach(ctx);
  await backend.createShards(root);
  return { backend, ctx, master: backend.master as Required<MasterHandlers> };
}
const add = (master: Required<MasterHandlers>, name: string) =>
  master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, fixtureBlock(f, name)) });
const byHash = (master: Required<MasterHandlers>, name: string) =>
  master.GET_MINOR_BLOCK_REQUEST({
    branch: { value: SHARD },
    minor_block_hash: bytes(f.blocks.find((b) => b.name === name)!.hash),
    height: 0n,
    need_extra_info: false,
  });
const byHeight = (master: Required<MasterHandlers>, height: bigint) =>
  master.GET_MINOR_BLOCK_REQUEST({
    branch: { value: SHARD },
    minor_block_hash: new Uint8Array(32),
    height,
    need_extra_info: false,
  });

t.test("a restart with the same --db-path keeps the blocks", async (t) => {
  const dir = tempDir(t);
  const r0 = fixtureRoot(f, "R0");
  const r1 = fixtureRoot(f, "R1");
  {
    const { backend, master } = await start(ChainDb.open(dir), r0);
    for (const name of ["B1", "B2"]) t.same(await add(master, name), { error_code: 0 });
    t.same(await backend.addRootBlock(r1), { error_code: 0, switched: true });
    t.same(await add(master, "B3"), { error_code: 0 });
    await backend.close();
  }
  {
    // The master's PING carries root tip R1: the shard recovers from the store. Its tip is the
    // last block R1 confirms (B2), as pyquarkchain's init_from_root_block picks it.
    const { backend, ctx, master } = await start(ChainDb.open(dir), r1);
    t.same(ctx.headers, [], "no genesis header: the shard was recovered, not created");
    const chain = backend.chain(SHARD)!;
    t.equal(hex(chain.tipHash), snapshot(f, "B2").tip_hash, "tip: the last confirmed block");
    t.equal(chain.confirmedHeight, 2n);
    t.equal(hex(chain.state!.stateRoot()), snapshot(f, "B2").evm_state_root, "state replayed from genesis");
    for (const name of ["B1", "B2", "B3"]) t.equal((await byHash(master, name)).error_code, 0, `${name} kept`);
    t.equal((await byHeight(master, 3n)).error_code, 1, "B3 is above the tip now");
    t.same(await add(master, "B3"), { error_code: 0 }, "B3 again: committed before, so nothing to do");
    t.equal(ctx.headers.length, 0);
    t.equal(hex(chain.tipHash), snapshot(f, "B2").tip_hash, "as in pyquarkchain, the tip stays");
    // A peer's block on B3 moves the tip past it: B3 is canonical again.
    const b3 = fixtureBlock(f, "B3");
    const next = mineEmpty(config, chain, b3, fixtureRoot(f, "R1").header, b3.header.create_time + 5n, {
      recipient: new Uint8Array(20).fill(0x77),
      full_shard_key: 0,
    });
    ctx.addPeer(new FakePeer(1n));
    await backend.peer.NEW_BLOCK_MINOR!({ clusterPeerId: 1n, fullShardId: SHARD }, { block: next });
    t.equal(chain.headerTip.height, 4n, "tip: the peer's block");
    t.equal(hex(minorBlockHash((await byHeight(master, 3n)).minor_block.header)), snapshot(f, "B3").tip_hash);
    t.equal(ctx.headers.length, 1, "its header reached the master");
    t.equal(
      hex(chain.tryStateAfter(minorBlockHash(b3.header))!.stateRoot()),
      snapshot(f, "B3").evm_state_root,
      "the state after B3, replayed",
    );
    const s = snapshot(f, "B3");
    for (const [recipient, expected] of Object.entries(s.account_data)) {
      const res = await master.GET_ACCOUNT_DATA_REQUEST({
        address: { recipient: bytes(recipient), full_shard_key: 0 },
        block_height: 3n,
      });
      t.equal(hex(encode(AccountBranchData, res.account_branch_data_list[0]!)), expected, `account ${recipient} at 3`);
    }
    await backend.close();
  }
  {
    // A root tip at the genesis root height: the genesis block is the tip again, as in pyquarkchain.
    const { backend, ctx, master } = await start(ChainDb.open(dir), r0);
    t.equal(ctx.headers.length, 1, "the genesis header is reported again");
    t.equal(hex(backend.chain(SHARD)!.tipHash), f.genesis.hash);
    t.equal((await byHash(master, "B3")).error_code, 0, "blocks kept");
    t.equal((await byHeight(master, 1n)).error_code, 1, "not canonical any more");
    await backend.close();
  }
});

t.test(
  "a restart resumes at the confirmed block: one the master never answered for runs again when it comes",
  async (t) => {
    const dir = tempDir(t);
    {
      const { backend, ctx, master } = await start(ChainDb.open(dir), fixtureRoot(f, "R0"));
      for (const name of ["B1", "B2"]) t.same(await add(master, name), { error_code: 0 });
      t.same(await backend.addRootBlock(fixtureRoot(f, "R1")), { error_code: 0, switched: true });
      ctx.masterError = 1; // B3 is stored and is the tip, but its header is refused: never committed
      t.not((await add(master, "B3")).error_code, 0, "B3 answered as failed");
      t.equal(hex(backend.chain(SHARD)!.tipHash), snapshot(f, "B3").tip_hash);
      await backend.close();
    }
    const { backend, ctx, master } = await start(ChainDb.open(dir), fixtureRoot(f, "R1"));
    const chain = backend.chain(SHARD)!;
    t.equal(hex(chain.tipHash), snapshot(f, "B2").tip_hash, "tip: B2, the last block R1 confirms");
    t.equal((await byHeight(master, 3n)).error_code, 1, "B3 is stored, not canonical");
    t.same(await add(master, "B3"), { error_code: 0 }, "B3 again: run, reported, committed");
    t.equal(ctx.headers.length, 1, "its header reached the master this time");
    t.equal(hex(chain.tipHash), snapshot(f, "B3").tip_hash);
    t.equal(chain.store.isCommitted(minorBlockHash(fixtureBlock(f, "B3").header)), true);
    await backend.close();
  },
);

t.test("in memory nothing survives: a root tip past genesis has no chain to recover", async (t) => {
  await t.rejects(start(ChainDb.memory(), fixtureRoot(f, "R1")), /holds no chain to recover/);
  const fresh = await start(ChainDb.memory(), fixtureRoot(f, "R0"));
  t.equal((await byHash(fresh.master, "B1")).error_code, 1);
});
