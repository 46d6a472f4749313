import t from "tap";
import { runDurability } from "../../harness/durability.ts";
import { seed } from "../../harness/random.ts";

/**
 * Issue 14, item 6: a slave with --db-path, SIGKILLed at random moments of a stream of
 * ADD_ROOT_BLOCK / ADD_MINOR_BLOCK (blocks with signed transfers, in-shard and cross-shard), restarts
 * on the same directory with the master's root tip at the tip it confirms (init_from_root_block), every
 * block up to it served with its receipts, its world state whole in the store and its accounts the
 * model's, and takes a new block on that tip and a root block confirming it. The kill points follow the seed
 * (QKC_SEED replays a failure); `npm run durability -- --iterations N` runs the same for longer.
 */

const ITERATIONS = Number(process.env["QKC_DURABILITY_ITERATIONS"] ?? 10);

t.setTimeout(600_000);
t.comment(`seed ${seed}, ${ITERATIONS} kills (replay: QKC_SEED=${seed}, or npm run durability -- --seed ${seed})`);

t.test("SIGKILL at random points of a block stream: every restart is consistent and goes on", async (t) => {
  const report = await runDurability({ iterations: ITERATIONS, seed, blocks: 12, log: (line) => t.comment(line) });
  t.same(report.failures, [], "every restart consistent");
  t.equal(report.iterations, ITERATIONS, `${ITERATIONS} kills survived`);
  t.equal(report.continued, ITERATIONS, "each restart went on from its confirmed tips");
  t.ok(report.answered > 0, `${report.answered} steps answered over ${report.streams} streams`);
});
