import { type QuarkChainConfig, loadQuarkChainConfig } from "../../src/config/cluster-config.ts";

/**
 * A network of one chain (NETWORK_ID 3) under a POW_SIMULATE root with a 10 s target: `chain`'s
 * fields over chain 0's defaults here (one shard, a 3 s target, no PoSW), `top` over the top level.
 */
export function oneChainNetwork(chain: object, top: object = {}): QuarkChainConfig {
  return loadQuarkChainConfig(
    JSON.stringify({
      CHAIN_SIZE: 1,
      NETWORK_ID: 3,
      ...top,
      ROOT: {
        CONSENSUS_TYPE: "POW_SIMULATE",
        CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 10 },
        GENESIS: {},
        POSW_CONFIG: {},
      },
      CHAINS: [{ CHAIN_ID: 0, SHARD_SIZE: 1, CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 3 }, POSW_CONFIG: {}, ...chain }],
    }),
  );
}
