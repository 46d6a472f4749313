import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { LmdbKvEnv } from "../../src/backend/kv.ts";

/*
 * lmdb-js 3.5.6 now and then aborts a commit with MDB_BAD_TXN from its own freelist code
 * (mdb_freelist_save), which cannot be triggered on demand: here the shard's database fails its
 * next transactions the way lmdb-js does (an Error with the native status code), and the store's
 * write must land anyway, or fail loudly when the failure does not go away.
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

type Txn = (fn: () => unknown, flags?: number) => unknown;

/** A fresh LMDB store whose shard-1 database throws `failures()` (when not null) before a transaction. */
function failingStore(t: Test, failure: () => Error | null) {
  const dir = mkdtempSync(join(tmpdir(), "qkc-kv-retry-"));
  const env = new LmdbKvEnv(dir);
  t.teardown(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kv = env.shard(1);
  const db = (kv as unknown as { db: { transactionSync: Txn } }).db;
  const real = db.transactionSync.bind(db);
  const counts = { attempts: 0 };
  db.transactionSync = (fn, flags) => {
    counts.attempts++;
    const err = failure();
    if (err) throw err;
    return real(fn, flags);
  };
  return { kv, counts };
}

t.test("a commit lmdb-js aborts with MDB_BAD_TXN is written on the retry", async (t) => {
  let left = 1;
  const { kv, counts } = failingStore(t, () => (left-- > 0 ? badTxn() : null));
  kv.write([[b("xshard-tx-list"), b("deposits")]]);
  t.equal(counts.attempts, 2, "one failed commit, one that landed");
  t.same(kv.get(b("xshard-tx-list")), b("deposits"), "the write is in the store");
});

t.test("an MDB_BAD_TXN that keeps coming back is thrown, nothing written", async (t) => {
  const { kv, counts } = failingStore(t, badTxn);
  t.throws(() => kv.write([[b("k"), b("v")]]), { code: MDB_BAD_TXN });
  t.equal(counts.attempts, 3, "the first try and two retries");
  t.equal(kv.get(b("k")), undefined);
});

t.test("other write errors are not retried", async (t) => {
  const { kv, counts } = failingStore(t, () => Object.assign(new Error("MDB_MAP_FULL"), { code: -30792 }));
  t.throws(() => kv.write([[b("k"), b("v")]]), { code: -30792 });
  t.equal(counts.attempts, 1);
});
