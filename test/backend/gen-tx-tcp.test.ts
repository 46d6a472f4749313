import { join } from "node:path";
import t, { type Test } from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { generatorOf } from "../../src/backend/handlers/gen-tx.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { encode } from "../../src/codec/index.ts";
import { fullShardIdByFullShardKey, loadClusterConfigFile } from "../../src/config/cluster-config.ts";
import { applyGenesisDir } from "../../src/config/genesis-dir.ts";
import { MinorBlock, type TypedTransaction, typedTransactionHash } from "../../src/messages/core.ts";
import {
  type EvmTransaction,
  decodeEvmTransaction,
  encodeEvmTransaction,
  recoverSender,
} from "../../src/tx/transaction.ts";
import { decodeP2P, p2pOpOf } from "../../harness/frame-socket.ts";
import { mineBlock, nextRootBlock } from "../../harness/empty-blocks.ts";
import { TestMaster } from "../../harness/test-master.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { silentLog } from "../helpers/test-log.ts";
import { repoRoot } from "../helpers/slave-process.ts";
import { hex } from "./chain-helpers.ts";

/*
 * GEN_TX over real TCP: a slave of the three shards of test/fixtures/genesis-dir (chain 0: shards
 * 2 and 3; chain 1: shard 0x10001) with GENESIS_DIR's 300 loadtest accounts, a test master and a
 * peer. The master asks for N transactions per shard with a cross-shard share; each shard's pool
 * fills with signed transfers from the loadtest accounts, the share of them exactly cross-shard
 * (to the other shard of chain 0; chain 1 has no other shard), broadcast to the peer as they are
 * accepted; a block of them runs and is added.
 */

const dir = join(repoRoot, "test", "fixtures", "genesis-dir");
const { config } = applyGenesisDir(
  loadClusterConfigFile(join(dir, "cluster_config.json")).QUARKCHAIN,
  join(dir, "full"),
);
const SHARDS = [2, 3, 0x10001];
const QKC = config.genesisToken;
const PEER = 7n;

/** The sample createTransactions builds from its defaults (jsonrpc.py): no `to`, 100000 gas, 1 gwei. */
function sample(over: Partial<EvmTransaction> = {}): TypedTransaction {
  const tx: EvmTransaction = {
    nonce: 0n,
    gasprice: 10n ** 9n,
    startgas: 100_000n,
    to: new Uint8Array(0),
    value: 0n,
    data: new Uint8Array(0),
    network_id: 1n,
    from_full_shard_key: 0,
    to_full_shard_key: 0,
    gas_token_id: QKC,
    transfer_token_id: QKC,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
    ...over,
  };
  return { tx: { type: 0, serialized_tx: encodeEvmTransaction(tx) } };
}

