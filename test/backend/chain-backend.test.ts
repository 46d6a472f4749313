import t from "tap";
import { EBADMSG, EFAULT, type MasterHandlers, type PeerHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { minorBlockMetaHash } from "../../src/backend/chain/hashes.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { AccountBranchData, ShardStats } from "../../src/messages/cluster.ts";
import { MinorBlock, TokenBalanceMap, TypedTransaction, typedTransactionHash } from "../../src/messages/core.ts";
import { FakePeer, TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, chainFixture, fixtureBlock, fixtureRoot, hex, snapshot } from "./chain-helpers.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);
const addBlock = (master: Required<MasterHandlers>, block: MinorBlock) =>
  master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, block) });

async function boot(opts: { single?: boolean } = {}) {
  const cfg = opts.single ? loadQuarkChainConfig(f.single.cluster_config_json) : config;
  const shards = opts.single ? [f.single.full_shard_id] : [SHARD];
  const genesis = new NetworkGenesis(cfg);
  const backend = new ChainBackend({ shards, genesis, log: silentLog });
  const ctx = new TestContext();
  backend.attach(ctx);
  await backend.createShards(genesis.rootBlock());
  return {
    backend,
    ctx,
    genesis,
    master: backend.master as Required<MasterHandlers>,
    peer: backend.peer as Required<PeerHandlers>,
  };
}

const accountData = async (master: Required<MasterHandlers>, recipient: string) => {
  const res = await master.GET_ACCOUNT_DATA_REQUEST({
    address: { recipient: bytes(recipient), full_shard_key: 0 },
    block_height: null,
  });
  return { code: res.error_code, hex: res.account_branch_data_list.map((d) => hex(encode(AccountBranchData, d))) };
};

