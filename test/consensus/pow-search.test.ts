import t from "tap";
import { ValidationError, checkDoubleSha256 } from "../../src/backend/chain/block-rules.ts";
import { searchNonces } from "../../src/consensus/pow-search.ts";
import { SearchThread } from "../../src/consensus/search-thread.ts";
import { checkPow } from "../../src/consensus/seal.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { minorHashForMining } from "../../src/backend/chain/block-rules.ts";

/*
 * The miner's nonce search against the seal checks blocks are validated with: what
 * searchNonces finds for DOUBLESHA256 passes checkDoubleSha256 (miner.py validate_seal) and
 * the nonce before it does not; the search thread's QKCHASH seal passes checkPow.
 */

t.test("DOUBLESHA256: the nonce found passes the block check, a miss fails it", async (t) => {
  const header = MinorBlock.zero().header;
  header.height = 7n;
  const difficulty = 5_000n;
  const work = {
    algorithm: "DOUBLESHA256" as const,
    height: 7n,
    hashForMining: minorHashForMining(header),
    difficulty,
  };
  const found = searchNonces(work, 0n, 1_000_000)!;
  t.ok(found, "a nonce within a million");
  t.doesNotThrow(() => checkDoubleSha256({ ...header, nonce: found.nonce }, difficulty), "validate_seal accepts it");
  if (found.nonce > 0n)
    t.throws(
      () => checkDoubleSha256({ ...header, nonce: found.nonce - 1n }, difficulty),
      ValidationError,
      "the one before misses",
    );
  t.equal(searchNonces(work, 0n, Number(found.nonce)), undefined, "none before it in the range");
});

t.test("the search thread seals the QKCHASH work that replaced the first, as checkPow accepts it", async (t) => {
  const hashFor = (i: number) => new Uint8Array(32).fill(i);
  const found: Array<{ hash: Uint8Array; nonce: bigint; mixhash: Uint8Array }> = [];
  let failed: Error | undefined;
  const thread = new SearchThread(
    (work, result) => found.push({ hash: work.hashForMining, ...result }),
    (err) => (failed = err),
  );
  t.teardown(() => thread.stop());
  thread.search({ algorithm: "QKCHASH", height: 1n, hashForMining: hashFor(1), difficulty: 1n << 60n });
  thread.search({ algorithm: "QKCHASH", height: 1n, hashForMining: hashFor(2), difficulty: 50n });
  const end = Date.now() + 60_000;
  while (found.length === 0 && !failed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.equal(failed, undefined);
  t.equal(found.length, 1, "one seal");
  const seal = found[0]!;
  t.same(seal.hash, hashFor(2), "for the work that replaced the first");
  t.ok(checkPow("QKCHASH", 1n, seal.hash, seal.mixhash, seal.nonce, 50n), "checkPow accepts it");
});
