import { struct, uint32, uint8 } from "../../codec/index.ts";

/**
 * Facts about a stored block that its bytes do not carry: the running transaction count
 * (pyquarkchain's tx_count_ record) and whether the state after it is known here.
 * STATE_KNOWN: the EVM state after the block is the parent's plus the block's coinbase
 * credit (an account it creates gets `coinbaseKey` as full_shard_key), and that state's root
 * is the block's hash_evm_state_root. STATE_UNKNOWN: it would take transaction execution.
 * STATE_GENESIS: a genesis block.
 */
export const BlockNote = struct("BlockNote", { total_tx_count: uint32, state: uint8, coinbase_key: uint32 });
export type BlockNote = {
  total_tx_count: number;
  state: typeof STATE_UNKNOWN | typeof STATE_KNOWN | typeof STATE_GENESIS;
  coinbase_key: number;
};
export const STATE_UNKNOWN = 0;
export const STATE_KNOWN = 1;
/** A genesis block: the state after it is the shard's genesis state. */
export const STATE_GENESIS = 2;
