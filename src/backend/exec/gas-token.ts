import { TxEffects } from "../../evm/effects.ts";
import { applyMessage } from "../../evm/apply.ts";
import { Execution } from "../../evm/execution.ts";
import { makeMessage } from "../../evm/message.ts";
import { SYSTEM_CONTRACTS } from "../../evm/system-contracts.ts";
import type { ExecState } from "./exec-state.ts";

/** What the general native token manager answers: (refund_rate %, converted genesis-token gas price). */
export interface GasConversion {
  readonly refundRate: bigint;
  readonly convertedPrice: bigint;
}

const NO_CONVERSION: GasConversion = { refundRate: 0n, convertedPrice: 0n };
const GENERAL_NATIVE_TOKEN = SYSTEM_CONTRACTS[2].address;

const word = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
const int = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt("0x" + Buffer.from(b).toString("hex")));

/** The general native token manager's reserve: its genesis-token balance. */
export function gasReserve(state: ExecState): bigint {
  return state.world.getBalance(GENERAL_NATIVE_TOKEN, state.rules.genesisToken);
}

/**
 * messages.py:_call_general_native_token_manager: the contract calls itself with 1,000,000 gas at
 * price 0 (no code there: (0, 0); a failed call: (0, 0)). Its logs, refunds and suicides land in
 * `effects`, the transaction's own (State keeps one list for the whole transaction).
 */
function callManager(state: ExecState, data: Uint8Array, effects: TxEffects): GasConversion {
  if (state.world.getCode(GENERAL_NATIVE_TOKEN).length === 0) return NO_CONVERSION;
  const msg = makeMessage({
    sender: GENERAL_NATIVE_TOKEN,
    to: GENERAL_NATIVE_TOKEN,
    gas: 1_000_000n,
    data,
    transferTokenId: 0n,
    gasTokenId: 0n,
  });
  const tx = { origin: GENERAL_NATIVE_TOKEN, gasPrice: 0n, chainId: state.world.fullShardKey >>> 16 };
  const result = applyMessage(new Execution(state.world, state.block, tx, effects), msg);
  if (!result.success) return NO_CONVERSION;
  return { refundRate: int(result.output.subarray(0, 32)), convertedPrice: int(result.output.subarray(32, 64)) };
}

/** messages.py:pay_native_token_as_gas: `payAsGas(token, gas, price)` (0x5ae8f7f1), for real. */
export function payNativeTokenAsGas(
  state: ExecState,
  tokenId: bigint,
  gas: bigint,
  gasPrice: bigint,
  effects: TxEffects,
): GasConversion {
  const data = Buffer.concat([Buffer.from("5ae8f7f1", "hex"), word(tokenId), word(gas), word(gasPrice)]);
  return callManager(state, data, effects);
}

/** The same under snapshot/revert (validate_transaction step 6): nothing it does remains. */
export function tryPayNativeTokenAsGas(
  state: ExecState,
  tokenId: bigint,
  gas: bigint,
  gasPrice: bigint,
): GasConversion {
  const snap = state.world.snapshot();
  const out = payNativeTokenAsGas(state, tokenId, gas, gasPrice, new TxEffects());
  state.world.revert(snap);
  return out;
}

/** messages.py:get_gas_utility_info: `calculateGasPrice(token, price)` (0xce9e8c47). */
export function gasUtilityInfo(state: ExecState, tokenId: bigint, gasPrice: bigint, effects: TxEffects): GasConversion {
  const data = Buffer.concat([Buffer.from("ce9e8c47", "hex"), word(tokenId), word(gasPrice)]);
  return callManager(state, data, effects);
}

/**
 * messages.py:convert_to_default_chain_token_gasprice (the pool and the miner): the price as is in
 * the default token, else the manager's conversion, run under snapshot/revert.
 */
export function convertToDefaultChainTokenGasPrice(state: ExecState, tokenId: bigint, gasPrice: bigint): bigint {
  if (tokenId === state.block.defaultChainToken) return gasPrice;
  const snap = state.world.snapshot();
  const { convertedPrice } = gasUtilityInfo(state, tokenId, gasPrice, new TxEffects());
  state.world.revert(snap);
  return convertedPrice;
}
