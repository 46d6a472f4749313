import t, { type Test } from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { MinorBlock, TypedTransaction } from "../../src/messages/core.ts";
import { decodeCluster, decodeP2P, opOf, p2pOpOf } from "../../harness/frame-socket.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, hex } from "./chain-helpers.ts";
import { blockOf, fixtureTx, poolFixture, receiptHex } from "./pool-helpers.ts";

/*
 * The pool over real TCP: a slave of shard 2 with a ChainBackend, a test master, two peers.
 * ADD_TRANSACTION answers 0/1 and sends nothing to the peers; a peer's NEW_TRANSACTION_LIST goes
 * on to the other peers with only what was accepted; a fork a peer sends takes the tip and the
 * master's lookups follow it.
 */

const f = poolFixture();
const config = loadQuarkChainConfig(f.cluster_config_json);
const SHARD = 2;

async function bootOverTcp(t: Test) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  const slave = await startSlave({ id: "S0", shards: [SHARD], networkShards: [2, 3], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(genesis.rootBlock());
  for (const peer of [7n, 8n]) t.equal(await master.createPeer(peer), 0, `peer ${peer}`);
  return { backend, master };
}

const byName = (name: string) => f.rules.cases.find((c) => c.stage === "genesis" && c.name === name)!;

t.test("ADD_TRANSACTION and NEW_TRANSACTION_LIST over TCP", async (t) => {
  const { master } = await bootOverTcp(t);
  const refused = byName("startgas above State's default gas limit 3141592");
  const accepted = byName("startgas at State's default gas limit");
  const xshard = byName("xshard to shard 3 before a root block initializes it");
  t.same(await master.call("ADD_TRANSACTION_REQUEST", { tx: fixtureTx(refused.tx) }), { error_code: 1 }, "refused: 1");
  t.same(
    await master.call("ADD_TRANSACTION_REQUEST", { tx: fixtureTx(accepted.tx) }),
    { error_code: 0 },
    "accepted: 0",
  );
  t.same(await master.call("ADD_TRANSACTION_REQUEST", { tx: fixtureTx(accepted.tx) }), { error_code: 1 }, "again: 1");

  const listOp = p2pOpOf("NEW_TRANSACTION_LIST");
  const before = master.frames.at(-1)?.seq ?? 0;
  // Peer 7 sends three: one already pooled, one refused, one new (the sender's nonce 1: a future nonce).
  const future = f.rules.cases.find((c) => c.name === "valid, nonce 1")!;
  master.sendP2P(
    "NEW_TRANSACTION_LIST",
    { transaction_list: [fixtureTx(accepted.tx), fixtureTx(xshard.tx), fixtureTx(future.tx)] },
    { branch: SHARD, clusterPeerId: 7n, rpcId: 0n },
  );
  const out = await master.waitFrame((fr) => fr.op === listOp && fr.clusterPeerId === 8n, "peer 8's list", before);
  t.equal(out.branch, SHARD);
  t.same(
    decodeP2P("NEW_TRANSACTION_LIST", out).transaction_list.map((tx) => hex(encode(TypedTransaction, tx))),
    [fixtureTx(future.tx)].map((tx) => hex(encode(TypedTransaction, tx))),
    "only the accepted one goes on",
  );
  await master.ping();
  t.equal(
    master.frames.filter((fr) => fr.seq > before && fr.op === listOp && fr.clusterPeerId === 7n).length,
    0,
    "nothing goes back to the peer it came from",
  );
  const pooled = await master.call("GET_TRANSACTION_REQUEST", {
    tx_hash: bytes(future.hash),
    branch: { value: SHARD },
  });
  t.same([pooled.error_code, pooled.index, pooled.minor_block.tx_list.length], [0, 0, 1], "in the pool");
});

t.test("a fork from a peer takes the tip over TCP: the pool and the master's lookups follow", async (t) => {
  const { master } = await bootOverTcp(t);
  const { blocks, txs, steps } = f.reorg;
  const add = (name: keyof typeof blocks) =>
    master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, blockOf(blocks[name])) });
  t.same(await add("B1"), { error_code: 0 });
  for (const name of ["a0", "a1", "d0"] as const) {
    t.same(await master.call("ADD_TRANSACTION_REQUEST", { tx: fixtureTx(txs[name].tx) }), { error_code: 0 }, name);
  }
  t.same(await add("B2"), { error_code: 0 });
  const headerOp = opOf("ADD_MINOR_BLOCK_HEADER_REQUEST");
  for (const name of ["F2", "F3"] as const) {
    const before = master.frames.at(-1)?.seq ?? 0;
    master.sendP2P(
      "NEW_BLOCK_MINOR",
      { block: blockOf(blocks[name]) },
      { branch: SHARD, clusterPeerId: 7n, rpcId: 0n },
    );
    const report = await master.waitFrame((fr) => fr.op === headerOp, `${name}'s header to the master`, before);
    t.equal(
      hex(minorBlockHash(decodeCluster("ADD_MINOR_BLOCK_HEADER_REQUEST", report).minor_block_header)),
      hex(minorBlockHash(blockOf(blocks[name]).header)),
    );
  }
  const after = steps.find((s) => s.name === "F3 takes over")!;
  for (const name of ["a0", "a1", "d0", "k0"] as const) {
    const want = after.lookups[name]!;
    const found = await master.call("GET_TRANSACTION_REQUEST", {
      tx_hash: bytes(txs[name].hash),
      branch: { value: SHARD },
    });
    t.same(
      [hex(encode(MinorBlock, found.minor_block)), found.index],
      [want.block, want.index],
      `${name}: GET_TRANSACTION as pyquarkchain's after the switch`,
    );
    const receipt = await master.call("GET_TRANSACTION_RECEIPT_REQUEST", {
      tx_hash: bytes(txs[name].hash),
      branch: { value: SHARD },
    });
    t.same(
      receipt.error_code === 0 ? receiptHex(receipt.receipt) : null,
      want.receipt?.receipt ?? null,
      `${name}: its receipt`,
    );
  }
  const code = await master.call("GET_CODE_REQUEST", {
    address: { recipient: bytes(f.contract), full_shard_key: 0 },
    block_height: null,
  });
  t.equal(hex(code.result), after.code, "the contract F2 created is there");
});
