import t from "tap";
import { checkStateTestGroup } from "./state-test-group.ts";

// The folders pyquarkchain skips entirely as too slow for it.
t.test("stQuadraticComplexityTest and stMemoryStressTest", (t) =>
  checkStateTestGroup(t, (d) => d === "stQuadraticComplexityTest" || d === "stMemoryStressTest"),
);
