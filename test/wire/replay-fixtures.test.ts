/**
 * Every execution transcript of ../shared/fixtures/execution (pyquarkchain's real slave)
 * replayed against our slave. Until the EVM lands most block exchanges and the queries
 * about their results fail, so this asserts what already must hold: the three setup
 * exchanges of every transcript pass, the replay gets through every exchange, and no slave
 * is left running. The full tally, by op, is in the test's output; once execution is in,
 * it becomes "0 failed".
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { type TranscriptResult, replayTranscript } from "../../src/wire/replay/replay.ts";
import { loadTranscript } from "../../src/wire/replay/transcript.ts";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";
import { alive } from "./replay-helpers.ts";

const dir = fixturePath("execution");
const missing = fixturesMissing("execution");

/** `op xN, op xM` of the failing exchanges, most first. */
function failingOps(r: TranscriptResult): string {
  const by = new Map<string, number>();
  for (const x of r.results) if (x.mismatches.length > 0) by.set(x.opName, (by.get(x.opName) ?? 0) + 1);
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} x${n}`)
    .join(", ");
}

t.test("every execution transcript: the setup passes, the rest is tallied", { skip: missing }, async (t) => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  t.ok(files.length > 0, `transcripts in ${dir}`);
  const transcripts = files.map((f) => loadTranscript(join(dir, f)));
  // Two at a time: two cores, and each slave mostly waits for its master.
  const results: TranscriptResult[] = [];
  const queue = [...transcripts];
  await Promise.all(
    [0, 1].map(async () => {
      for (let tr = queue.shift(); tr; tr = queue.shift()) results.push(await replayTranscript(tr));
    }),
  );
  results.sort((a, b) => a.file.localeCompare(b.file));
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    const name = r.file.slice(dir.length + 1);
    passed += r.passed;
    failed += r.failed;
    t.comment(
      `${name}: ${r.passed} passed, ${r.failed} failed, ${r.restarts} restarts; failing: ${failingOps(r) || "none"}`,
    );
    const tr = transcripts.find((x) => x.file === r.file)!;
    t.equal(r.results.length, tr.exchanges.length, `${name}: every exchange played`);
    for (const x of r.results.slice(0, 3)) {
      t.same(x.mismatches, [], `${name} #${x.n} ${x.opName} (setup) passes`);
    }
    t.same(r.pids.filter(alive), [], `${name}: no slave left running`);
  }
  t.comment(`all transcripts: ${passed} passed, ${failed} failed`);
});
