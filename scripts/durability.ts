import { Command, InvalidArgumentError } from "commander";
import { runDurability } from "../harness/durability.ts";

/*
 * npm run durability -- --iterations N [--seed S] [--blocks B]: SIGKILL a --db-path slave at
 * random points of a block stream N times, checking each restart (harness/durability.ts).
 * Exit 1 on the first violated guarantee, with the seed that replays it.
 */

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("a non-negative integer");
  return n;
};
const opts = new Command("durability")
  .option("--iterations <n>", "kills to survive", int, 50)
  .option("--seed <n>", "the run's seed (default: random, printed)", int)
  .option("--blocks <n>", "minor blocks per stream", int, 40)
  .option("--max-delay-ms <n>", "the longest wait before a kill", int, 700)
  .parse()
  .opts<{ iterations: number; seed?: number; blocks: number; maxDelayMs: number }>();
const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
console.log(`durability: seed ${seed}, ${opts.iterations} iterations (replay with --seed ${seed})`);
const started = Date.now();
const report = await runDurability({
  iterations: opts.iterations,
  seed,
  blocks: opts.blocks,
  maxDelayMs: opts.maxDelayMs,
  log: (line) => console.log(line),
});
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `${report.iterations} kills, ${report.streams} streams, ${report.answered} steps answered, ${secs} s: ` +
    (report.failures.length === 0 ? "every restart consistent" : `${report.failures.length} failures`),
);
for (const f of report.failures) console.log(`FAIL ${f}`);
process.exit(report.failures.length === 0 ? 0 : 1);