t.test("pyquarkchain's chain, block by block: ADD_MINOR_BLOCK, ADD_ROOT_BLOCK, state and answers", async (t) => {
  const { backend, ctx, master } = await boot();
  t.equal(hex(minorBlockHash(backend.chain(SHARD)!.headerTip)), f.genesis.hash, "our genesis is pyquarkchain's");
  t.equal(hex(encode(MinorBlock, backend.chain(SHARD)!.tip)), f.genesis.hex);

  const check = async (name: string) => {
    const s = snapshot(f, name);
    const chain = backend.chain(SHARD)!;
    t.equal(hex(chain.tipHash), s.tip_hash, `${name}: tip`);
    t.equal(hex(chain.state!.stateRoot()), s.evm_state_root, `${name}: state after the tip, derived without the EVM`);
    for (const [recipient, expected] of Object.entries(s.account_data)) {
      t.same(
        await accountData(master, recipient),
        { code: 0, hex: [expected] },
        `${name}: account data of ${recipient}`,
      );
    }
    const unconfirmed = await master.GET_UNCONFIRMED_HEADERS_REQUEST({});
    t.same(
      unconfirmed.headers_info_list[0]!.header_list.map((h) => hex(minorBlockHash(h))),
      s.unconfirmed,
      `${name}: unconfirmed headers`,
    );
  };
  await check("genesis");
  for (const name of ["B1", "B2"]) {
    t.same(await addBlock(master, fixtureBlock(f, name)), { error_code: 0 }, `${name} added`);
    const report = ctx.headers.at(-1)!;
    t.equal(hex(minorBlockHash(report.minor_block_header)), f.blocks.find((b) => b.name === name)!.hash);
    t.equal(report.tx_count, 0);
    t.equal(
      hex(encode(TokenBalanceMap, report.coinbase_amount_map)),
      f.blocks.find((b) => b.name === name)!.coinbase_amount_map,
    );
  }
  t.equal(hex(encode(ShardStats, ctx.headers.at(-1)!.shard_stats)), snapshot(f, "B2").shard_stats, "B2's shard stats");
  t.equal(ctx.xshard.length, 0, "on root height 0 no shard is a target yet");
  await check("B2");

  t.same(await backend.addRootBlock(fixtureRoot(f, "R1")), { error_code: 0, switched: true }, "R1 confirms B2");
  await check("R1");

  t.same(await addBlock(master, fixtureBlock(f, "B3")), { error_code: 0 }, "B3 on R1");
  t.equal(hex(encode(ShardStats, ctx.headers.at(-1)!.shard_stats)), snapshot(f, "B3").shard_stats, "B3's shard stats");
  // Shard 3 is a neighbour initialized before R1: it gets B3's (empty) deposit list first.
  t.same(
    ctx.xshard.map((list) => list.map((r) => [r.branch.value, hex(r.minor_block_hash), r.tx_list.tx_list.length])),
    [[[3, f.blocks.find((b) => b.name === "B3")!.hash, 0]]],
  );
  await check("B3");
  t.equal(backend.chain(SHARD)!.store.isCommitted(minorBlockHash(fixtureBlock(f, "B3").header)), true);

  t.test("the transaction pool at B3: pyquarkchain's add_tx answers", async (t) => {
    for (const c of f.pool.cases) {
      const tx = decode(TypedTransaction, bytes(c.tx));
      const res = await master.ADD_TRANSACTION_REQUEST({ tx });
      t.equal(res.error_code, c.accepted ? 0 : 1, c.name);
    }
    const chain = backend.chain(SHARD)!;
    t.same(
      chain.pool.entries().map((e) => hex(e.hash)),
      f.pool.queue,
      "pool order: gas price, then arrival",
    );
    const eco = await master.GET_ECO_INFO_LIST_REQUEST({});
    t.equal(eco.eco_info_list[0]!.coinbase_amount, BigInt(f.pool.next_coinbase), "next block's coinbase from the pool");
    const found = await master.GET_TRANSACTION_REQUEST({
      tx_hash: bytes(f.pool.lookup.hash),
      branch: { value: SHARD },
    });
    t.same(
      [found.error_code, hex(encode(MinorBlock, found.minor_block)), found.index],
      [0, f.pool.lookup.block, 0],
      "a pooled transaction: an empty block holding it",
    );
    const missing = await master.GET_TRANSACTION_REQUEST({ tx_hash: new Uint8Array(32), branch: { value: SHARD } });
    t.same([missing.error_code, hex(encode(MinorBlock, missing.minor_block)), missing.index], [1, f.tx_not_found, 0]);
    const elsewhere = await master.GET_TRANSACTION_REQUEST({
      tx_hash: bytes(f.pool.lookup.hash),
      branch: { value: 3 },
    });
    t.equal(elsewhere.error_code, 1, "another shard's branch");
    t.equal(chain.shardStats().pending_tx_count, f.pool.queue.length);
    const undecodable: TypedTransaction = { tx: { type: 0, serialized_tx: new Uint8Array([0xc0]) } };
    t.same(await master.ADD_TRANSACTION_REQUEST({ tx: undecodable }), { error_code: 1 }, "undecodable");
  });

  t.test("B3f, a fork at B3's height, is stored but not the tip", async (t) => {
    const b3f = fixtureBlock(f, "B3f");
    t.same(await addBlock(master, b3f), { error_code: 0 }, "its parent is not the tip: dropped with 0");
    t.equal(backend.chain(SHARD)!.byHash(minorBlockHash(b3f.header)), undefined);
    const peer = ctx.addPeer(new FakePeer(7n));
    await backend.peer.NEW_BLOCK_MINOR!({ clusterPeerId: 7n, fullShardId: SHARD }, { block: b3f });
    const chain = backend.chain(SHARD)!;
    t.ok(chain.byHash(minorBlockHash(b3f.header)), "added from a peer");
    t.equal(hex(chain.tipHash), f.blocks.find((b) => b.name === "B3")!.hash, "same height, same root: tip stays");
    t.same(
      peer.sent.map((s) => s.op),
      ["NEW_BLOCK_MINOR"],
      "rebroadcast before adding; the tip did not move",
    );
    t.equal(chain.shardStats().stale_block_count60s, 1, "one stale block at height 3");
    t.equal(
      hex(chain.tryStateAfter(minorBlockHash(b3f.header))!.stateRoot()),
      f.blocks.find((b) => b.name === "B3f")!.state_root,
      "its state is derived too",
    );
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: b3f.header }), { error_code: 0 });
  });

  t.test("B4 carries two transactions: run, checked, stored; a wrong state root is refused whole", async (t) => {
    const b4 = fixtureBlock(f, "B4");
    const chain = backend.chain(SHARD)!;
    // Meta re-hashed, so that only running the block can tell.
    const wrongMeta = { ...b4.meta, hash_evm_state_root: new Uint8Array(32) };
    const wrong = { ...b4, header: { ...b4.header, hash_meta: minorBlockMetaHash(wrongMeta) }, meta: wrongMeta };
    const before = [ctx.headers.length, ctx.xshard.length];
    t.same(await addBlock(master, wrong), { error_code: EFAULT }, "state root mismatch");
    t.same([ctx.headers.length, ctx.xshard.length], before, "nothing propagated");
    t.equal(chain.store.hasMinorBlock(minorBlockHash(wrong.header)), false, "nothing stored");
    t.equal(chain.store.receipts(minorBlockHash(wrong.header)), undefined, "no receipts either");

    t.same(await addBlock(master, b4), { error_code: 0 }, "B4 added");
    const b4Hash = f.blocks.find((b) => b.name === "B4")!.hash;
    const report = ctx.headers.at(-1)!;
    t.equal(hex(minorBlockHash(report.minor_block_header)), b4Hash, "its header reached the master");
    t.equal(report.tx_count, 2);
    t.equal(
      hex(encode(TokenBalanceMap, report.coinbase_amount_map)),
      f.blocks.find((b) => b.name === "B4")!.coinbase_amount_map,
    );
    t.same(
      ctx.xshard.at(-1)!.map((r) => [r.branch.value, hex(r.minor_block_hash), r.tx_list.tx_list.length]),
      [[3, b4Hash, report.x_shard_tx_count]],
      "shard 3 gets B4's deposit list",
    );
    t.equal(hex(chain.tipHash), b4Hash, "the tip");
    t.ok(chain.store.receipts(minorBlockHash(b4.header)), "its receipts are stored");
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: b4.header }), { error_code: 0 });

    const receipt = (i: number) =>
      master.GET_TRANSACTION_RECEIPT_REQUEST({
        tx_hash: typedTransactionHash(b4.tx_list[i]!),
        branch: { value: SHARD },
      });
    const [r0, r1] = [await receipt(0), await receipt(1)];
    t.same([r0.error_code, r0.index, hex(minorBlockHash(r0.minor_block.header))], [0, 0, b4Hash], "receipt 0 in B4");
    t.same([r1.error_code, r1.index], [0, 1]);
    t.same([hex(r0.receipt.success), r1.receipt.prev_gas_used], ["0x01", r0.receipt.gas_used], "cumulative gas");
    t.equal(r0.receipt.prev_gas_used, b4.meta.evm_cross_shard_receive_gas_used, "the first follows the deposits");
    t.equal(r1.receipt.gas_used - r0.receipt.gas_used, 21000n, "a plain transfer");
    t.equal(r1.receipt.gas_used, b4.meta.evm_gas_used, "the last receipt's gas is the block's");
    const none = await master.GET_TRANSACTION_RECEIPT_REQUEST({
      tx_hash: new Uint8Array(32),
      branch: { value: SHARD },
    });
    t.equal(none.error_code, 1, "an unknown hash");
    // get_total_balance at B3, a block B4 follows: the world state's trie walked, against the reward-only state
    const b3 = fixtureBlock(f, "B3");
    const derived = chain.tryStateAfter(minorBlockHash(b3.header))!;
    const expected = derived.recipients().reduce((sum, r) => sum + derived.balance(r, config.genesisToken), 0n);
    const total = await master.GET_TOTAL_BALANCE_REQUEST({
      branch: { value: SHARD },
      start: null,
      token_id: config.genesisToken,
      limit: 100,
      minor_block_hash: minorBlockHash(b3.header),
      root_block_hash: null,
    });
    t.same([total.error_code, total.total_balance], [0, expected], "total balance after B3");
    t.ok(expected > 0n);
  });

  t.test("CHECK_MINOR_BLOCK and GET_MINOR_BLOCK", async (t) => {
    const b1 = fixtureBlock(f, "B1");
    const g = decode(MinorBlock, bytes(f.genesis.hex));
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: g.header }), { error_code: 0 }, "genesis");
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: b1.header }), { error_code: 0 }, "stored");
    const other = { ...b1.header, branch: { value: 3 } };
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: other }), { error_code: EBADMSG }, "not local");
    const unknown = { ...b1.header, nonce: 99n };
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: unknown }), { error_code: EBADMSG });
    for (const name of ["B1", "B2", "B3"]) {
      const b = fixtureBlock(f, name);
      const byHeight = await master.GET_MINOR_BLOCK_REQUEST({
        branch: { value: SHARD },
        minor_block_hash: new Uint8Array(32),
        height: b.header.height,
        need_extra_info: false,
      });
      t.equal(
        hex(encode(MinorBlock, byHeight.minor_block)),
        f.blocks.find((x) => x.name === name)!.hex,
        `${name} by height`,
      );
    }
  });
});

