import type { Address } from "./world.ts";

/**
 * One frame's message (vm.py:Message). Gas is a bigint at this boundary: a state test's startgas reaches
 * 2^63, and the low bits of what flows back are the refund. Inside a frame the interpreter counts in numbers.
 */
export interface Message {
  readonly sender: Address;
  /** The account whose storage and balance the frame acts on (for a create, set by createContract). */
  to: Address;
  readonly value: bigint;
  readonly gas: bigint;
  /** Call data (for a create: the init code, until createContract moves it out). */
  data: Uint8Array;
  readonly depth: number;
  /** Whose code runs (DELEGATECALL and CALLCODE run another account's code on `to`). */
  readonly codeAddress: Address;
  isCreate: boolean;
  /** False for DELEGATECALL: the value is only reported by CALLVALUE, never moved. */
  readonly transfersValue: boolean;
  readonly isStatic: boolean;
  /** Hashed into CREATE addresses; undefined is pyquarkchain's None (the Ethereum formula, EXECUTION.md §2.5). */
  readonly toFullShardKey: number | undefined;
  readonly transferTokenId: bigint;
  readonly gasTokenId: bigint;
  /** Set when the frame CALLs/STATICCALLs current_mnt_id (vm.py), or is that call itself (specials.py). */
  tokenIdQueried: boolean;
}

export interface MessageFields {
  sender: Address;
  to: Address;
  value?: bigint;
  gas: bigint;
  data?: Uint8Array;
  depth?: number;
  codeAddress?: Address;
  isCreate?: boolean;
  transfersValue?: boolean;
  isStatic?: boolean;
  toFullShardKey?: number | undefined;
  transferTokenId: bigint;
  gasTokenId: bigint;
}

const EMPTY = new Uint8Array(0);

/** vm.py:Message's constructor and its defaults (code_address defaults to `to`). */
export function makeMessage(f: MessageFields): Message {
  return {
    sender: f.sender,
    to: f.to,
    value: f.value ?? 0n,
    gas: f.gas,
    data: f.data ?? EMPTY,
    depth: f.depth ?? 0,
    codeAddress: f.codeAddress ?? f.to,
    isCreate: f.isCreate ?? false,
    transfersValue: f.transfersValue ?? true,
    isStatic: f.isStatic ?? false,
    toFullShardKey: f.toFullShardKey,
    transferTokenId: f.transferTokenId,
    gasTokenId: f.gasTokenId,
    tokenIdQueried: false,
  };
}

/** What a frame returns (vm.py's `(result, gas, data)`). */
export interface MessageResult {
  readonly success: boolean;
  /** Negative only where pyquarkchain asserts (LOG/CREATE2 unchecked gas as the last op): reject the tx. */
  readonly gasRemaining: bigint;
  /** The RETURN or REVERT data; for a successful create, the new contract's 20-byte address. */
  readonly output: Uint8Array;
}

/** The failure every exceptional halt returns: no gas left, no output (vm.py:vm_exception). */
export const FAILED: MessageResult = Object.freeze({ success: false, gasRemaining: 0n, output: EMPTY });
