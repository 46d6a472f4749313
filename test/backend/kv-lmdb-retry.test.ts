import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { LmdbKvEnv, type RangeKv } from "../../src/backend/kv.ts";

/*
 * lmdb-js 3.5.6 now and then fails a commit with MDB_BAD_TXN from its own freelist code
 * (mdb_freelist_save), which cannot be triggered on demand. Here the environment's commit fails
 * the way the native one does: every put of the transaction has run, then mdb_txn_commit gives up,
 * aborts the transaction (env.cpp commitTxn -> mdb_txn_commit's `fail: mdb_txn_abort`) and throws
 * the status code. The store's write must land whole on a retry, or fail loudly with nothing of it
 * written; a store reopened from the directory shows which.
 */

const MDB_BAD_TXN = -30782;
const badTxn = () =>
  Object.assign(
    new Error(
      "MDB_BAD_TXN: Transaction must abort, has a child, or is invalid: reserved freelist had a data entry with zero-size, last id 1\n",
    ),
    { code: MDB_BAD_TXN },
  );
const b = (s: string) => new Uint8Array(Buffer.from(s));
type Entry = readonly [Uint8Array, Uint8Array | undefined];

interface NativeEnv {
  commitTxn(): unknown;
  abortTxn(): unknown;
}

/** A fresh LMDB directory and its store, whose commits fail with `failure()` (when not null). */
function failingStore(t: Test, failure: () => Error | null) {
  const dir = mkdtempSync(join(tmpdir(), "qkc-kv-retry-"));
  let env: LmdbKvEnv | undefined = new LmdbKvEnv(dir);
  t.teardown(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kv = env.shard(1);
  const native = (kv as unknown as { db: { env: NativeEnv } }).db.env;
  const commit = native.commitTxn.bind(native);
  const counts = { commits: 0 };
  // The native method is a read-only prototype property: shadow it on the instance.
  Object.defineProperty(native, "commitTxn", {
    configurable: true,
    value: () => {
      counts.commits++;
      const err = failure();
      if (!err) return commit();
      native.abortTxn();
      throw err;
    },
  });
  /** Closes the store and opens the directory again, as a restarted slave does. */
  const reopen = async (): Promise<RangeKv> => {
    await env!.close();
    env = undefined;
    env = new LmdbKvEnv(dir);
    return env.shard(1);
  };
  return { kv, counts, reopen };
}

/** A block's write: many records (state, receipts, block, indexes) and a tip replaced. */
const blockWrite = (n: number): Entry[] => [
  ...Array.from({ length: n }, (_, i): Entry => [b(`node-${i}`), b(`value-${i}`.repeat(1 + (i % 7)))]),
  [b("tip"), b("block-2")],
  [b("pending"), undefined],
];

t.test(
  "a commit lmdb-js fails with MDB_BAD_TXN is written whole on the retry, and read back after a restart",
  async (t) => {
    let left = 0;
    const { kv, counts, reopen } = failingStore(t, () => (left-- > 0 ? badTxn() : null));
    kv.write([
      [b("tip"), b("block-1")],
      [b("pending"), b("mark")],
    ]);
    left = 1;
    kv.write(blockWrite(300));
    t.equal(left, -1, "the commit failed once");
    const again = await reopen();
    for (let i = 0; i < 300; i++)
      if (Buffer.compare(again.get(b(`node-${i}`)) ?? new Uint8Array(), b(`value-${i}`.repeat(1 + (i % 7)))) !== 0)
        t.fail(`node-${i} lost or wrong after the retried commit`);
    t.same(again.get(b("tip")), b("block-2"), "the replaced tip is the new one");
    t.equal(again.get(b("pending")), undefined, "the deleted record is gone");
    const down = [...again.keysDown(b("node-9"), b("node-8"))];
    t.equal(down.length, 11, "the index range walks the retried records: node-9, node-89 ... node-80");
    t.same(down.slice(0, 2), [b("node-9"), b("node-89")]);
  },
);

t.test("an MDB_BAD_TXN that keeps coming back is thrown, and nothing of the write is kept", async (t) => {
  let failing = false;
  const { kv, counts, reopen } = failingStore(t, () => (failing ? badTxn() : null));
  kv.write([
    [b("tip"), b("block-1")],
    [b("pending"), b("mark")],
  ]);
  const before = counts.commits;
  failing = true;
  t.throws(() => kv.write(blockWrite(50)), { code: MDB_BAD_TXN });
  t.equal(counts.commits - before, 3, "the first try and two retries");
  t.equal(kv.get(b("node-0")), undefined, "not visible in the running store");
  const again = await reopen();
  for (let i = 0; i < 50; i++) if (again.get(b(`node-${i}`)) !== undefined) t.fail(`node-${i} half-written`);
  t.same(again.get(b("tip")), b("block-1"), "the earlier tip stands");
  t.same(again.get(b("pending")), b("mark"), "the record the write deleted stands");
});

t.test("other write errors are not retried", async (t) => {
  const { kv, counts } = failingStore(t, () => Object.assign(new Error("MDB_MAP_FULL"), { code: -30792 }));
  t.throws(() => kv.write([[b("k"), b("v")]]), { code: -30792 });
  t.equal(counts.commits, 1);
  t.equal(kv.get(b("k")), undefined);
});
