import { readFileSync } from "node:fs";
import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { WorldState } from "../../src/backend/state/world-state.ts";

/**
 * The world-state scenarios of vectors/scenarios.json (op lists: tokens, list → trie, keys,
 * blank deletion, del_account, snapshots, storage, mock accounts) run through WorldState, and
 * every value they record compared with what pyquarkchain's own State recorded for the same ops
 * (vectors/scenarios.pyquarkchain.json, made by vectors/state-ops.py).
 */

type Op = [string, ...(number | string | boolean)[]];
interface Scenario {
  name: string;
  mock: boolean;
  ops: Op[];
}
type Recorded = string | number | boolean | null | Record<string, string>;

const dir = new URL("./vectors/", import.meta.url);
const scenarios = JSON.parse(readFileSync(new URL("scenarios.json", dir), "utf8")) as Scenario[];
const expected = JSON.parse(readFileSync(new URL("scenarios.pyquarkchain.json", dir), "utf8")) as Record<
  string,
  Recorded[]
>;

const addr = (n: number) => {
  const a = new Uint8Array(20);
  new DataView(a.buffer).setUint32(16, n);
  return a;
};

function run(s: Scenario): Recorded[] {
  const kv = new MemoryKvEnv().shard(0);
  const open = (root?: Uint8Array, key = 0) => WorldState.open(kv, root, { mockAccounts: s.mock, fullShardKey: key });
  let state = open();
  const snaps: number[] = [];
  const out: Recorded[] = [];
  for (const [name, ...args] of s.ops) {
    const a = () => addr(args[0] as number);
    const n = (i: number) => BigInt(args[i] as number | string);
    switch (name) {
      case "key":
        state.fullShardKey = args[0] as number;
        break;
      case "get":
        out.push(state.getBalance(a(), n(1)).toString());
        break;
      case "add":
        state.addBalance(a(), n(1), n(2));
        break;
      case "set":
        state.setBalance(a(), n(1), n(2));
        break;
      case "nonce":
        state.setNonce(a(), n(1));
        break;
      case "get_nonce":
        out.push(state.getNonce(a()).toString());
        break;
      case "code":
        state.setCode(a(), new Uint8Array(Buffer.from(args[1] as string, "hex")));
        break;
      case "get_code":
        out.push(hex(state.getCode(a())));
        break;
      case "sstore":
        state.setStorage(a(), n(1), n(2));
        break;
      case "sload":
        out.push(state.getStorage(a(), n(1)).toString());
        break;
      case "reset_storage":
        state.resetStorage(a());
        break;
      case "del":
        state.deleteAccount(a());
        break;
      case "snap":
        snaps.push(state.snapshot());
        break;
      case "revert":
        state.revert(snaps.pop()!);
        break;
      case "drop":
        snaps.pop();
        break;
      case "exists":
        out.push(state.accountExists(a()));
        break;
      case "fsk":
        out.push(state.getFullShardKey(a()));
        break;
      case "balances": {
        const m = [...state.getBalances(a())].sort(([x], [y]) => (x < y ? -1 : 1));
        out.push(Object.fromEntries(m.map(([k, v]) => [k.toString(), v.toString()])));
        break;
      }
      case "commit": {
        const { root, writes } = state.commit({ allowEmpties: args[0] === true });
        kv.write(writes); // what the caller does with the block
        out.push(hex(root));
        break;
      }
      case "raw": {
        const v = state.storedAccount(a());
        out.push(v === undefined ? null : hex(v));
        break;
      }
      case "reopen":
        // A new state over the Kv alone: everything it reads was stored from commit batches.
        state = open(state.root(), state.fullShardKey);
        break;
      default:
        throw new Error(`unknown op ${name}`);
    }
  }
  return out;
}

for (const s of scenarios) {
  t.test(s.name, async (t) => {
    t.strictSame(run(s), expected[s.name], "every recorded value as pyquarkchain's State recorded it");
  });
}