t.test("ADD_MINOR_BLOCK answers (PROTOCOL §5.3)", async (t) => {
  const { master, ctx } = await boot();
  t.same(await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: new Uint8Array([1, 2]) }), { error_code: EBADMSG });
  const b1 = fixtureBlock(f, "B1");
  const foreign = { ...b1, header: { ...b1.header, branch: { value: 3 } } };
  t.same(await addBlock(master, foreign), { error_code: EBADMSG }, "its shard is not local");
  const stale = fixtureBlock(f, "B2");
  t.same(await addBlock(master, stale), { error_code: 0 }, "parent is not the tip: dropped");
  const badMeta = { ...b1, meta: { ...b1.meta, evm_gas_used: 1n } };
  t.same(await addBlock(master, badMeta), { error_code: EFAULT }, "meta hash mismatch");
  const badDifficulty = { ...b1, header: { ...b1.header, difficulty: b1.header.difficulty + 1n } };
  t.same(await addBlock(master, badDifficulty), { error_code: EFAULT }, "difficulty");
  const badRoot = { ...b1, header: { ...b1.header, hash_prev_root_block: new Uint8Array(32) } };
  t.same(await addBlock(master, badRoot), { error_code: EFAULT }, "unknown root block");
  t.equal(ctx.headers.length, 1, "only the genesis header reached the master");
  ctx.masterError = 5;
  t.same(await addBlock(master, b1), { error_code: EFAULT }, "the master refused the header");
  t.equal(ctx.headers.length, 2);
  ctx.masterError = 0;
  // As in pyquarkchain, the block stays added (the tip moved) but uncommitted: a second
  // submission is a stale one now; a sync would add and propagate it again.
  t.same(await addBlock(master, b1), { error_code: 0 });
  t.equal(ctx.headers.length, 2);
});

