import t from "tap";
import { type PoolEntry, TxPool, poolEntry } from "../../src/backend/pool/tx-pool.ts";
import { qkcTx } from "../../harness/exec-env.ts";
import { signTx, signer } from "../../harness/signers.ts";

/*
 * tx_queue.diff as the pool applies a block that joined the chain: every pooled transaction
 * with the (sender, nonce) of one in the block leaves, whatever its hash; the others stay.
 */
const { nonce: _n, v: _v, r: _r, s: _s, ...fields } = qkcTx();
const entry = (from: ReturnType<typeof signer>, gasprice = 1n): PoolEntry =>
  poolEntry(signTx(from, { ...fields, gasprice }));

t.test("a block's transactions take out the pooled ones with their sender and nonce, and only those", async (t) => {
  const alice = signer("pool-test", 1);
  const bob = signer("pool-test", 2);
  const pool = new TxPool(100);
  const alice0 = entry(alice);
  const alice1 = entry(alice);
  const bob0 = entry(bob);
  for (const e of [alice0, alice1, bob0]) pool.add(e);

  // The block carries Alice's nonce 0 at another gas price: another hash, the same (sender, nonce).
  alice.nonce = 0n;
  const included = entry(alice, 7n);
  t.not(Buffer.from(included.hash).toString("hex"), Buffer.from(alice0.hash).toString("hex"));
  pool.removeIncluded([included]);
  t.same(
    pool.entries().map((e) => e.hash),
    [alice1.hash, bob0.hash],
    "Alice's nonce 0 left; her nonce 1 and Bob's nonce 0 stay",
  );

  // A nonce no pooled transaction has removes nothing.
  const carol = signer("pool-test", 3);
  carol.nonce = 5n;
  pool.removeIncluded([entry(carol)]);
  t.equal(pool.size, 2);
});

t.test("an empty pool stays empty", async (t) => {
  const pool = new TxPool(10);
  pool.removeIncluded([entry(signer("pool-test", 4))]);
  t.equal(pool.size, 0);
});
