/**
 * Replays every execution transcript of a directory against our slave and asserts every
 * exchange whose op the backend serves: it must give pyquarkchain's bytes (blocks with
 * transactions executed and checked, their receipts, account data, storage, code, total
 * balances...). The ops it does not serve yet answer "error 1" (the README's support table
 * says which) and are tallied, not asserted; once all are served this is "0 failed". No slave
 * is left running.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Test } from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { isBackendOp } from "../../src/backend/api.ts";
import { type TranscriptResult, replayTranscript } from "../../src/wire/replay/replay.ts";
import { loadTranscript } from "../../src/wire/replay/transcript.ts";
import { alive } from "./replay-helpers.ts";
import { silentLog } from "../helpers/test-log.ts";
import { repoRoot } from "../helpers/slave-process.ts";
import { resolveSlaveConfig } from "../../src/slave-run-config.ts";
import type { SlaveCliOptions } from "../../src/config/slave-options.ts";

/** `op xN, op xM` of the failing exchanges, most first. */
function failingOps(r: TranscriptResult): string {
  const by = new Map<string, number>();
  for (const x of r.results) if (x.mismatches.length > 0) by.set(x.opName, (by.get(x.opName) ?? 0) + 1);
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} x${n}`)
    .join(", ");
}

/** The master handlers of a backend as the daemon builds it: an op it lacks is answered "not served". */
const handlers = new ChainBackend({
  shards: [],
  genesis: resolveSlaveConfig({
    cluster_config: join(repoRoot, "examples", "cluster_config.json"),
    node_id: "S0",
  } as SlaveCliOptions).genesis,
  log: silentLog,
}).master;
const served = (opName: string): boolean => !isBackendOp(opName) || handlers[opName] !== undefined;

export async function replayDirectory(t: Test, dir: string): Promise<void> {
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
    const asserted = r.results.filter((x) => served(x.opName));
    const wrong = asserted.filter((x) => x.mismatches.length > 0);
    t.same(
      wrong.map(
        (x) =>
          `#${x.n} ${x.opName}: ${x.mismatches
            .map((m) => `${m.kind} ${m.detail}`)
            .join("; ")
            .slice(0, 300)}`,
      ),
      [],
      `${name}: the ${asserted.length} exchanges of served ops give pyquarkchain's bytes`,
    );
    t.same(r.pids.filter(alive), [], `${name}: no slave left running`);
  }
  t.comment(`all transcripts: ${passed} passed, ${failed} failed`);
}