t.test("a block is stored and served as the bytes it came in, without what followed them", async (t) => {
  const { master } = await boot();
  const b1 = fixtureBlock(f, "B1");
  const own = encode(MinorBlock, b1);
  const padded = Buffer.concat([own, Buffer.from("bytes after the block")]);
  t.same(await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: padded }), { error_code: 0 });
  const res = await master.GET_MINOR_BLOCK_REQUEST({
    branch: { value: SHARD },
    minor_block_hash: minorBlockHash(b1.header),
    height: 0n,
    need_extra_info: false,
  });
  t.equal(res.error_code, 0);
  t.equal(hex(encode(MinorBlock, res.minor_block)), hex(own), "the block's own bytes, nothing after them");
  t.equal(hex(MinorBlock.remembered(res.minor_block) ?? new Uint8Array(0)), hex(own), "served from the stored bytes");
});

t.test(
  "one-shard network: a block with a transaction is run and stored; GET_TRANSACTION; the state after it",
  async (t) => {
    const { backend, master, ctx } = await boot({ single: true });
    const s = f.single;
    t.equal(hex(backend.chain(1)!.tipHash), s.genesis_hash);
    const block = decode(MinorBlock, bytes(s.block));
    t.same(await addBlock(master, block), { error_code: 0 });
    t.equal(hex(encode(ShardStats, ctx.headers.at(-1)!.shard_stats)), s.shard_stats, "shard stats as pyquarkchain's");
    t.equal(ctx.headers.at(-1)!.tx_count, 1);
    const found = await master.GET_TRANSACTION_REQUEST({ tx_hash: bytes(s.tx_hash), branch: { value: 1 } });
    t.same([found.error_code, hex(minorBlockHash(found.minor_block.header)), found.index], [0, s.lookup.block_hash, 0]);
    const after = await master.GET_ACCOUNT_DATA_REQUEST({
      address: { recipient: bytes(f.sender.recipient), full_shard_key: 0 },
      block_height: null,
    });
    t.equal(after.error_code, 0, "GET_ACCOUNT_DATA: the state after the block is the run's");
    t.equal(after.account_branch_data_list[0]!.transaction_count, 1n, "the sender's nonce moved");
    const left = after.account_branch_data_list[0]!.token_balances.balance_map[0]![1];
    t.ok(left < 10n ** 20n, "the sender paid");
    const code = await master.GET_CODE_REQUEST({
      address: { recipient: new Uint8Array(20), full_shard_key: 0 },
      block_height: null,
    });
    t.same([code.error_code, code.result.length], [0, 0], "no code at an empty address");
    const tx = decode(TypedTransaction, bytes(s.tx));
    t.same(await master.ADD_TRANSACTION_REQUEST({ tx }), { error_code: 1 }, "already in a block");
    t.same(await master.CHECK_MINOR_BLOCK_REQUEST({ minor_block_header: block.header }), { error_code: 0 });
    // The state at height 0 is still known: block 1 follows it.
    const atGenesis = await master.GET_ACCOUNT_DATA_REQUEST({
      address: { recipient: bytes(f.sender.recipient), full_shard_key: 0 },
      block_height: 0n,
    });
    t.equal(atGenesis.error_code, 0);
    t.equal(atGenesis.account_branch_data_list[0]!.token_balances.balance_map[0]![1], 10n ** 20n);
  },
);

