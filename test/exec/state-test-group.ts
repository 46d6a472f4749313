import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Test } from "tap";
import { failureLine, runStateTests, stateTestFiles } from "../../src/backend/exec/state-test/runner.ts";

/** ../shared/fixtures/state-tests beside the repository (the fixtures are not part of it). */
export const STATE_TESTS = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "state-tests",
);

/**
 * Runs every ConstantinopleFix entry of the GeneralStateTests folders `pick` selects (and of
 * QuarkChainStateTests when asked) and expects every one to pass, RevertInCreateInInit.json (a state no
 * chain can reach, which pyquarkchain skips) and the other 56 tests pyquarkchain skips as too slow included.
 */
export async function checkStateTestGroup(
  t: Test,
  pick: (generalStateTestsFolder: string) => boolean,
  withQuarkChainTests = false,
): Promise<void> {
  if (!existsSync(STATE_TESTS)) {
    const why = `state-test fixtures not found at ${STATE_TESTS}`;
    await t.test(why, { skip: why }, () => {});
    return;
  }
  const general = join(STATE_TESTS, "GeneralStateTests");
  const dirs = readdirSync(general)
    .filter(pick)
    .map((d) => join(general, d));
  if (withQuarkChainTests) dirs.push(join(STATE_TESTS, "QuarkChainStateTests"));
  const started = performance.now();
  const report = runStateTests(stateTestFiles(dirs));
  const failures = report.failures.map((f) => failureLine(f, STATE_TESTS));
  t.comment(
    `${report.passed} passed, ${report.failed} failed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  t.ok(report.passed > 0, "some entries ran");
  t.same(failures, [], "no failing entry");
}
