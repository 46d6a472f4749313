import { keccak256 } from "../../../crypto/keccak.ts";
import { forkSchedule, type BlockEnv } from "../../../evm/env.ts";
import { applyTransaction } from "../apply-tx.ts";
import type { ExecRules, ExecState } from "../exec-state.ts";
import { buildStateTestTx, QKC } from "./build-tx.ts";
import type { PostEntry, StateTest } from "./fixture.ts";
import { MemoryKvEnv } from "../../kv.ts";
import { WorldState } from "../../state/world-state.ts";

/**
 * The chain rules of the checker's environment (test_state.py: DEFAULT_ENV with REWARD_TAX_RATE 0):
 * every fee goes to the coinbase, QKC is the genesis and default token, every switch on.
 */
const RULES: ExecRules = {
  localFeeRate: { numerator: 1n, denominator: 1n },
  genesisToken: QKC,
  enableEvmTimestamp: null,
  eip155SignerTimestamp: null,
  chainDefaultToken: () => QKC,
  shardSize: () => 1,
};

/** mk_fake_header(i).hash = keccak(str(i)), for i from number−1 down to number−256 (and not below 0). */
function fakePrevHashes(number: bigint): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = number - 1n; i >= 0n && i > number - 257n; i--) out.push(keccak256(Buffer.from(i.toString())));
  return out;
}

const SPECIAL_PREFIX = "000000000000000000000000000000514b4300";

/** The block a test's entries run in: `env`, and the specials its overrides switch on. */
export function blockEnvOf(test: StateTest): BlockEnv {
  const base = forkSchedule({
    enableEvmTimestamp: null,
    enableNonReservedNativeTokenTimestamp: null,
    enableGeneralNativeTokenTimestamp: null,
  });
  const specials = [...base.specials] as [bigint, bigint, bigint, bigint, bigint];
  // specials.py:configure_special_contract_ts, from env.overrides.specialContractTimestamp.
  for (const [address, ts] of test.env.specialTimestamps) {
    const h = Buffer.from(address).toString("hex");
    const n = h.startsWith(SPECIAL_PREFIX) ? parseInt(h.slice(SPECIAL_PREFIX.length), 16) : 0;
    if (n < 1 || n > 5) throw new RangeError(`no special at ${h}`);
    specials[n - 1] = ts;
  }
  return {
    coinbase: test.env.coinbase,
    timestamp: test.env.timestamp,
    number: test.env.number,
    difficulty: test.env.difficulty,
    gasLimit: test.env.gasLimit,
    prevHashes: fakePrevHashes(test.env.number),
    defaultChainToken: QKC,
    senderDisallowMap: new Map(),
    schedule: { specials, systemContracts: base.systemContracts },
  };
}

/**
 * new_statetest_utils.py:init_state's accounts over an in-memory db, committed with allow_empties:
 * Ethereum's account layout ("mock EVM accounts") for GeneralStateTests, QuarkChain's otherwise.
 */
export function loadPreState(test: StateTest): WorldState {
  const world = WorldState.open(new MemoryKvEnv().shard(0), undefined, { mockAccounts: !test.qkcState });
  for (const a of test.pre) {
    world.setNonce(a.address, a.nonce);
    if (a.balances !== null) for (const [token, amount] of a.balances) world.setBalance(a.address, token, amount);
    else world.setBalance(a.address, QKC, a.balance);
    world.setCode(a.address, a.code);
    for (const [slot, value] of a.storage) world.setStorage(a.address, slot, value);
  }
  world.commit({ allowEmpties: true });
  return world;
}

/**
 * new_statetest_utils.py:compute_state_test_unit: apply the entry's transaction (an invalid one
 * changes nothing), touch the coinbase with a zero QKC credit as go-ethereum does, commit, and
 * answer the state root.
 */
export function runEntry(
  test: StateTest,
  entry: PostEntry,
  block: BlockEnv,
  pre: WorldState,
  senderOf: (key: Uint8Array) => Uint8Array,
): Uint8Array {
  // compute_state_test_unit reverts to the pre-state after each entry: a fresh state at its root.
  const world = pre.ephemeralClone();
  const built = buildStateTestTx(test.transaction, entry, senderOf);
  if ("tx" in built) {
    const state: ExecState = {
      world,
      block,
      rules: RULES,
      gasUsed: 0n,
      gasLimit: test.env.gasLimit,
      receipts: [],
      xshardDepositReceipts: [],
      xshardList: [],
      blockFeeTokens: new Map(),
    };
    applyTransaction(state, built.tx, built.sender, new Uint8Array(32), { isTesting: !test.qkcState });
  }
  world.addBalance(block.coinbase, QKC, 0n);
  return world.commit().root;
}
