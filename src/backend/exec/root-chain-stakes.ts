import { sameBytes } from "../../codec/bytes.ts";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import type { BlockEnv } from "../../evm/env.ts";
import { SYSTEM_CONTRACTS } from "../../evm/system-contracts.ts";
import type { ShardConfig } from "../../config/cluster-config.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import type { WorldState } from "../state/world-state.ts";
import { applyTransaction } from "./apply-tx.ts";
import { configSchedule, execRules } from "./block-env.ts";
import { newExecState } from "./exec-state.ts";

/** What GET_ROOT_CHAIN_STAKES answers: the locked stakes and the signer of a root-chain PoSW staker. */
export interface RootChainStakes {
  readonly stakes: bigint;
  readonly signer: Uint8Array;
}

/** The contract's getLockedStakes(address) selector. */
const GET_LOCKED_STAKES = Uint8Array.from([0xfd, 0x8c, 0x46, 0x46]);
const NONE: RootChainStakes = { stakes: 0n, signer: new Uint8Array(20) };

/** The answer pyquarkchain cannot serialize (the call's output is not two words): no answer. */
export class UnservableStakesError extends Error {
  override readonly name = "UnservableStakesError";
}

/**
 * shard_state.py:get_root_chain_stakes on `world`, the state after the block asked about (a fresh
 * __create_evm_state: timestamp 0, so even 0x1–0x8 are off, number 0, zero coinbase, gas limit
 * 3141592, no prev headers). No stakes unless the code at the ROOT_CHAIN_POSW address hashes to
 * ROOT_CHAIN_POSW_CONTRACT_BYTECODE_HASH; else getLockedStakes(recipient) from the zero address at
 * price 0 with 1,000,000 gas: word 0 is the stakes, the last 20 bytes of word 1 the signer. A failed
 * call has no stakes. Nothing is committed.
 */
export function rootChainStakes(
  config: QuarkChainConfig,
  shard: ShardConfig,
  world: WorldState,
  recipient: Uint8Array,
): RootChainStakes {
  const contract = SYSTEM_CONTRACTS[0].address;
  const code = world.getCode(contract);
  if (code.length === 0) return NONE;
  if (!sameBytes(keccak256(code), config.ROOT_CHAIN_POSW_CONTRACT_BYTECODE_HASH)) return NONE;

  const sender = new Uint8Array(20);
  const data = new Uint8Array(36);
  data.set(GET_LOCKED_STAKES, 0);
  data.set(recipient, 16);
  const tx: EvmTransaction = {
    nonce: world.getNonce(sender),
    gasprice: 0n,
    startgas: 1_000_000n,
    to: contract,
    value: 0n,
    data,
    network_id: 1n,
    from_full_shard_key: 0,
    to_full_shard_key: 0,
    gas_token_id: config.genesisToken,
    transfer_token_id: config.genesisToken,
    version: 0n,
    v: 0n,
    r: 0n,
    s: 0n,
  };
  const block: BlockEnv = {
    coinbase: new Uint8Array(20),
    timestamp: 0n,
    number: 0n,
    difficulty: 1n,
    gasLimit: 3_141_592n,
    prevHashes: [],
    defaultChainToken: tokenIdEncode(shard.chain.DEFAULT_CHAIN_TOKEN),
    senderDisallowMap: new Map(),
    schedule: configSchedule(config),
  };
  const applied = applyTransaction(
    newExecState(world, block, execRules(config), block.gasLimit),
    tx,
    sender,
    new Uint8Array(32),
  );
  // pyquarkchain raises out of the handler on an invalid transaction, and cannot serialize a signer that is not 20 bytes.
  if ("rule" in applied) throw new UnservableStakesError(`getLockedStakes not applied: ${applied.message}`);
  if (!applied.success || applied.output.length === 0) return NONE;
  if (applied.output.length !== 64)
    throw new UnservableStakesError(`getLockedStakes returned ${applied.output.length} bytes`);
  const stakes = BigInt("0x" + (Buffer.from(applied.output.subarray(0, 32)).toString("hex") || "0"));
  return { stakes, signer: applied.output.slice(44, 64) };
}
