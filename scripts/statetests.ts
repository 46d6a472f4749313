/**
 * npm run statetests -- DIR...: every ConstantinopleFix post entry of the GeneralStateTests and
 * QuarkChainStateTests under the given paths, checked as pyquarkchain's checker does
 * (quarkchain/evm/tests/new_statetest_utils.py). One FAIL line per failing entry, then the tally;
 * the exit code is 1 when any entry failed. `--folders` adds the tally by folder (stderr).
 */
import { failureLine, runStateTests, stateTestFiles } from "../src/backend/exec/state-test/runner.ts";

const args = process.argv.slice(2);
const byFolder = args.includes("--folders");
const paths = args.filter((a) => !a.startsWith("--"));
if (paths.length === 0) {
  console.error("usage: npm run statetests -- [--folders] DIR_OR_FILE...");
  process.exit(2);
}
const started = performance.now();
const report = runStateTests(stateTestFiles(paths), (f) => console.log(failureLine(f)));
if (byFolder) {
  for (const [folder, t] of [...report.byFolder].sort()) {
    console.error(`${folder}: ${t.passed} passed, ${t.failed} failed, ${(t.ms / 1000).toFixed(1)} s`);
  }
  const s = report.skippedByPyquarkchain;
  console.error(`tests pyquarkchain skips: ${s.tests} tests, ${s.entries} entries, ${(s.ms / 1000).toFixed(1)} s`);
  console.error(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(`${report.passed} passed, ${report.failed} failed`);
process.exitCode = report.failed > 0 ? 1 : 0;
