import { readFileSync } from "node:fs";
import { type ConfigJson } from "./json.ts";
import { type Section, asArray, asObject, asString, fail, field, readSection, show } from "./fields.ts";
import {
  type ChainConfig,
  type QuarkChainConfig,
  defaultQuarkChainConfig,
  parseJsonText,
  parseQuarkChainConfig,
} from "./quarkchain-config.ts";

export * from "./quarkchain-config.ts";
export type { AllocBalance, AllocEntry } from "./alloc.ts";
export { ClusterConfigError } from "./fields.ts";
export type { Fraction } from "./fraction.ts";
export { TOKEN_ID_MAX, tokenIdDecode, tokenIdEncode } from "./token.ts";

/**
 * pyquarkchain's cluster_config.json (quarkchain/cluster/cluster_config.py, ClusterConfig):
 * the parts a slave needs, with the class defaults for absent keys.
 */

const { int, optInt, bool, str, optStr } = field;

const slaveSpec = {
  ID: str(""),
  /** The address other nodes dial; null when absent (pyquarkchain would use its own host's IP). */
  HOST: optStr(),
  PORT: int(38392, 0xffff),
  WEBSOCKET_JSON_RPC_PORT: optInt(null, 0xffff),
};
export type SlaveConfig = Section<typeof slaveSpec> & { FULL_SHARD_ID_LIST: number[] };

const clusterSpec = {
  P2P_PORT: int(38291, 0xffff),
  JSON_RPC_PORT: int(38391, 0xffff),
  PRIVATE_JSON_RPC_PORT: int(38491, 0xffff),
  JSON_RPC_HOST: str("localhost"),
  PRIVATE_JSON_RPC_HOST: str("localhost"),
  ENABLE_PUBLIC_JSON_RPC: bool(true),
  ENABLE_PRIVATE_JSON_RPC: bool(true),
  ENABLE_TRANSACTION_HISTORY: bool(false),
  DB_PATH_ROOT: str("./db"),
  LOG_LEVEL: str("info"),
  START_SIMULATED_MINING: bool(false),
  CLEAN: bool(false),
  /** update_genesis_alloc's folder (alloc/<chain>.json, loadtest.json); applied by config/genesis-dir.ts. */
  GENESIS_DIR: optStr(),
};
export type ClusterConfig = Section<typeof clusterSpec> & {
  QUARKCHAIN: QuarkChainConfig;
  SLAVE_LIST: SlaveConfig[];
};

/** Python's int(text, 16) for a FULL_SHARD_ID_LIST entry: "0x00010001", "10001", "0X1_0001". */
function hexShardId(j: ConfigJson, path: string): number {
  const text = asString(j, path).trim();
  if (!/^\+?(0[xX]_?)?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(text)) fail(path, `expected a hex string, got ${show(j)}`);
  const v = BigInt("0x" + text.replace(/^\+?(0[xX])?/, "").replaceAll("_", ""));
  if (v > 0xffffffffn) fail(path, `${text} does not fit in 32 bits`);
  return Number(v);
}

/**
 * The legacy CHAIN_MASK_LIST (only when every chain has one shard). As in pyquarkchain the
 * list is rebuilt for each mask, so only the last mask counts.
 */
function chainMaskShardIds(masks: ConfigJson[], chains: ChainConfig[], path: string): number[] {
  if (!chains.every((c) => c.SHARD_SIZE === 1)) fail(path, "needs SHARD_SIZE 1 on every chain; use FULL_SHARD_ID_LIST");
  let ids: number[] = [];
  masks.forEach((m, i) => {
    if (typeof m !== "bigint" || m <= 0n) fail(`${path}[${i}]`, `expected a positive integer, got ${show(m)}`);
    const bitMask = (1n << BigInt(m.toString(2).length - 1)) - 1n;
    ids = chains
      .map((_, chainId) => chainId)
      .filter((chainId) => (BigInt(chainId) & bitMask) === (m & bitMask))
      .map((chainId) => ((chainId << 16) | 1) >>> 0);
  });
  return ids;
}

function readSlave(j: ConfigJson, path: string, chains: ChainConfig[]): SlaveConfig {
  const obj = asObject(j, path);
  const ids = obj["FULL_SHARD_ID_LIST"];
  const masks = obj["CHAIN_MASK_LIST"];
  // Python tests truthiness: an empty list counts as absent.
  const hasIds = ids !== undefined && ids !== null && !(Array.isArray(ids) && ids.length === 0);
  const hasMasks = masks !== undefined && masks !== null && !(Array.isArray(masks) && masks.length === 0);
  if (hasIds && hasMasks) fail(path, "can only have either FULL_SHARD_ID_LIST or CHAIN_MASK_LIST");
  if (!hasIds && !hasMasks) fail(`${path}.FULL_SHARD_ID_LIST`, "missing (or CHAIN_MASK_LIST as legacy config)");
  const FULL_SHARD_ID_LIST = hasIds
    ? asArray(ids, `${path}.FULL_SHARD_ID_LIST`).map((h, i) => hexShardId(h, `${path}.FULL_SHARD_ID_LIST[${i}]`))
    : chainMaskShardIds(asArray(masks, `${path}.CHAIN_MASK_LIST`), chains, `${path}.CHAIN_MASK_LIST`);
  return { ...readSection(slaveSpec, obj, path), FULL_SHARD_ID_LIST };
}

/** Reads a whole cluster config (parsed with parseConfigJson). QUARKCHAIN and SLAVE_LIST are required. */
export function parseClusterConfig(json: ConfigJson): ClusterConfig {
  const obj = asObject(json, "cluster config");
  const QUARKCHAIN = parseQuarkChainConfig(obj["QUARKCHAIN"] ?? fail("QUARKCHAIN", "missing (required)"));
  const SLAVE_LIST = asArray(obj["SLAVE_LIST"], "SLAVE_LIST").map((s, i) =>
    readSlave(s, `SLAVE_LIST[${i}]`, QUARKCHAIN.CHAINS),
  );
  return { ...readSection(clusterSpec, obj, "cluster config"), QUARKCHAIN, SLAVE_LIST };
}

/** Loads cluster_config.json text, keeping big integers exact. Throws ClusterConfigError naming the bad field. */
export function loadClusterConfig(text: string): ClusterConfig {
  return parseClusterConfig(parseJsonText(text, "cluster config"));
}

export function loadClusterConfigFile(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return fail(file, `cannot read: ${(err as Error).message}`);
  }
  return loadClusterConfig(text);
}

/** pyquarkchain's default ClusterConfig(): the default QUARKCHAIN and one slave "S0" on port 38000 serving [1]. */
export function defaultClusterConfig(): ClusterConfig {
  return {
    ...readSection(clusterSpec, {}, "cluster config"),
    QUARKCHAIN: defaultQuarkChainConfig(),
    SLAVE_LIST: [{ ...readSection(slaveSpec, {}, "SLAVE_LIST[0]"), ID: "S0", PORT: 38000, FULL_SHARD_ID_LIST: [1] }],
  };
}

/** The slave entry with this ID (pyquarkchain's get_slave_config). */
export function slaveConfig(config: ClusterConfig, id: string): SlaveConfig {
  const slave = config.SLAVE_LIST.find((s) => s.ID === id);
  if (!slave) return fail("SLAVE_LIST", `no slave with ID ${JSON.stringify(id)}`);
  return slave;
}
