/**
 * Why a transaction cannot be applied: pyquarkchain's InvalidTransaction subclasses
 * (quarkchain/evm/exceptions.py), as a value. `apply_transaction` raises them before touching the
 * state, so a rejected transaction changes nothing.
 */
export type TxRule =
  | "UnsignedTransaction"
  | "InvalidTransaction"
  | "InvalidNonce"
  | "InsufficientStartGas"
  | "InsufficientBalance"
  | "InvalidNativeToken"
  | "BlockGasLimitReached"
  // ShardState.__validate_tx's RuntimeErrors, checked before validate_transaction:
  | "NetworkIdMismatch"
  | "NotInBranch"
  | "UnknownChain"
  | "TargetShardNotInitialized"
  | "TargetShardNotNeighbor"
  | "XshardGasLimitExceeded"
  | "SenderNotWhitelisted"
  | "EvmNotEnabled"
  /**
   * Not an InvalidTransaction in pyquarkchain but its `assert gas_remained >= 0`
   * (apply_transaction_message): CREATE2's hashing or LOG's data gas taken unchecked by the last
   * opcode. pyquarkchain cannot apply such a transaction; it is rejected here, its effects undone.
   */
  | "NegativeGasRemained";

export interface TxRejection {
  readonly rule: TxRule;
  readonly message: string;
}

export const reject = (rule: TxRule, message: string): TxRejection => ({ rule, message });
