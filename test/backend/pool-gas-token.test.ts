import t from "tap";
import { applyTransaction } from "../../src/backend/exec/apply-tx.ts";
import { poolRejection } from "../../src/backend/pool/pool-gate.ts";
import type { PoolEntry } from "../../src/backend/pool/tx-pool.ts";
import type { ShardTxRules } from "../../src/backend/exec/validate-shard-tx.ts";
import { tokenIdEncode } from "../../src/config/token.ts";
import { SYSTEM_CONTRACTS } from "../../src/evm/system-contracts.ts";
import type { EvmTransaction } from "../../src/tx/transaction.ts";
import { execStateOf, qkcTx } from "../../harness/exec-env.ts";
import { FakeWorld } from "../exec/fake-world.ts";

/*
 * add_tx with gas paid in a token other than QKC, where the general native token manager is
 * deployed (test_shard_state.py's __prepare_gas_reserve_contract: QI -> QKC at 1/2, a 1 QKC
 * reserve): validate_transaction's step 6 asks it (payAsGas, reserve), then
 * convert_to_default_chain_token_gasprice (calculateGasPrice) meets MIN_TX_POOL_GAS_PRICE. The
 * manager's answers are checked against pyquarkchain's formulas in test/exec/gas-token.test.ts.
 */

const QKC = tokenIdEncode("QKC");
const QI = tokenIdEncode("QI");
const ACC = new Uint8Array(20).fill(0xa1);
const MANAGER = SYSTEM_CONTRACTS[2].address;
const word = (v: bigint): string => v.toString(16).padStart(64, "0");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function managerRuntime(): Uint8Array {
  const init = Buffer.from(SYSTEM_CONTRACTS[2].initCode);
  const start = init.indexOf(Buffer.from("608060405260", "hex"), 1);
  return Uint8Array.from(init.subarray(start, init.length - 32)); // without the constructor argument
}

/** One shard of one chain: every rule of __validate_tx's own passes for an in-shard transfer. */
const RULES: ShardTxRules = {
  networkId: 3n,
  ethChainId: 100001n,
  isInBranch: () => true,
  fullShardIdOf: () => 1,
  isInitialized: () => true,
  isNeighbor: () => true,
  xshardGasLimit: 6_000_000n,
  enableTxTimestamp: null,
  txWhitelistSenders: new Set(),
  enableEvmTimestamp: null,
};

function setup() {
  const world = new FakeWorld();
  world.setBalance(ACC, QKC, 10n ** 20n);
  world.setBalance(ACC, QI, 10n ** 20n);
  world.setCode(MANAGER, managerRuntime());
  world.setStorage(MANAGER, 0n, BigInt("0x" + hex(MANAGER))); // caller
  world.setStorage(MANAGER, 1n, BigInt("0x" + hex(ACC))); // supervisor
  world.setStorage(MANAGER, 3n, 30000n); // min gas reserve for maintenance
  world.setStorage(MANAGER, 4n, 1n); // min starting gas for use as gas
  const state = execStateOf(
    world,
    { timestamp: 1_600_000_000n, number: 1n, gasLimit: 6_000_000n },
    { chainDefaultToken: () => QKC, shardSize: () => 1 },
  );
  // The supervisor's set-up, as block transactions: no registration required, QI at 1/2 with a 1 QKC reserve.
  const setupTx = (data: string, value = 0n): EvmTransaction =>
    qkcTx({ gasprice: 0n, startgas: 1_000_000n, to: MANAGER, data: Buffer.from(data, "hex"), value });
  return { world, state, setupTx };
}

const entry = (f: Partial<EvmTransaction>, nonce: bigint): PoolEntry => {
  const evm = qkcTx({ nonce, to: new Uint8Array(20).fill(0x55), startgas: 21000n, gas_token_id: QI, ...f });
  return { tx: { tx: { type: 0, serialized_tx: new Uint8Array(0) } }, hash: new Uint8Array(32), evm, sender: ACC };
};

t.test(
  "gas in QI through the manager: the converted price meets MIN_TX_POOL_GAS_PRICE, the reserve bounds it",
  async (t) => {
    const { world, state, setupTx } = setup();
    let nonce = 0n;
    for (const [data, value] of [
      ["764a27ef" + word(0n), 0n],
      ["735e0e19" + word(QI) + word(1n) + word(2n), 10n ** 18n],
    ] as const) {
      const r = applyTransaction(state, { ...setupTx(data, value), nonce }, ACC, new Uint8Array(32));
      t.match(r, { applied: true, success: true }, `manager set-up ${data.slice(0, 8)}`);
      nonce++;
    }
    state.gasUsed = 0n;
    const before = [world.getBalance(MANAGER, QKC), world.getBalance(ACC, QI), world.getNonce(ACC)];

    t.equal(
      poolRejection(RULES, 5n, state, entry({ gasprice: 10n }, nonce)),
      undefined,
      "price 10 in QI is 5 in QKC: at 5, in",
    );
    t.match(
      poolRejection(RULES, 6n, state, entry({ gasprice: 10n }, nonce)),
      /below MIN_TX_POOL_GAS_PRICE 6/,
      "at 6, out",
    );
    t.match(
      poolRejection(RULES, 0n, state, entry({ gasprice: 4n * 10n ** 12n, startgas: 1_000_000n }, nonce)),
      /^InvalidNativeToken: /,
      "the manager refuses: its 1 QKC reserve cannot pay 10^6 gas at 2·10^12",
    );
    t.equal(
      poolRejection(RULES, 0n, state, entry({ gasprice: 4n * 10n ** 12n, startgas: 1_000_000n }, nonce + 1n)),
      undefined,
      "the same a nonce ahead: validate_transaction (and so the reserve) is not asked",
    );
    t.equal(poolRejection(RULES, 0n, state, entry({ gasprice: 0n }, nonce)), undefined, "price 0, MIN 0: in");
    t.match(poolRejection(RULES, 1n, state, entry({ gasprice: 0n }, nonce)), /price 0 .* below/, "price 0, MIN 1: out");
    t.match(
      poolRejection(RULES, 0n, state, entry({ gasprice: 10n, gas_token_id: tokenIdEncode("QIB") }, nonce)),
      /^InvalidNativeToken: .*zero balance/,
      "a gas token the sender does not hold",
    );
    t.same(
      [world.getBalance(MANAGER, QKC), world.getBalance(ACC, QI), world.getNonce(ACC)],
      before,
      "the manager's calls leave nothing behind",
    );
  },
);
