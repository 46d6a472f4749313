import t from "tap";
import { checkStateTestGroup } from "./state-test-group.ts";

// The precompiles 0x1–0x8: stPreCompiledContracts*, and alt_bn128 in stZeroKnowledge*.
t.test("stPreCompiledContracts* and stZeroKnowledge*", (t) =>
  checkStateTestGroup(t, (d) => d.startsWith("stPreCompiledContracts") || d.startsWith("stZeroKnowledge")),
);
