import t from "tap";
import { checkStateTestGroup } from "./state-test-group.ts";

// GeneralStateTests/stSStoreTest: 5652 of the 10,615 entries, SSTORE's gas and refunds.
t.test("stSStoreTest", (t) => checkStateTestGroup(t, (d) => d === "stSStoreTest"));
