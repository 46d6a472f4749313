/**
 * Every execution transcript of ../shared/fixtures/execution (pyquarkchain's real slave)
 * replayed against our slave: every exchange of a served op gives pyquarkchain's bytes
 * (replay-dir.ts says what is asserted and what is tallied).
 */
import t from "tap";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";
import { replayDirectory } from "./replay-dir.ts";

t.test(
  "every execution transcript: every exchange of a served op passes",
  { skip: fixturesMissing("execution") },
  (t) => replayDirectory(t, fixturePath("execution")),
);
