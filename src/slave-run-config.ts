import { NetworkGenesis } from "./backend/genesis.ts";
import type { SlaveIdentity } from "./cluster/xshard/xshard-conn.ts";
import { loadClusterConfigFile, slaveConfig } from "./config/cluster-config.ts";
import { type GenesisDirNote, applyGenesisDir } from "./config/genesis-dir.ts";
import { type QuarkChainConfig, configForShards, fullShardIds } from "./config/quarkchain-config.ts";
import { ConfigError, type SlaveCliOptions, parseShardList } from "./config/slave-options.ts";

/**
 * Everything a slave process needs to know about itself and its network. Built from the
 * parsed config into backend/ and cluster/ objects (the genesis, the mesh identity): that
 * is assembly, done here beside slave-main.ts; config/ only parses and validates.
 */
export interface SlaveRunConfig {
  self: SlaveIdentity;
  networkShards: ReadonlySet<number>;
  host: string;
  port: number;
  quarkchain: QuarkChainConfig;
  genesis: NetworkGenesis;
  /** The cluster config's ENABLE_TRANSACTION_HISTORY (false standalone). */
  transactionHistory: boolean;
  /** What reading GENESIS_DIR found (update_genesis_alloc's log lines), for the caller to log. */
  genesisNotes: GenesisDirNote[];
}

/**
 * From pyquarkchain's cluster_config.json and --node_id (listening on all addresses, as
 * slave.py does), or standalone from --id/--port/--shards on a --chain-size x
 * --shard-size network (loopback unless --host says otherwise).
 */
export function resolveSlaveConfig(opts: SlaveCliOptions): SlaveRunConfig {
  let quarkchain: QuarkChainConfig;
  let self: SlaveIdentity;
  let port: number;
  let transactionHistory = false;
  let genesisNotes: GenesisDirNote[] = [];
  if (opts.cluster_config !== undefined) {
    if (opts.node_id === undefined) throw new ConfigError("--cluster_config needs --node_id");
    const cluster = loadClusterConfigFile(opts.cluster_config);
    const entry = slaveConfig(cluster, opts.node_id);
    quarkchain = cluster.QUARKCHAIN;
    // create_from_args runs update_genesis_alloc on every process's config (Python truthiness: "" is off).
    if (cluster.GENESIS_DIR)
      ({ config: quarkchain, notes: genesisNotes } = applyGenesisDir(quarkchain, cluster.GENESIS_DIR));
    self = { id: entry.ID, fullShardIds: entry.FULL_SHARD_ID_LIST };
    port = entry.PORT;
    transactionHistory = cluster.ENABLE_TRANSACTION_HISTORY;
  } else {
    if (opts.node_id !== undefined) throw new ConfigError("--node_id needs --cluster_config (standalone: --id)");
    quarkchain = configForShards(opts.chainSize, opts.shardSize);
    self = { id: opts.id, fullShardIds: parseShardList(opts.shards) };
    port = opts.port;
  }
  const networkShards = new Set(fullShardIds(quarkchain));
  const foreign = self.fullShardIds.filter((s) => !networkShards.has(s));
  // pyquarkchain ignores such ids in a cluster config (they are still answered in PONG); a typo on
  // the command line is refused.
  if (foreign.length && opts.cluster_config === undefined) {
    throw new ConfigError(
      `full shard ids ${foreign.map((s) => `0x${s.toString(16)}`).join(", ")} are not in the network ` +
        `(${[...networkShards].map((s) => `0x${s.toString(16)}`).join(", ")})`,
    );
  }
  if (self.id.length === 0) throw new ConfigError("the slave id is empty");
  const host = opts.host ?? (opts.cluster_config !== undefined ? "0.0.0.0" : "127.0.0.1");
  return {
    self,
    networkShards,
    host,
    port,
    quarkchain,
    genesis: new NetworkGenesis(quarkchain),
    transactionHistory,
    genesisNotes,
  };
}
