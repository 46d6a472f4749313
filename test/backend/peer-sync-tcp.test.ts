import t from "tap";
import { minorBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { AccountBranchData } from "../../src/messages/cluster.ts";
import { bytes, fixtureBlock, hex } from "./chain-helpers.ts";
import { type Miner, PEER, SHARD, announce, bootSlave, f, minerChain, playPeer, until } from "./peer-sync-helpers.ts";

/*
 * A peer announces a better tip; the slave walks the peer's headers back to a block it has,
 * downloads the rest in batches and adds them (shard.py: SyncTask, Synchronizer), over TCP.
 */

const EXTRA = 300; // empty blocks the peer's chain has after B5

const SENDER = { recipient: bytes(f.sender.address).subarray(0, 20), full_shard_key: 0 };

let minerCache: Promise<Miner> | undefined;
const miner = () => (minerCache ??= minerChain(EXTRA));

t.test("a peer announces a tip hundreds of blocks ahead on another fork: the slave reaches it", async (t) => {
  const m = await miner();
  const { backend, master, shard } = await bootSlave(t);
  t.equal(hex(shard().tipHash), hex(minorBlockHash(fixtureBlock(f, "B3f").header)), "the slave starts on B3f");
  t.equal(await master.createPeer(PEER), 0);
  const seen = playPeer(t, master, PEER, m.honest);
  const reports = master.headerReports.length;
  announce(master, PEER, m);
  await until("the peer's tip", () => hex(shard().tipHash) === hex(m.shard.tipHash));

  t.equal(shard().headerTip.height, m.shard.headerTip.height, `height ${m.shard.headerTip.height}`);
  const tipHeight = Number(m.shard.headerTip.height);
  const missing = tipHeight - 2; // B3 .. the tip
  t.same(
    [
      seen.filter((n) => n === "GET_MINOR_BLOCK_HEADER_LIST_REQUEST").length,
      seen.filter((n) => n === "GET_MINOR_BLOCK_LIST_REQUEST").length,
    ],
    [Math.ceil((missing - 1) / 100), Math.ceil(missing / 50)],
    "headers 100 at a time from the tip's parent down, blocks 50 at a time",
  );
  await until("every header reported", () => master.headerReports.length === reports + missing);
  t.same(
    master.headerReports.slice(reports).map((r) => Number(r.minor_block_header.height)),
    Array.from({ length: missing }, (_, i) => 3 + i),
    "each block reaches the master in order, one ADD_MINOR_BLOCK_HEADER each (Shard.add_block)",
  );
  // A block is counted once addBlock returns, after the master has answered its header report: the
  // last report can reach the master a moment before the slave counts its block (CI saw 302 of 303).
  await until("every block counted", () => backend.syncStats.blocks >= missing);
  t.same(
    [backend.syncStats.tasks, backend.syncStats.blocks, [...backend.syncStats.dropped]],
    [1, missing, []],
    "one task, every block downloaded, no peer dropped",
  );

  const here = (await master.call("GET_ACCOUNT_DATA_REQUEST", { address: SENDER, block_height: null }))
    .account_branch_data_list;
  const there = (await m.master.GET_ACCOUNT_DATA_REQUEST({ address: SENDER, block_height: null }))
    .account_branch_data_list;
  t.same(
    here.map((d) => hex(encode(AccountBranchData, d))),
    there.map((d) => hex(encode(AccountBranchData, d))),
    "the sender's account as on the peer's chain",
  );
  t.ok(here[0]!.transaction_count > 0n, "B4's transactions were run");
  t.ok(shard().worldAfterBlock(shard().tipHash), "the tip's state records are stored (each block was run)");
});

t.test("NEW_BLOCK_MINOR with an unknown parent starts the sync too", async (t) => {
  const m = await miner();
  const { master, shard } = await bootSlave(t);
  t.equal(await master.createPeer(PEER), 0);
  playPeer(t, master, PEER, m.honest);
  master.sendP2P("NEW_BLOCK_MINOR", { block: m.shard.tip }, { branch: SHARD, clusterPeerId: PEER, rpcId: 0n });
  await until("the peer's tip", () => hex(shard().tipHash) === hex(m.shard.tipHash));
  t.pass("reached the announced block");
});
