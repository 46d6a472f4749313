import type { ExecState, ExecWorld } from "../../src/backend/exec/exec-state.ts";
import { forkSchedule } from "../../src/evm/env.ts";
import type { EvmTransaction } from "../../src/tx/transaction.ts";

/**
 * The block and chain the end-to-end world tests run transactions in, as their pyquarkchain scripts set
 * State up (vectors/*-tx*.py): DEFAULT_ENV (3 chains of 2 shards, REWARD_TAX_RATE 1/2, network id 3),
 * timestamp 100, gas limit 10^7, every fork switch on.
 */

export const QKC = 0x8bb0n;

export function execState(world: ExecWorld, coinbase: Uint8Array): ExecState {
  return {
    world,
    block: {
      coinbase,
      timestamp: 100n,
      number: 0n,
      difficulty: 1n,
      gasLimit: 10n ** 7n,
      prevHashes: [],
      defaultChainToken: QKC,
      senderDisallowMap: new Map(),
      schedule: forkSchedule({
        enableEvmTimestamp: null,
        enableNonReservedNativeTokenTimestamp: null,
        enableGeneralNativeTokenTimestamp: null,
      }),
    },
    rules: {
      localFeeRate: { numerator: 1n, denominator: 2n },
      genesisToken: QKC,
      enableEvmTimestamp: null,
      eip155SignerTimestamp: null,
      chainDefaultToken: (c) => (c < 3 ? QKC : undefined),
      shardSize: () => 2,
    },
    gasUsed: 0n,
    gasLimit: 10n ** 7n,
    receipts: [],
    xshardDepositReceipts: [],
    xshardList: [],
    blockFeeTokens: new Map(),
  };
}

/** An unsigned QKC transaction of the scripts' shape (gas price 3, startgas 100000); the tests pass the sender. */
export function qkcTx(nonce: bigint, to: Uint8Array, value: bigint, toFullShardKey: number): EvmTransaction {
  return {
    nonce,
    gasprice: 3n,
    startgas: 100000n,
    to,
    value,
    data: new Uint8Array(0),
    network_id: 3n,
    from_full_shard_key: 0,
    to_full_shard_key: toFullShardKey,
    gas_token_id: QKC,
    transfer_token_id: QKC,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
  };
}
