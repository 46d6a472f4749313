import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { checkFile } from "../../src/wire/check.ts";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";

// The same checker `qkc-wire check` runs, over every file of the pyquarkchain fixture directory.
const dir = fixturePath("pyquarkchain");
const expected = ["cluster.json", "p2p.json", "core.json", "frames.json", "malformed.json", "schema.json"];
const missing = fixturesMissing("pyquarkchain");

t.test("pyquarkchain fixtures", { skip: missing }, async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  for (const f of expected) t.ok(existsSync(join(dir, f)), `${f} is in ${dir}`);
  for (const file of files.sort()) {
    t.test(file, async (t) => {
      const results = checkFile(join(dir, file));
      t.ok(results.length > 0, "has records");
      const failures = results.filter((r) => !r.ok).map((r) => `${r.label}: ${r.reason}`);
      t.same(failures, [], `${results.length - failures.length} of ${results.length} records pass`);
    });
  }
});
