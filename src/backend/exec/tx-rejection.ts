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
  | "BlockGasLimitReached";

export interface TxRejection {
  readonly rule: TxRule;
  readonly message: string;
}

export const reject = (rule: TxRule, message: string): TxRejection => ({ rule, message });
