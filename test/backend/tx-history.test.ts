import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { mineEmpty } from "../../harness/empty-blocks.ts";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { ChainDb } from "../../src/backend/chain/chain-store.ts";
import { ADDR_PREFIX, offsetKey } from "../../src/backend/chain/tx-history.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadClusterConfig } from "../../src/config/cluster-config.ts";
import {
  AddMinorBlockRequest,
  AddRootBlockRequest,
  AddTransactionRequest,
  GetAllTransactionsResponse,
  GetTransactionListByAddressResponse,
  Ping,
  TransactionDetail,
} from "../../src/messages/cluster.ts";
import { type Address, MinorBlock, type RootBlock, typedTransactionHash } from "../../src/messages/core.ts";
import { loadTranscript } from "../../src/wire/replay/transcript.ts";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";

/*
 * The transaction history index over pyquarkchain's own chain (the execution transcript
 * history.json: two chains of one shard, QKC and QHIST transfers, a contract creation,
 * cross-chain deposits both ways, root coinbase deposits, three root blocks): paging, the token
 * filter, history off, a reorg that drops indexed transactions and brings them back, and a
 * restart on the same --db-path. The transcript's own answers are compared byte for byte by
 * the replay (test/wire/replay-fixtures.test.ts); here the index is driven where it has none.
 */

const missing = fixturesMissing("execution/history.json");
const tr = missing ? undefined : loadTranscript(fixturePath("execution/history.json"));
const SHARD = 1;
const QHIST = 46215137n;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const A: Address = { recipient: unhex("0a19c120b8673614e24d484ffe939782dca738fd"), full_shard_key: 0 };

type Master = Required<MasterHandlers>;

/** A backend with the transcript's config, its blocks and pool transactions played up to exchange `upTo`. */
async function play(opts: { db?: ChainDb; history?: boolean; upTo?: number } = {}) {
  const cluster = loadClusterConfig(tr!.clusterConfigJson);
  const genesis = new NetworkGenesis(cluster.QUARKCHAIN);
  const backend = new ChainBackend({
    shards: [1, 0x10001],
    genesis,
    log: silentLog,
    db: opts.db,
    transactionHistory: opts.history ?? true,
  });
  backend.attach(new TestContext());
  const master = backend.master as Master;
  let root: RootBlock | undefined;
  for (const x of tr!.exchanges) {
    if (x.n >= (opts.upTo ?? Infinity)) break;
    if (x.opName === "PING") {
      const tip = decode(Ping, x.request).root_tip;
      if (tip) await backend.createShards((root = tip));
    } else if (x.opName === "ADD_ROOT_BLOCK_REQUEST") {
      root = decode(AddRootBlockRequest, x.request).root_block;
      await backend.addRootBlock(root);
    } else if (x.opName === "ADD_MINOR_BLOCK_REQUEST") {
      await master.ADD_MINOR_BLOCK_REQUEST(decode(AddMinorBlockRequest, x.request));
    } else if (x.opName === "ADD_TRANSACTION_REQUEST") {
      await master.ADD_TRANSACTION_REQUEST(decode(AddTransactionRequest, x.request));
    }
  }
  return { backend, master, root: root!, shard: backend.chain(SHARD)! };
}

const byAddress = (
  master: Master,
  address: Address,
  start: Uint8Array = new Uint8Array(0),
  limit = 100,
  token?: bigint,
) => master.GET_TRANSACTION_LIST_BY_ADDRESS_REQUEST({ address, transfer_token_id: token ?? null, start, limit });
const all = (master: Master, start: Uint8Array = new Uint8Array(0), limit = 100, shard = SHARD) =>
  master.GET_ALL_TRANSACTIONS_REQUEST({ branch: { value: shard }, start, limit });
const hashes = (list: readonly TransactionDetail[]) => list.map((d) => hex(d.tx_hash));

/** Every page of `limit` entries, following `next` until a page comes back empty. */
async function pages(
  read: (
    start: Uint8Array,
  ) => Promise<{ tx_list: TransactionDetail[]; next: Uint8Array }> | { tx_list: TransactionDetail[]; next: Uint8Array },
) {
  const out: TransactionDetail[][] = [];
  let start: Uint8Array = new Uint8Array(0);
  for (;;) {
    const page = await read(start);
    if (page.tx_list.length === 0) return { out, last: page.next };
    out.push(page.tx_list);
    start = page.next;
  }
}