t.test("peer commands", async (t) => {
  const { backend, ctx, peer } = await boot();
  const p1 = ctx.addPeer(new FakePeer(1n));
  const p2 = ctx.addPeer(new FakePeer(2n));
  const ref = { clusterPeerId: 1n, fullShardId: SHARD };

  t.test("NEW_TRANSACTION_LIST: accepted ones go to the other peers", async (t) => {
    const txs = f.pool.cases.map((c) => decode(TypedTransaction, bytes(c.tx)));
    await peer.NEW_TRANSACTION_LIST(ref, { transaction_list: txs });
    const accepted = f.pool.cases.filter((c) => c.accepted).map((c) => c.hash);
    t.same(p1.sent, [], "not back to the sender");
    t.equal(p2.sent.length, 1);
    const sent = p2.sent[0]!.message as { transaction_list: TypedTransaction[] };
    t.equal(p2.sent[0]!.op, "NEW_TRANSACTION_LIST");
    // At genesis the root tip is R0: no shard is initialized before it, so the cross-shard one is refused.
    t.same(
      sent.transaction_list.map((tx) =>
        hex(
          backend
            .chain(SHARD)!
            .pool.entries()
            .find((e) => e.tx === tx)!.hash,
        ),
      ),
      accepted.filter((h) => h !== f.pool.cases.find((c) => c.name === "xshard to shard 3")!.hash),
    );
    const many = Array.from({ length: 1001 }, () => txs[0]!);
    await peer.NEW_TRANSACTION_LIST(ref, { transaction_list: many });
    t.equal(p1.closed, true, "more than 1000: the connection is closed");
  });

  t.test("NEW_BLOCK_MINOR: rebroadcast, added, tip announced; a bad block closes the connection", async (t) => {
    const b1 = fixtureBlock(f, "B1");
    p1.sent.length = 0;
    p2.sent.length = 0;
    await peer.NEW_BLOCK_MINOR(ref, { block: b1 });
    t.equal(hex(backend.chain(SHARD)!.tipHash), f.blocks.find((b) => b.name === "B1")!.hash);
    for (const p of [p1, p2])
      t.same(
        p.sent.map((s) => s.op),
        ["NEW_BLOCK_MINOR", "NEW_MINOR_BLOCK_HEADER_LIST"],
      );
    t.equal(ctx.headers.length, 2, "the master got the header");
    await peer.NEW_BLOCK_MINOR(ref, { block: b1 });
    t.equal(ctx.headers.length, 2, "a known block is ignored");
    const orphan = fixtureBlock(f, "B3");
    await peer.NEW_BLOCK_MINOR(ref, { block: orphan });
    t.equal(backend.chain(SHARD)!.byHash(minorBlockHash(orphan.header)), undefined, "unknown parent: ignored");
    const b2 = fixtureBlock(f, "B2");
    const bad = { ...b2, header: { ...b2.header, evm_gas_limit: 1n } };
    await t.rejects(peer.NEW_BLOCK_MINOR(ref, { block: bad }), /incorrect gas limit/);
  });

  t.test("NEW_MINOR_BLOCK_HEADER_LIST: one header, never going back", async (t) => {
    const root = fixtureRoot(f, "R1").header;
    const b2 = fixtureBlock(f, "B2").header;
    const b1 = fixtureBlock(f, "B1").header;
    const ref2 = { clusterPeerId: 2n, fullShardId: SHARD };
    await peer.NEW_MINOR_BLOCK_HEADER_LIST(ref2, { root_block_header: root, minor_block_header_list: [b2] });
    await t.rejects(
      peer.NEW_MINOR_BLOCK_HEADER_LIST(ref2, { root_block_header: root, minor_block_header_list: [b1] }),
      /decreasing/,
    );
    await t.rejects(
      peer.NEW_MINOR_BLOCK_HEADER_LIST(ref2, { root_block_header: root, minor_block_header_list: [] }),
      /only one/,
    );
    await t.rejects(
      peer.NEW_MINOR_BLOCK_HEADER_LIST(ref2, {
        root_block_header: root,
        minor_block_header_list: [{ ...b2, branch: { value: 3 } }],
      }),
      /incorrect branch/,
    );
    backend.peerClosed(ref2);
    await peer.NEW_MINOR_BLOCK_HEADER_LIST(ref2, { root_block_header: root, minor_block_header_list: [b1] });
    t.pass("once the peer's connection closed, what it showed is forgotten: a new one may start lower");
  });
});

