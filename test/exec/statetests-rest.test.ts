import t from "tap";
import { checkStateTestGroup } from "./state-test-group.ts";

const ELSEWHERE = new Set(["stSStoreTest", "stStaticCall", "stQuadraticComplexityTest", "stMemoryStressTest"]);

// Every other GeneralStateTests folder, and QuarkChain's own state tests.
t.test("the other GeneralStateTests folders and QuarkChainStateTests", (t) =>
  checkStateTestGroup(
    t,
    (d) => !ELSEWHERE.has(d) && !d.startsWith("stPreCompiledContracts") && !d.startsWith("stZeroKnowledge"),
    true,
  ),
);
