import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { FixtureError, parseIntOrHex, readStateTestFile } from "../../src/backend/exec/state-test/fixture.ts";
import { folderOf, stateTestFiles } from "../../src/backend/exec/state-test/runner.ts";
import { STATE_TESTS } from "./state-test-group.ts";

const run = promisify(execFile);
const ADD11 = join(STATE_TESTS, "GeneralStateTests", "stExample", "add11.json");

t.test("numbers are read as utils.parse_int_or_hex reads them", async (t) => {
  t.equal(parseIntOrHex("0x0186a0", "x"), 100000n);
  t.equal(parseIntOrHex("0x186a0", "x"), 100000n, "odd hex lengths");
  t.equal(parseIntOrHex("0x", "x"), 0n);
  t.equal(parseIntOrHex("1000", "x"), 1000n, "decimal without 0x");
  t.throws(() => parseIntOrHex("0xzz", "gasLimit"), FixtureError);
});

t.test("files are those under GeneralStateTests or QuarkChainStateTests, tallied by folder", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "statetests-"));
  mkdirSync(join(root, "GeneralStateTests", "stA"), { recursive: true });
  mkdirSync(join(root, "TrieTests"), { recursive: true });
  writeFileSync(join(root, "GeneralStateTests", "stA", "x.json"), "{}");
  writeFileSync(join(root, "TrieTests", "trietest.json"), "{}");
  const files = stateTestFiles([root]);
  t.same(files, [join(root, "GeneralStateTests", "stA", "x.json")]);
  t.equal(folderOf(files[0]!), "GeneralStateTests/stA");
});

t.test("npm run statetests: a matching root passes, a wrong one prints its FAIL line and exits 1", async (t) => {
  if (!existsSync(ADD11)) {
    await t.test(`no fixtures at ${STATE_TESTS}`, { skip: `no fixtures at ${STATE_TESTS}` }, () => {});
    return;
  }
  const [test] = readStateTestFile(ADD11, false);
  t.equal(test!.entries.length, 1, "add11 has one ConstantinopleFix entry");
  const root = mkdtempSync(join(tmpdir(), "statetests-"));
  const dir = join(root, "GeneralStateTests", "stExample");
  mkdirSync(dir, { recursive: true });
  copyFileSync(ADD11, join(dir, "add11.json"));
  const script = ["tsx", "scripts/statetests.ts", root];
  const ok = await run("npx", script);
  t.equal(ok.stdout, "1 passed, 0 failed\n");

  const expected = test!.entries[0]!.expectedRoot;
  const wrong = "0x" + "00".repeat(32);
  writeFileSync(join(dir, "add11.json"), readFileSync(ADD11, "utf8").replaceAll(expected, wrong));
  const failed = await run("npx", script).then(
    () => undefined,
    (e: { code: number; stdout: string }) => e,
  );
  t.equal(failed?.code, 1, "exit code 1");
  const lines = failed?.stdout.trim().split("\n") ?? [];
  t.match(lines[0], new RegExp(`^FAIL .*add11\\.json add11 d=0 g=0 v=0 expected ${wrong} got ${expected}$`));
  t.equal(lines[1], "0 passed, 1 failed");
});