t.test("pages of 2 follow `next` through the whole list, newest first", { skip: missing }, async (t) => {
  const { master, backend } = await play();
  const whole = await byAddress(master, A);
  t.equal(whole.error_code, 0);
  t.ok(whole.tx_list.length >= 6, `the address has a history (${whole.tx_list.length} entries)`);
  const heights = whole.tx_list.map((d) => d.block_height);
  t.same(
    heights,
    [...heights].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
    "newest first",
  );

  const paged = await pages((start) => byAddress(master, A, start, 2));
  t.ok(
    paged.out.every((p) => p.length <= 2),
    "no page holds more than the limit",
  );
  t.same(
    paged.out.flat().map((d) => hex(d.tx_hash)),
    hashes(whole.tx_list),
    "the pages are the whole list",
  );
  t.equal(hex(paged.last), hex(ADDR_PREFIX) + hex(A.recipient), "past the end, `next` is the address's prefix");

  const allWhole = await all(master);
  const allPaged = await pages((start) => all(master, start, 3));
  t.same(
    allPaged.out.flat().map((d) => hex(d.tx_hash)),
    hashes(allWhole.tx_list),
    "GET_ALL_TRANSACTIONS pages too",
  );
  t.notOk(
    allWhole.tx_list.some((d) => d.is_from_root_chain),
    "no root-chain coinbase deposit among all transactions",
  );
  const none = await byAddress(master, A, new Uint8Array(0), 0);
  t.same(none.tx_list, [], "limit 0: nothing");
  t.equal(hex(none.next), hex(ADDR_PREFIX) + hex(A.recipient), "and `next` is the prefix");
  await backend.close();
});

t.test("the token filter keeps the transfers of that token, and pages by it", { skip: missing }, async (t) => {
  const { master, backend } = await play();
  const whole = await byAddress(master, A);
  const qhist = await byAddress(master, A, new Uint8Array(0), 100, QHIST);
  t.ok(qhist.tx_list.length > 0, "the address sent or received QHIST");
  t.ok(qhist.tx_list.length < whole.tx_list.length, "and other tokens");
  t.same(
    hashes(qhist.tx_list),
    hashes(whole.tx_list.filter((d) => d.transfer_token_id === QHIST)),
    "exactly the QHIST transfers of the whole list",
  );
  const paged = await pages((start) => byAddress(master, A, start, 1, QHIST));
  t.same(
    paged.out.flat().map((d) => hex(d.tx_hash)),
    hashes(qhist.tx_list),
    "one a page, the same list",
  );
  const pending = await byAddress(master, A, Uint8Array.of(0), 10, QHIST);
  t.same(pending.tx_list, [], "the pooled transaction is not a QHIST transfer");
  t.equal((await byAddress(master, A, Uint8Array.of(0), 10)).tx_list.length, 1, "but is pending for the address");
  await backend.close();
});

t.test("history off: every query answers an empty page, and no index is written", { skip: missing }, async (t) => {
  const { master, backend, shard } = await play({ history: false });
  const page = await byAddress(master, A);
  t.same(
    encode(GetTransactionListByAddressResponse, page),
    encode(GetTransactionListByAddressResponse, { error_code: 0, tx_list: [], next: new Uint8Array(0) }),
  );
  t.same(
    encode(GetAllTransactionsResponse, await all(master)),
    encode(GetAllTransactionsResponse, { error_code: 0, tx_list: [], next: new Uint8Array(0) }),
  );
  t.same((await byAddress(master, A, Uint8Array.of(0))).tx_list, [], "nor the pool's transactions");
  const index = new Uint8Array(Buffer.from("index_", "latin1"));
  t.same([...shard.store.historyKeysDown(offsetKey(index, 1), index)], [], "no index key");
  t.equal((await all(master, new Uint8Array(0), 10, 7)).error_code, 1, "a shard not local: error 1");
  await backend.close();
});

