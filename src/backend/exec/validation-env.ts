import type { ExecState } from "./exec-state.ts";
import { type GasConversion, gasReserve, tryPayNativeTokenAsGas } from "./gas-token.ts";
import type { TxValidationEnv } from "./validate-tx.ts";

/**
 * validate_transaction's view of an ExecState, live: `gasUsed` is read when the rule asks, so one
 * object serves every transaction of the state's block (a fresh object with three closures per
 * transaction was measurable, each closure named at run time by the loader).
 */
class StateValidationEnv implements TxValidationEnv {
  constructor(private readonly state: ExecState) {}

  get defaultChainToken(): bigint {
    return this.state.block.defaultChainToken;
  }

  get genesisToken(): bigint {
    return this.state.rules.genesisToken;
  }

  get timestamp(): bigint {
    return this.state.block.timestamp;
  }

  get eip155SignerTimestamp(): bigint | null {
    return this.state.rules.eip155SignerTimestamp;
  }

  get gasUsed(): bigint {
    return this.state.gasUsed;
  }

  get gasLimit(): bigint {
    return this.state.gasLimit;
  }

  chainDefaultToken(chainId: number): bigint | undefined {
    return this.state.rules.chainDefaultToken(chainId);
  }

  tryPayAsGas(tokenId: bigint, startgas: bigint, gasPrice: bigint): GasConversion {
    return tryPayNativeTokenAsGas(this.state, tokenId, startgas, gasPrice);
  }

  gasReserve(): bigint {
    return gasReserve(this.state);
  }
}

const envs = new WeakMap<ExecState, StateValidationEnv>();

/** validate_transaction's view of `state` as it stands whenever it is read (gas used so far, the gas limit, the gas-token manager). */
export function stateValidationEnv(state: ExecState): TxValidationEnv {
  let env = envs.get(state);
  if (env === undefined) {
    env = new StateValidationEnv(state);
    envs.set(state, env);
  }
  return env;
}
