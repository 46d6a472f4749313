/**
 * The contract between the interpreter and the Ethereum precompiles 0x1–0x8 (src/evm/precompiles/, pure
 * functions over the call's input and gas). The interpreter decides activation (strict `>` on the block
 * timestamp, messages.py:_apply_msg), moves the value and reverts on failure; a precompile only computes.
 */

/** `undefined`: the call fails and all the gas given to it is consumed (specials.py: `return 0, 0, []`). */
export type PrecompileResult = { gasUsed: number; output: Uint8Array } | undefined;

export type Precompile = (input: Uint8Array, gas: number) => PrecompileResult;