t.test("with no peer and no sibling linked, blocks still add (lists kept local)", async (t) => {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [2, 3], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const master = backend.master as Required<MasterHandlers>;
  for (const name of ["B1", "B2"]) t.same(await addBlock(master, fixtureBlock(f, name)), { error_code: 0 });
  // R1 names only shard 2's blocks; shard 3 takes it too.
  t.same(await backend.addRootBlock(fixtureRoot(f, "R1")), { error_code: 0, switched: true });
  t.same(await addBlock(master, fixtureBlock(f, "B3")), { error_code: 0 });
  const b3 = minorBlockHash(fixtureBlock(f, "B3").header);
  t.ok(backend.chain(3)!.xshardTxList(b3), "shard 3 (local) holds B3's deposit list");
  t.same(
    await master.SYNC_MINOR_BLOCK_LIST_REQUEST({
      minor_block_hash_list: [b3],
      branch: { value: 2 },
      cluster_peer_id: 1n,
    }),
    { error_code: EBADMSG, block_coinbase_map: [], shard_stats: null },
    "no peer to download from",
  );
});

t.test("ADD_ROOT_BLOCK: refusals answer EBADMSG", async (t) => {
  const { backend } = await boot();
  const r1 = fixtureRoot(f, "R1");
  t.same(await backend.addRootBlock(r1), { error_code: EBADMSG, switched: false }, "confirms blocks not stored");
  const orphan = { ...r1, header: { ...r1.header, hash_prev_block: new Uint8Array(32) } };
  t.same(await backend.addRootBlock(orphan), { error_code: EBADMSG, switched: false }, "unknown parent");
  const noMinor = { ...r1, minor_block_header_list: [] };
  t.same(await backend.addRootBlock(noMinor), { error_code: 0, switched: true }, "an empty root block is fine");
  t.equal(backend.chain(SHARD)!.confirmedHeight, -1n);
});
