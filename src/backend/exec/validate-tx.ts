import type { World } from "../../evm/world.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import { TOKEN_ID_MAX } from "../../config/token.ts";
import { intrinsicGas } from "./intrinsic-gas.ts";
import { reject, type TxRejection } from "./tx-rejection.ts";
import type { GasConversion } from "./gas-token.ts";

const UINT128_MAX = (1n << 128n) - 1n;

/** What validate_transaction reads besides the world: the block's state and the chain's rules. */
export interface TxValidationEnv {
  /** state.shard_config.default_chain_token. */
  readonly defaultChainToken: bigint;
  /** state.genesis_token. */
  readonly genesisToken: bigint;
  readonly timestamp: bigint;
  /** state.gas_used so far in the block, and the (adjusted) state.gas_limit. */
  readonly gasUsed: bigint;
  readonly gasLimit: bigint;
  /** ENABLE_EIP155_SIGNER_TIMESTAMP (null: always on). */
  readonly eip155SignerTimestamp: bigint | null;
  /** token_id_encode(CHAINS[chain].DEFAULT_CHAIN_TOKEN), or undefined for a chain that does not exist. */
  chainDefaultToken(chainId: number): bigint | undefined;
  /**
   * messages.py:pay_native_token_as_gas run under snapshot/revert (step 6), and the general native
   * token manager's genesis-token reserve.
   */
  tryPayAsGas(tokenId: bigint, startgas: bigint, gasPrice: bigint): GasConversion;
  gasReserve(): bigint;
}

/**
 * messages.py:validate_transaction, step by step and in its order. `sender` is null where
 * Transaction.sender raises (a bad signature). Returns the first rule broken, or undefined.
 */
export function validateTransaction(
  world: World,
  tx: EvmTransaction,
  sender: Uint8Array | null,
  isCrossShard: boolean,
  env: TxValidationEnv,
): TxRejection | undefined {
  // (1) the signature
  if (sender === null) return reject("UnsignedTransaction", "the signature does not recover a sender");
  if (tx.version === 2n) {
    const broken = eip155Rule(tx, env);
    if (broken) return broken;
  }
  // (1a) caps
  if (
    tx.startgas > UINT128_MAX ||
    tx.gasprice > UINT128_MAX ||
    tx.gas_token_id > TOKEN_ID_MAX ||
    tx.transfer_token_id > TOKEN_ID_MAX
  ) {
    return reject("InvalidTransaction", "startgas, gasprice, and token_id must <= UINT128_MAX");
  }
  // (2) nonce
  const nonce = world.getNonce(sender);
  if (nonce !== tx.nonce) return reject("InvalidNonce", `nonce ${tx.nonce}, the account's is ${nonce}`);
  // (3) intrinsic gas
  const intrinsic = intrinsicGas(tx, isCrossShard);
  if (tx.startgas < intrinsic) {
    return reject("InsufficientStartGas", `startgas ${tx.startgas} below the intrinsic ${intrinsic}`);
  }
  // (4) a non-default token must have a non-zero balance (the transfer token's, then the gas token's)
  const transfer = tx.transfer_token_id;
  const gas = tx.gas_token_id;
  const transferBalance = world.getBalance(sender, transfer);
  const gasBalance = gas === transfer ? transferBalance : world.getBalance(sender, gas);
  if (transfer !== env.defaultChainToken && transferBalance === 0n) {
    return reject("InvalidNativeToken", `non-default token ${transfer} has zero balance`);
  }
  if (gas !== env.defaultChainToken && gasBalance === 0n) {
    return reject("InvalidNativeToken", `non-default token ${gas} has zero balance`);
  }
  // (5) the up-front cost, per token (one token: value and gas together)
  const gasCost = tx.gasprice * tx.startgas;
  const transferNeed = gas === transfer ? tx.value + gasCost : tx.value;
  if (transferBalance < transferNeed) {
    return reject("InsufficientBalance", `token ${transfer} balance ${transferBalance} below ${transferNeed}`);
  }
  if (gas !== transfer && gasBalance < gasCost) {
    return reject("InsufficientBalance", `token ${gas} balance ${gasBalance} below ${gasCost}`);
  }
  // (6) a non-default gas token needs the general native token manager's conversion and reserve
  if (tx.gasprice !== 0n && tx.gas_token_id !== env.defaultChainToken) {
    const { convertedPrice } = env.tryPayAsGas(tx.gas_token_id, tx.startgas, tx.gasprice);
    if (convertedPrice === 0n) {
      return reject(
        "InvalidNativeToken",
        `non-default gas token ${tx.gas_token_id} not ready for being used to pay gas`,
      );
    }
    if (env.gasReserve() < convertedPrice * tx.startgas) {
      return reject("InvalidNativeToken", `non-default gas token ${tx.gas_token_id} not enough reserve balance`);
    }
  }
  // (7) the block's gas limit
  if (env.gasUsed + tx.startgas > env.gasLimit) {
    return reject("BlockGasLimitReached", `gas ${env.gasUsed + tx.startgas} above the limit ${env.gasLimit}`);
  }
  return undefined;
}

/**
 * The version-2 (EIP-155) checks. Its two trailing asserts (network id, eth chain id) assert a
 * tuple in Python and so never fail; they are not repeated here.
 */
function eip155Rule(tx: EvmTransaction, env: TxValidationEnv): TxRejection | undefined {
  const fromChain = tx.from_full_shard_key >>> 16;
  const defaultToken = env.chainDefaultToken(fromChain);
  // qkc_config.CHAINS[tx.from_chain_id] raises IndexError there; the transaction cannot apply either way.
  if (defaultToken === undefined) return reject("InvalidTransaction", `no chain ${fromChain}`);
  if (env.eip155SignerTimestamp !== null && env.timestamp < env.eip155SignerTimestamp) {
    return reject("InvalidTransaction", "EIP155 Signer is not enable yet.");
  }
  const v0 = 35n + tx.network_id * 2n;
  if (tx.v !== v0 && tx.v !== v0 + 1n) {
    return reject("InvalidTransaction", `network_id ${tx.network_id} does not match the signature v ${tx.v}.`);
  }
  if (fromChain !== tx.to_full_shard_key >>> 16) {
    return reject("InvalidTransaction", "EIP155 Signer do not support cross shard transaction.");
  }
  if ((tx.from_full_shard_key & 0xffff) !== 0 || (tx.to_full_shard_key & 0xffff) !== 0) {
    return reject("InvalidTransaction", "EIP155 Signer do not support cross shard transaction.");
  }
  if (tx.gas_token_id !== defaultToken)
    return reject("InvalidTransaction", "EIP155 Signer only support the default gas token.");
  if (tx.transfer_token_id !== defaultToken) {
    return reject("InvalidTransaction", "EIP155 Signer only support the default transfer token.");
  }
  return undefined;
}
