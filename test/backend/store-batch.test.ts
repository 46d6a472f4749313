import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { BatchedKv } from "../../src/backend/batched-kv.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { ChainDb, STATE_KNOWN } from "../../src/backend/chain/chain-store.ts";
import { NetworkGenesis, minorBlockHash } from "../../src/backend/genesis.ts";
import { type KvEnv, MemoryKvEnv, type RangeKv } from "../../src/backend/kv.ts";
import { encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { AccountBranchData } from "../../src/messages/cluster.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { decodeNode } from "../../src/backend/state/trie/decode.ts";
import { LEAF } from "../../src/backend/state/trie/node.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, chainFixture, fixtureBlock, fixtureRoot, hex, snapshot } from "./chain-helpers.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;
const config = loadQuarkChainConfig(f.cluster_config_json);

/** Every Kv write and read of the shards' stores, by the two-letter tag of each key. */
class CountingEnv implements KvEnv {
  readonly writes: string[][] = [];
  readonly reads: string[] = [];
  /** The kinds of the trie nodes read ("tn" records), as decoded. */
  readonly trieReads: number[] = [];
  private readonly inner = new MemoryKvEnv();
  readonly persistent = false;

  shard(id: number): RangeKv {
    const kv = this.inner.shard(id);
    const tag = (k: Uint8Array) => Buffer.from(k.subarray(0, 2)).toString("latin1");
    return {
      get: (k) => {
        this.reads.push(tag(k));
        const v = kv.get(k);
        if (v !== undefined && tag(k) === "tn") this.trieReads.push(decodeNode(v, k.subarray(2)).kind);
        return v;
      },
      write: (entries) => {
        this.writes.push(entries.map(([k]) => tag(k)));
        kv.write(entries);
      },
      keysDown: (start, end) => kv.keysDown(start, end),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  reset(): void {
    this.writes.length = 0;
    this.reads.length = 0;
    this.trieReads.length = 0;
  }
}

async function start(env: KvEnv) {
  const backend = new ChainBackend({
    shards: [SHARD],
    genesis: new NetworkGenesis(config),
    log: silentLog,
    db: new ChainDb(env),
  });
  backend.attach(new TestContext());
  await backend.createShards(fixtureRoot(f, "R0"));
  return { backend, master: backend.master as Required<MasterHandlers> };
}
const turn = () => new Promise((resolve) => setImmediate(resolve));
const add = (master: Required<MasterHandlers>, name: string) =>
  master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: encode(MinorBlock, fixtureBlock(f, name)) });

t.test("a block goes to the store in one write, with its state, indexes and tips", async (t) => {
  const env = new CountingEnv();
  const { backend, master } = await start(env);
  env.reset();
  t.same(await add(master, "B1"), { error_code: 0 });
  const withBlock = env.writes.filter((w) => w.includes("mb"));
  t.equal(withBlock.length, 1, "one write holds the block");
  for (const tag of ["tn", "rc", "mb", "mn", "mi", "tp"])
    t.ok(withBlock[0]!.includes(tag), `the block's write holds its "${tag}" records`);
  t.same(
    env.writes.filter((w) => w !== withBlock[0]),
    [],
    "no other write: the commit mark (after the master's answer, pyquarkchain's commit_by_hash) waits",
  );
  const h1 = minorBlockHash(fixtureBlock(f, "B1").header);
  t.equal(backend.chain(SHARD)!.chain.store.isCommitted(h1), true, "yet B1 reads as committed");
  t.equal(hex(backend.chain(SHARD)!.tipHash), hex(h1), "B1 is the tip");
  env.reset();
  t.same(await add(master, "B2"), { error_code: 0 });
  t.equal(env.writes.length, 1, "B2: one write again");
  t.ok(env.writes[0]!.includes("cm") && env.writes[0]!.includes("mb"), "it carries B1's commit mark");
  env.reset();
  await backend.close();
  t.same(env.writes, [["cm"]], "closing writes B2's mark");
});

t.test("the next block finds the trie nodes the last one wrote in the node cache", async (t) => {
  const env = new CountingEnv();
  const { backend, master } = await start(env);
  t.same(await add(master, "B1"), { error_code: 0 });
  env.reset();
  t.same(await add(master, "B2"), { error_code: 0 }, "B2 runs on B1's state");
  t.ok(env.trieReads.length > 0, "(B2 reads accounts B1 wrote)");
  t.ok(
    env.trieReads.every((kind) => kind === LEAF),
    "no trie node read from the store but leaves (the node cache keeps no leaf a block wrote)",
  );
  t.equal(hex(backend.chain(SHARD)!.tipHash), snapshot(f, "B2").tip_hash);
  // What the cache answers is what the store has: the state after B2, opened afresh, reads the same.
  const fresh = backend.chain(SHARD)!.worldAfterBlock(minorBlockHash(fixtureBlock(f, "B2").header))!;
  t.equal(hex(fresh.root()), snapshot(f, "B2").evm_state_root);
  await backend.close();
});

t.test("a batch that throws writes nothing and leaves no decoded block behind", async (t) => {
  const env = new CountingEnv();
  const store = new ChainDb(env).shard(SHARD);
  const b1 = fixtureBlock(f, "B1");
  const h1 = minorBlockHash(b1.header);
  t.throws(
    () =>
      store.batch(() => {
        store.putMinorBlock(b1, { total_tx_count: 0, state: STATE_KNOWN, coinbase_key: 0 });
        store.rewriteCanonical({ put: [b1], drop: [] });
        t.ok(store.minorBlock(h1), "inside the batch its writes are read back");
        t.equal(hex(store.canonicalHash(b1.header.height)!), hex(h1));
        t.equal(env.writes.length, 0, "held back");
        throw new Error("disk on fire");
      }),
    /disk on fire/,
  );
  t.equal(env.writes.length, 0, "nothing written");
  t.equal(store.minorBlock(h1), undefined, "the block is not served");
  t.equal(store.hasMinorBlock(h1), false);
  t.equal(store.canonicalHash(b1.header.height), undefined);
  store.batch(() => {
    store.putMinorBlock(b1, { total_tx_count: 0, state: STATE_KNOWN, coinbase_key: 0 });
    store.batch(() => store.rewriteCanonical({ put: [b1], drop: [] }));
  });
  t.equal(env.writes.length, 1, "a nested batch joins the outer one: one write");
  t.ok(store.minorBlock(h1));
});

t.test(
  "a block's trie nodes join the node cache after its answer; a query before that gets the same answer",
  async (t) => {
    const env = new CountingEnv();
    const { backend, master } = await start(env);
    const shard = backend.chain(SHARD)!;
    t.equal(shard.addToChain(fixtureBlock(f, "B1"), {}), undefined, "B1 is stored");
    t.equal(shard.addToChain(fixtureBlock(f, "B2"), {}), undefined, "B2 is stored");
    const root2 = fixtureBlock(f, "B2").meta.hash_evm_state_root;
    t.equal(shard.nodeCache.get(root2), undefined, "B2's nodes are not in the cache yet (deferred)");
    const s = snapshot(f, "B2");
    const accounts = async () => {
      const out: Record<string, string> = {};
      for (const recipient of Object.keys(s.account_data)) {
        const res = await master.GET_ACCOUNT_DATA_REQUEST({
          address: { recipient: bytes(recipient), full_shard_key: 0 },
          block_height: 2n, // the state after the stored block, not the tip's in-memory view
        });
        t.equal(res.error_code, 0);
        out[recipient] = hex(encode(AccountBranchData, res.account_branch_data_list[0]!));
      }
      return out;
    };
    env.reset();
    t.same(await accounts(), s.account_data, "before the admission: pyquarkchain's account data after B2");
    t.ok(env.reads.includes("tn"), "read from the store's trie records (the admission had not run)");
    await new Promise((resolve) => setImmediate(resolve));
    t.ok(shard.nodeCache.get(root2), "once the event loop turns, the cache holds B2's root node");
    t.same(await accounts(), s.account_data, "after it: the same answers");
    await backend.close();
  },
);

t.test("blocks added back to back (a sync batch) each find the last one's nodes in the cache", async (t) => {
  const env = new CountingEnv();
  const { backend } = await start(env);
  const shard = backend.chain(SHARD)!;
  t.equal(shard.addToChain(fixtureBlock(f, "B1"), {}), undefined);
  env.reset();
  // No turn of the event loop in between: validating B2 settles B1's deferred admission first.
  t.equal(shard.addToChain(fixtureBlock(f, "B2"), {}), undefined);
  t.ok(
    env.trieReads.every((kind) => kind === LEAF),
    "no trie node read from the store but leaves",
  );
  t.equal(hex(shard.chain.tipHash), snapshot(f, "B2").tip_hash);
  await backend.close();
});

t.test(
  "work put off after a write: a step a turn of the event loop, all of it at settle, none if the batch is dropped",
  async (t) => {
    const kv = new BatchedKv(new MemoryKvEnv().shard(SHARD));
    const ran: string[] = [];
    const steps = (name: string, n: number) => {
      let i = 0;
      return () => {
        ran.push(`${name}${i}`);
        return ++i < n;
      };
    };
    kv.batch(() => {
      kv.write([[bytes("6b31"), bytes("01")]]);
      kv.afterWriteSoon(steps("a", 3));
      t.same(ran, [], "not inside the batch");
    });
    kv.afterWriteSoon(steps("b", 2)); // no batch open: the write is done already
    t.same(ran, [], "not on the caller's path");
    await turn();
    t.same(ran, ["a0"], "one step a turn");
    await turn();
    t.same(ran, ["a0", "a1"]);
    kv.settle();
    t.same(ran, ["a0", "a1", "a2", "b0", "b1"], "settle runs what is left, in order");
    t.throws(() =>
      kv.batch(() => {
        kv.afterWriteSoon(steps("c", 1));
        throw new Error("dropped");
      }),
    );
    await turn();
    kv.settle();
    t.same(ran, ["a0", "a1", "a2", "b0", "b1"], "a dropped batch's work never runs");
  },
);

t.test(
  "a write that waits for the next one: read at once, written with the next write, or alone within a second",
  async (t) => {
    const env = new CountingEnv();
    const kv = new BatchedKv(env.shard(SHARD));
    kv.writeWithNext([[bytes("636d01"), bytes("")]]);
    t.same(kv.get(bytes("636d01")), bytes(""), "read back at once");
    t.same(env.writes, [], "not written yet");
    kv.write([[bytes("7470"), bytes("01")]]);
    t.same(env.writes, [["cm", "tp"]], "with the next write, first");
    kv.writeWithNext([[bytes("636d02"), bytes("")]]);
    kv.batch(() => kv.writeWithNext([[bytes("636d03"), bytes("")]]));
    t.same(env.writes.at(-1), ["cm", "cm"], "a batch takes the waiting one, and its own is a write of the batch");
    env.reset();
    kv.writeWithNext([[bytes("636d04"), bytes("")]]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    t.same(env.writes, [["cm"]], "no other write within a second: written alone");
    t.same(kv.get(bytes("636d04")), bytes(""));
  },
);

t.test(
  "a batch's one write: the hashed records first (handed over, in order), the waiting writes, the batch's own",
  (t) => {
    const seen: Array<{ keys: string[]; handedOver: number | undefined }> = [];
    const inner = new MemoryKvEnv().shard(SHARD);
    const kv = new BatchedKv({
      get: (k) => inner.get(k),
      write: (entries, handedOver) => {
        seen.push({ keys: entries.map(([k]) => Buffer.from(k).toString("hex")), handedOver });
        inner.write(entries, handedOver);
      },
      keysDown: (start, end) => inner.keysDown(start, end),
    });
    kv.writeWithNext([[bytes("636d01"), bytes("")]]);
    kv.batch(() => {
      kv.write([[bytes("7470"), bytes("01")]]);
      kv.writeHashed([
        [bytes("aa01"), bytes("11")],
        [bytes("aa02"), bytes("12")],
      ]);
      kv.writeHashed([]);
      kv.writeHashed([[bytes("aa03"), bytes("13")]]);
      kv.write([[bytes("7470"), bytes("02")]]);
    });
    t.same(seen, [{ keys: ["aa01", "aa02", "aa03", "636d01", "7470"], handedOver: 3 }]);
    t.same(kv.get(bytes("7470")), bytes("02"), "a later write of a key wins");
    t.same(kv.get(bytes("aa03")), bytes("13"));
    t.end();
  },
);
