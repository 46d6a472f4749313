/**
 * Our own execution vectors (test/fixtures/execution, made by `npm run vectors` from
 * pyquarkchain's real slave; CI has no pyquarkchain, so the committed files are what runs):
 * replayed against our slave, every exchange of a served op gives pyquarkchain's bytes.
 */
import { join } from "node:path";
import t from "tap";
import { repoRoot } from "../helpers/slave-process.ts";
import { replayDirectory } from "./replay-dir.ts";

t.test("every generated vector: every exchange of a served op passes", (t) =>
  replayDirectory(t, join(repoRoot, "test", "fixtures", "execution")),
);
