import t from "tap";
import { checkStateTestGroup } from "./state-test-group.ts";

// GeneralStateTests/stStaticCall: STATICCALL, with the 50,000-call loops pyquarkchain skips as too slow.
t.test("stStaticCall", (t) => checkStateTestGroup(t, (d) => d === "stStaticCall"));