async function boot(t: Test, genTx = { pauseMs: () => 0, batchSize: 40 }) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: SHARDS, genesis, log: silentLog, genTx });
  const slave = await startSlave({ id: "S0", shards: SHARDS, networkShards: SHARDS, backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(genesis.rootBlock());
  t.equal(await master.createPeer(PEER), 0);
  // At the genesis root block no shard is initialized for cross-shard transfers: R1 initializes them all.
  const r1 = nextRootBlock(genesis.rootBlock());
  t.equal((await master.call("ADD_ROOT_BLOCK_REQUEST", { root_block: r1, expect_switch: false })).error_code, 0);
  return { backend, master, r1 };
}

/** Until every shard's generator has ended its run. */
async function runsEnded(shards: Shard[]): Promise<void> {
  while (shards.some((s) => generatorOf(s)?.isRunning !== false)) await new Promise((r) => setTimeout(r, 20));
}

const senders = new Set(config.loadtestAccounts!.map((a) => hex(a.address.recipient)));

t.test(
  "GEN_TX fills each shard's pool with valid transfers, the cross-shard share exact, broadcast to the peer",
  async (t) => {
    const { backend, master, r1 } = await boot(t);
    const before = master.frames.at(-1)?.seq ?? 0;
    const N = 100;
    const res = await master.call("GEN_TX_REQUEST", { num_tx_per_shard: N, x_shard_percent: 30, tx: sample() });
    t.same(res, { error_code: 0 }, "answered at once");
    const shards = SHARDS.map((s) => backend.chain(s)!);
    await runsEnded(shards);

    for (const shard of shards) {
      const id = shard.fullShardId;
      const pooled = shard.pool.entries().map((e) => e.evm);
      t.equal(pooled.length, N, `${id}: N transactions pooled (add_tx took them all)`);
      t.ok(
        pooled.every((tx) => senders.has(hex(recoverSender(tx)!)) && tx.nonce === 0n && tx.network_id === 3n),
        `${id}: signed by loadtest accounts at their nonce, on the config's network id`,
      );
      t.ok(
        pooled.every((tx) => tx.gasprice === 10n ** 9n && tx.startgas === 100_000n && tx.value > 0n),
        `${id}: the sample's gas price and gas, a random value`,
      );
      const targets = pooled.map((tx) => fullShardIdByFullShardKey(config, tx.to_full_shard_key));
      const cross = targets.filter((to) => to !== id);
      if (id === 0x10001) {
        t.equal(cross.length, 0, "chain 1 has one shard: nowhere to go, all in-shard");
      } else {
        t.equal(cross.length, 30, `${id}: 30% cross-shard`);
        t.ok(
          cross.every((to) => to === (id === 2 ? 3 : 2)),
          `${id}: to the other shard of its chain`,
        );
      }
      // Broadcast: NEW_TRANSACTION_LIST to the peer, in batches, exactly what was pooled.
      const lists = master.frames.filter(
        (f) =>
          f.seq > before && f.op === p2pOpOf("NEW_TRANSACTION_LIST") && f.clusterPeerId === PEER && f.branch === id,
      );
      const sent = lists.flatMap((f) => decodeP2P("NEW_TRANSACTION_LIST", f).transaction_list);
      t.same(
        sent.map((tx) => hex(typedTransactionHash(tx))).sort(),
        shard.pool
          .entries()
          .map((e) => hex(e.hash))
          .sort(),
        `${id}: the peer got every accepted one`,
      );
      t.ok(lists.length >= 3, `${id}: in batches (40 per batch here)`);
    }

    // A block of shard 2's pooled transactions runs and the slave adds it; the pool empties.
    const shard2 = shards[0]!;
    const txs = shard2.pool.entries().map((e) => e.tx);
    const parent = shard2.tip;
    const miner = { recipient: new Uint8Array(20).fill(9), full_shard_key: 2 };
    const block = mineBlock(config, shard2, parent, r1.header, parent.header.create_time + 5n, miner, txs);
    t.equal(block.tx_list.length, N);
    const added = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: encode(MinorBlock, block) });
    t.equal(added.error_code, 0, "the block of generated transactions is valid");
    t.equal(hex(shard2.tipHash), hex(shard2.chain.tipHash));
    t.equal(shard2.tip.tx_list.length, N, "on the tip");
    t.equal(shard2.pool.size, 0, "the pool gave them up");
    t.equal(shard2.shardStats().tx_count60s, N, "get_shard_stats: the last minute's transactions");
    for (const tx of txs.slice(0, 5)) {
      const r = await master.call("GET_TRANSACTION_RECEIPT_REQUEST", {
        tx_hash: typedTransactionHash(tx),
        branch: { value: 2 },
      });
      t.same([r.error_code, r.receipt.success.length > 0 && r.receipt.success[0]], [0, 1], "each succeeded");
    }
    // The source shard uses 21000 of each; a cross-shard one's 9000 goes with its deposit.
    t.equal(block.meta.evm_gas_used, BigInt(N) * 21000n, "every transfer at 21000 gas here");
    const deposits = shards[1]!.xshardTxList(minorBlockHash(block.header));
    t.equal(deposits?.tx_list.length, 30, "shard 3 holds the block's 30 deposits for its next block");
  },
);

t.test("one run at a time; a sample from another shard's key makes nothing here", async (t) => {
  let pauses = 0;
  // The first run's closing pause (pyquarkchain sleeps after its last batch too) outlasts the test.
  const { backend, master } = await boot(t, { pauseMs: () => (pauses++ === 0 ? 60_000 : 0), batchSize: 5 });
  const shard2 = backend.chain(2)!;
  t.same(await master.call("GEN_TX_REQUEST", { num_tx_per_shard: 5, x_shard_percent: 0, tx: sample() }), {
    error_code: 0,
  });
  t.equal(generatorOf(shard2)?.isRunning, true, "running (its closing pause)");
  t.same(await master.call("GEN_TX_REQUEST", { num_tx_per_shard: 50, x_shard_percent: 0, tx: sample() }), {
    error_code: 0,
  });
  t.equal(shard2.pool.size, 5, "the second request was ignored while the first ran");

  // from_full_shard_key 3: only shard 3 generates (create_transaction skips the others).
  const { backend: b2, master: m2 } = await boot(t);
  t.same(
    await m2.call("GEN_TX_REQUEST", {
      num_tx_per_shard: 10,
      x_shard_percent: 0,
      tx: sample({ from_full_shard_key: 3 }),
    }),
    { error_code: 0 },
  );
  const all = SHARDS.map((s) => b2.chain(s)!);
  await runsEnded(all);
  t.same(
    all.map((s) => s.pool.size),
    [0, 10, 0],
  );
  // An undecodable sample: answered 0, nothing generated.
  const bad = { tx: { type: 0, serialized_tx: new Uint8Array([1, 2, 3]) } };
  t.same(await m2.call("GEN_TX_REQUEST", { num_tx_per_shard: 10, x_shard_percent: 0, tx: bad }), { error_code: 0 });
  t.equal(decodeEvmTransaction(all[1]!.pool.entries()[0]!.tx.tx.serialized_tx).from_full_shard_key, 3);
});