t.test(
  "a reorg drops the index of the blocks that leave, and puts it back when they return",
  { skip: missing },
  async (t) => {
    // Up to R2: heights 2 and 3 of shard 1 carry 7 transactions and no root block confirms them.
    const { master, backend, shard, root } = await play({ upTo: 10 });
    const config = loadClusterConfig(tr!.clusterConfigJson).QUARKCHAIN;
    const h1 = shard.chain.byHeight(1n)!;
    const h3 = shard.chain.byHeight(3n)!;
    const leaving = [shard.chain.byHeight(2n)!, h3].flatMap((b) =>
      b.tx_list.map((tx) => hex(typedTransactionHash(tx))),
    );
    t.equal(leaving.length, 7);
    const before = await all(master);
    t.ok(
      leaving.every((h) => hashes(before.tx_list).includes(h)),
      "their transactions are indexed",
    );

    const miner = h1.header.coinbase_address;
    const extend = (parent: MinorBlock, n: number) => {
      for (let i = 0; i < n; i++) {
        const block = mineEmpty(config, shard, parent, root.header, parent.header.create_time + 1n, miner);
        t.equal(shard.addToChain(block, { validateTime: false }), undefined, `empty block at ${block.header.height}`);
        parent = block;
      }
      return parent;
    };
    const fork = extend(h1, 3);
    t.equal(hex(shard.tipHash), hex(minorBlockHash(fork.header)), "the longer fork is the tip");
    const after = await all(master);
    t.equal(after.error_code, 0, "the index is consistent with the new chain (no key names a transaction it lacks)");
    t.ok(after.tx_list.length > 0, "height 1's transactions are still listed");
    t.notOk(
      hashes(after.tx_list).some((h) => leaving.includes(h)),
      "GET_ALL_TRANSACTIONS: the dropped blocks' transactions are gone",
    );
    t.notOk(
      after.tx_list.some((d) => d.block_height > 1n && !d.is_from_root_chain && d.nonce !== 0n),
      "no transaction above the fork point",
    );
    const senderOfLeaving = (await byAddress(master, A)).tx_list;
    t.notOk(
      hashes(senderOfLeaving).some((h) => leaving.includes(h)),
      "nor in the address's list",
    );
    const pending = await byAddress(master, A, Uint8Array.of(0));
    t.ok(pending.error_code === 0, "the pending query answers");

    const back = extend(h3, 2);
    t.equal(hex(shard.tipHash), hex(minorBlockHash(back.header)), "the old chain, longer again, is the tip");
    const again = await all(master);
    t.ok(
      leaving.every((h) => hashes(again.tx_list).includes(h)),
      "their transactions are indexed again",
    );
    t.same(
      hashes(again.tx_list).filter((h) => leaving.includes(h)),
      hashes(before.tx_list).filter((h) => leaving.includes(h)),
      "in the same order",
    );
    await backend.close();
  },
);

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "qkc-tx-history-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test("a restart on the same --db-path keeps the index, as the recovered tip has it", { skip: missing }, async (t) => {
  const dir = tempDir(t);
  const B: Address = { recipient: unhex("f5d8fc5333d45ea4aa0c99d7d7da899323da2537"), full_shard_key: 0 };
  const lists = async (master: Master) => [
    (await byAddress(master, A)).tx_list,
    (await byAddress(master, B)).tx_list,
    (await all(master)).tx_list,
    (await all(master, new Uint8Array(0), 100, 0x10001)).tx_list,
  ];
  const entries = (list: readonly TransactionDetail[]) => list.map((d) => hex(encode(TransactionDetail, d)));
  const first = await play({ db: ChainDb.open(dir) });
  const before = await lists(first.master);
  t.ok(
    [0, 2, 3].every((i) => before[i]!.some((d) => d.block_height === 6n)),
    "before: three of the lists have an entry at height 6 (a deposit), above the last confirmed block",
  );
  const lastRoot = first.root;
  await first.backend.close();

  const config = loadClusterConfig(tr!.clusterConfigJson).QUARKCHAIN;
  const backend = new ChainBackend({
    shards: [1, 0x10001],
    genesis: new NetworkGenesis(config),
    log: silentLog,
    db: ChainDb.open(dir),
    transactionHistory: true,
  });
  backend.attach(new TestContext());
  await backend.createShards(lastRoot);
  const master = backend.master as Master;
  const shards: Shard[] = [backend.chain(1)!, backend.chain(0x10001)!];
  t.same(
    shards.map((s) => s.headerTip.height),
    [5n, 5n],
    "recovered at the blocks the root tip confirms (init_from_root_block)",
  );
  const recovered = await lists(master);
  recovered.forEach((list, i) =>
    t.same(
      entries(list),
      entries(before[i]!.filter((d) => d.block_height <= 5n)),
      `list ${i}: the entries up to the recovered tip, byte for byte; those above it left with the canonical index`,
    ),
  );
  // A new block at height 6 on each shard receives the same deposits: they are indexed again.
  for (const s of shards) {
    const block = mineEmpty(
      config,
      s,
      s.chain.tip,
      lastRoot.header,
      s.chain.tip.header.create_time + 1n,
      s.chain.tip.header.coinbase_address,
    );
    t.equal(s.addToChain(block, { validateTime: false }), undefined, `shard ${s.fullShardId}: a new block at 6`);
  }
  const again = await lists(master);
  again.forEach((list, i) =>
    t.same(hashes(list), hashes(before[i]!), `list ${i}: the same transactions as before the restart`),
  );
  await backend.close();
});
