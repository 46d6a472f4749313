import type { Test } from "tap";
import { TestMaster } from "../../harness/test-master.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import { silentLog } from "../helpers/test-log.ts";
import { startSlave } from "../helpers/test-slave.ts";
import { oneChainNetwork } from "../helpers/one-chain-network.ts";

/** The one shard of the networks below (chain 0, shard 0 of 1). */
export const SHARD = 1;

/** A one-shard network of this consensus, its genesis a minute ago (blocks follow the wall clock). */
export function miningNetwork(
  consensus: string,
  opts: { difficulty: number; remote: boolean; rootHeight?: number; posw?: object; alloc?: object },
): QuarkChainConfig {
  return oneChainNetwork({
    CONSENSUS_TYPE: consensus,
    CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 3, REMOTE_MINE: opts.remote },
    POSW_CONFIG: opts.posw ?? {},
    GENESIS: {
      ALLOC: opts.alloc ?? {},
      TIMESTAMP: Math.floor(Date.now() / 1000) - 60,
      DIFFICULTY: opts.difficulty,
      ROOT_HEIGHT: opts.rootHeight ?? 0,
    },
  });
}

/** A slave of SHARD with a ChainBackend over TCP, its shard made by the master's PING. */
export async function bootMiningSlave(t: Test, config: QuarkChainConfig) {
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  const slave = await startSlave({ id: "S0", shards: [SHARD], networkShards: [SHARD], backend });
  t.teardown(() => slave.stop());
  const master = await TestMaster.dial(slave.port);
  t.teardown(() => master.destroy());
  await master.ping(genesis.rootBlock());
  return { backend, master, genesis, shard: backend.chain(SHARD)! };
}

export const mineOn = (target = 1) => ({
  artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: target },
  mining: true,
});
export const mineOff = {
  artificial_tx_config: { target_root_block_time: 10, target_minor_block_time: 1 },
  mining: false,
};

/** Resolves once `check` holds (polled every 20 ms), or fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
