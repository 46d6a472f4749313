import type { Address } from "../messages/core.ts";
import { type AllocEntry, parseAlloc } from "./alloc.ts";
import {
  type Field,
  type JsonObject,
  type Section,
  asArray,
  asObject,
  asString,
  fail,
  field,
  fromHex,
  readSection,
  show,
} from "./fields.ts";
import { type Fraction, pythonFraction } from "./fraction.ts";
import { type ConfigJson, JsonFloat, parseConfigJson } from "./json.ts";
import { tokenIdEncode } from "./token.ts";

/**
 * The QUARKCHAIN section of a cluster config (pyquarkchain quarkchain/config.py), with the
 * class defaults for absent keys. Field names are pyquarkchain's, so they match the JSON.
 */

const QUARKSH_TO_JIAOZI = 10n ** 18n;
const ZERO32 = "00".repeat(32);
const ZERO24 = "00".repeat(24);
const { int, big, optBig, num, bool, str, optStr, hex } = field;

export const CONSENSUS_TYPES = ["NONE", "POW_ETHASH", "POW_DOUBLESHA256", "POW_SIMULATE", "POW_QKCHASH"] as const;
export type ConsensusType = (typeof CONSENSUS_TYPES)[number];

/** Python's Fraction(x).limit_denominator(), which pyquarkchain then asserts has a denominator <= 100. */
const rate =
  (dflt: number): Field<Fraction> =>
  (j, p) => {
    if (j !== undefined && typeof j !== "bigint" && !(j instanceof JsonFloat))
      fail(p, `expected a number, got ${show(j)}`);
    const f = pythonFraction(j === undefined ? dflt : typeof j === "bigint" ? j : j.value);
    if (f.denominator > 100n) fail(p, `${show(j)} is not a percentage (${f.numerator}/${f.denominator})`);
    return f;
  };

/** Recipients as pyquarkchain's tx_whitelist_senders reads them (bytes.fromhex each), as lowercase hex. */
const senders: Field<ReadonlySet<string>> = (j, p) =>
  new Set(
    j === undefined
      ? []
      : asArray(j, p).map((x, i) => Buffer.from(fromHex(asString(x, `${p}[${i}]`), `${p}[${i}]`)).toString("hex")),
  );

const powSpec = { TARGET_BLOCK_TIME: num(10), REMOTE_MINE: bool(false) };
const poswSpec = {
  ENABLED: bool(false),
  ENABLE_TIMESTAMP: big(0n),
  DIFF_DIVIDER: big(20n),
  WINDOW_SIZE: int(256),
  TOTAL_STAKE_PER_BLOCK: big(10n ** 9n * QUARKSH_TO_JIAOZI),
  BOOST_TIMESTAMP: big(0n),
  BOOST_MULTIPLIER_PER_STEP: big(2n),
  BOOST_STEPS: big(10n),
  BOOST_STEP_INTERVAL: big(43200n),
};
const rootGenesisSpec = {
  VERSION: int(0),
  HEIGHT: int(0),
  HASH_PREV_BLOCK: hex(ZERO32, 32),
  HASH_MERKLE_ROOT: hex(ZERO32, 32),
  TIMESTAMP: big(1519147489n, 64),
  DIFFICULTY: big(1000000n, 2040), // biguint: at most 255 bytes
  NONCE: big(0n, 64),
};
const DICKENS = Buffer.from("It was the best of times, it was the worst of times, ... - Charles Dickens").toString(
  "hex",
);
const shardGenesisSpec = {
  /** The root block height at which the shard is created; its genesis points at that root block. */
  ROOT_HEIGHT: int(0),
  VERSION: int(0),
  HEIGHT: big(0n, 64),
  HASH_PREV_MINOR_BLOCK: hex(ZERO32, 32),
  HASH_MERKLE_ROOT: hex(ZERO32, 32),
  EXTRA_DATA: ((j, p) => {
    const b = hex(DICKENS)(j, p);
    return b.length > 0xffff ? fail(p, "longer than 65535 bytes") : b;
  }) as Field<Uint8Array>,
  TIMESTAMP: big(1519147489n, 64),
  DIFFICULTY: big(10000n, 2040),
  GAS_LIMIT: big(30000n * 400n, 256),
  /** Not used by the genesis block (its nonce is 0). */
  NONCE: big(0n, 64),
};
const chainSpec = {
  CHAIN_ID: int(0, 0xffff),
  SHARD_SIZE: int(2, 0x8000),
  DEFAULT_CHAIN_TOKEN: str("QKC"),
  COINBASE_ADDRESS: hex(ZERO24, 24),
  COINBASE_AMOUNT: big(5n * QUARKSH_TO_JIAOZI),
  EPOCH_INTERVAL: big(210000n * 60n),
  DIFFICULTY_ADJUSTMENT_CUTOFF_TIME: int(7),
  DIFFICULTY_ADJUSTMENT_FACTOR: int(512),
  EXTRA_SHARD_BLOCKS_IN_ROOT_BLOCK: int(3),
  MAX_MINOR_BLOCKS_IN_MEMORY: int(256 * 6),
};
const rootSpec = {
  MAX_STALE_ROOT_BLOCK_HEIGHT_DIFF: int(22500),
  MAX_ROOT_BLOCKS_IN_MEMORY: int(256),
  COINBASE_ADDRESS: hex(ZERO24, 24),
  COINBASE_AMOUNT: big(120n * QUARKSH_TO_JIAOZI),
  EPOCH_INTERVAL: big(210000n * 10n),
  DIFFICULTY_ADJUSTMENT_CUTOFF_TIME: int(40),
  DIFFICULTY_ADJUSTMENT_FACTOR: int(1024),
};
const qkcSpec = {
  CHAIN_SIZE: int(3, 0x10000),
  BASE_ETH_CHAIN_ID: int(100000),
  MAX_NEIGHBORS: int(32),
  NETWORK_ID: int(3), // NetworkId.TESTNET_PORSCHE
  TRANSACTION_QUEUE_SIZE_LIMIT_PER_SHARD: int(10000),
  BLOCK_EXTRA_DATA_SIZE_LIMIT: int(1024),
  GUARDIAN_PUBLIC_KEY: str(
    "ab856abd0983a82972021e454fcf66ed5940ed595b0898bcd75cbe2d0a51a00f5358b566df22395a2a8bf6c022c1d51a2c3defe654e91a8d244947783029694d",
  ),
  ROOT_SIGNER_PRIVATE_KEY: optStr(),
  P2P_PROTOCOL_VERSION: int(0),
  P2P_COMMAND_SIZE_LIMIT: int(128 * 1024 * 1024),
  SKIP_ROOT_DIFFICULTY_CHECK: bool(false),
  SKIP_ROOT_COINBASE_CHECK: bool(false),
  SKIP_MINOR_DIFFICULTY_CHECK: bool(false),
  GENESIS_TOKEN: str("QKC"),
  /** Share of block rewards that goes to root block mining. */
  REWARD_TAX_RATE: rate(0.5),
  BLOCK_REWARD_DECAY_FACTOR: rate(0.5),
  ENABLE_TX_TIMESTAMP: optBig(),
  /** Who may send before ENABLE_TX_TIMESTAMP. */
  TX_WHITELIST_SENDERS: senders,
  ENABLE_EVM_TIMESTAMP: optBig(),
  ENABLE_QKCHASHX_HEIGHT: optBig(),
  ENABLE_EIP155_SIGNER_TIMESTAMP: optBig(),
  ENABLE_NON_RESERVED_NATIVE_TOKEN_TIMESTAMP: optBig(),
  ENABLE_GENERAL_NATIVE_TOKEN_TIMESTAMP: optBig(),
  ENABLE_POSW_STAKING_DECAY_TIMESTAMP: optBig(),
  MIN_TX_POOL_GAS_PRICE: big(10n ** 9n),
  MIN_MINING_GAS_PRICE: big(10n ** 9n),
  XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT: int(90000),
  DISABLE_POW_CHECK: bool(false),
  ROOT_CHAIN_POSW_CONTRACT_BYTECODE_HASH: hex(ZERO32, 32),
};

export type PowConfig = Section<typeof powSpec>;
export type PoswConfig = Section<typeof poswSpec>;
export type RootGenesis = Section<typeof rootGenesisSpec>;
export type ShardGenesis = Section<typeof shardGenesisSpec> & { ALLOC: AllocEntry[] };

interface Consensus {
  CONSENSUS_TYPE: ConsensusType;
  /** null for CONSENSUS_TYPE NONE (pyquarkchain leaves it unparsed). */
  CONSENSUS_CONFIG: PowConfig | null;
  POSW_CONFIG: PoswConfig;
}
export type RootConfig = Section<typeof rootSpec> & Consensus & { GENESIS: RootGenesis };
export type ChainConfig = Section<typeof chainSpec> &
  Consensus & {
    /** Always BASE_ETH_CHAIN_ID + CHAIN_ID + 1 (pyquarkchain overrides the JSON value). */
    ETH_CHAIN_ID: number;
    /** The whole chain's ALLOC; each shard keeps its part in ShardConfig.GENESIS.ALLOC. */
    GENESIS: ShardGenesis;
  };

/** One shard: its chain's config with the ALLOC entries whose full_shard_key lands in it. */
export interface ShardConfig {
  fullShardId: number;
  chainId: number;
  shardId: number;
  shardSize: number;
  chain: ChainConfig;
  GENESIS: ShardGenesis;
  /** The chain's COINBASE_ADDRESS moved into this shard. */
  COINBASE_ADDRESS: Address;
}

/** One account of GENESIS_DIR/loadtest.json (config/genesis-dir.ts): funded on every shard, GEN_TX's senders. */
export interface LoadtestAccount {
  /** As written (recipient and a full_shard_key); GEN_TX uses the recipient. */
  address: Address;
  /** The 32-byte private key GEN_TX signs with. */
  key: Uint8Array;
}

export type QuarkChainConfig = Section<typeof qkcSpec> & {
  ROOT: RootConfig;
  CHAINS: ChainConfig[];
  /** By full shard id, in config order (chains in order, then shard ids ascending). */
  shards: ReadonlyMap<number, ShardConfig>;
  /** token_id_encode(GENESIS_TOKEN). */
  genesisToken: bigint;
  /** qkc_config.loadtest_accounts: GENESIS_DIR/loadtest.json's accounts (none without GENESIS_DIR). */
  loadtestAccounts?: readonly LoadtestAccount[];
};

/**
 * Each of ROOT and CHAINS[i] needs CONSENSUS_TYPE, and for a PoW type CONSENSUS_CONFIG and
 * GENESIS; POSW_CONFIG always: pyquarkchain has no usable default for them when reading JSON.
 */
function readConsensus(j: JsonObject, path: string): Consensus {
  const type = j["CONSENSUS_TYPE"];
  if (typeof type !== "string" || !(CONSENSUS_TYPES as readonly string[]).includes(type)) {
    fail(`${path}.CONSENSUS_TYPE`, `expected one of ${CONSENSUS_TYPES.join(", ")}, got ${show(type)}`);
  }
  const consensusType = type as ConsensusType;
  const pow = consensusType !== "NONE";
  const p = `${path}.CONSENSUS_CONFIG`;
  return {
    CONSENSUS_TYPE: consensusType,
    CONSENSUS_CONFIG: pow ? readSection(powSpec, asObject(j["CONSENSUS_CONFIG"], p), p) : null,
    POSW_CONFIG: readSection(poswSpec, asObject(j["POSW_CONFIG"], `${path}.POSW_CONFIG`), `${path}.POSW_CONFIG`),
  };
}

/** GENESIS: an object for PoW (a chain's must be non-empty, pyquarkchain fails on {}); absent for NONE. */
function genesisJson(j: JsonObject, c: Consensus, path: string, isChain: boolean): JsonObject {
  const g = j["GENESIS"];
  if (c.CONSENSUS_TYPE === "NONE") {
    if (g !== undefined) fail(path, "must be absent when CONSENSUS_TYPE is NONE (pyquarkchain cannot use it)");
    return {};
  }
  const obj = asObject(g, path);
  if (isChain && Object.keys(obj).length === 0) fail(path, "must be a non-empty object (pyquarkchain fails on {})");
  return obj;
}

function readChain(j: ConfigJson, path: string, baseEthChainId: number): ChainConfig {
  const obj = asObject(j, path);
  const consensus = readConsensus(obj, path);
  const genesis = genesisJson(obj, consensus, `${path}.GENESIS`, true);
  const chain = readSection(chainSpec, obj, path);
  if (chain.SHARD_SIZE === 0 || chain.SHARD_SIZE & (chain.SHARD_SIZE - 1)) {
    fail(`${path}.SHARD_SIZE`, `must be a power of two, got ${chain.SHARD_SIZE}`);
  }
  return {
    ...chain,
    ...consensus,
    ETH_CHAIN_ID: baseEthChainId + chain.CHAIN_ID + 1,
    GENESIS: {
      ...readSection(shardGenesisSpec, genesis, `${path}.GENESIS`),
      ALLOC: parseAlloc(genesis["ALLOC"], `${path}.GENESIS.ALLOC`),
    },
  };
}

function shardsOf(chain: ChainConfig): ShardConfig[] {
  const size = chain.SHARD_SIZE;
  return Array.from({ length: size }, (_, shardId) => {
    const fullShardId = ((chain.CHAIN_ID << 16) | size | shardId) >>> 0;
    return {
      fullShardId,
      chainId: chain.CHAIN_ID,
      shardId,
      shardSize: size,
      chain,
      // A chain's ALLOC entry belongs to the shard its full_shard_key's low bits name.
      GENESIS: {
        ...chain.GENESIS,
        ALLOC: chain.GENESIS.ALLOC.filter((e) => (e.address.full_shard_key & (size - 1)) === shardId),
      },
      COINBASE_ADDRESS: { recipient: chain.COINBASE_ADDRESS.slice(0, 20), full_shard_key: fullShardId },
    };
  });
}

/** Reads and validates a QUARKCHAIN section (already parsed with parseConfigJson). */
export function parseQuarkChainConfig(json: ConfigJson, path = "QUARKCHAIN"): QuarkChainConfig {
  const obj = asObject(json, path);
  const top = readSection(qkcSpec, obj, path);
  const rootPath = `${path}.ROOT`;
  const rootJson = asObject(obj["ROOT"], rootPath);
  const rootConsensus = readConsensus(rootJson, rootPath);
  const rootGenesis = genesisJson(rootJson, rootConsensus, `${rootPath}.GENESIS`, false);
  const ROOT: RootConfig = {
    ...readSection(rootSpec, rootJson, rootPath),
    ...rootConsensus,
    GENESIS: readSection(rootGenesisSpec, rootGenesis, `${rootPath}.GENESIS`),
  };
  const CHAINS = asArray(obj["CHAINS"], `${path}.CHAINS`).map((c, i) =>
    readChain(c, `${path}.CHAINS[${i}]`, top.BASE_ETH_CHAIN_ID),
  );
  // pyquarkchain's init_and_validate: chain ids are exactly 0 .. CHAIN_SIZE-1.
  if (CHAINS.length !== top.CHAIN_SIZE) {
    fail(`${path}.CHAIN_SIZE`, `is ${top.CHAIN_SIZE} but CHAINS lists ${CHAINS.length} chains`);
  }
  const ids = CHAINS.map((c) => c.CHAIN_ID);
  if (new Set(ids).size !== ids.length || ids.some((id) => id >= top.CHAIN_SIZE)) {
    fail(`${path}.CHAINS`, `CHAIN_ID values must be 0..${top.CHAIN_SIZE - 1}, each once; got ${ids.join(", ")}`);
  }
  let genesisToken: bigint;
  try {
    genesisToken = tokenIdEncode(top.GENESIS_TOKEN);
  } catch (err) {
    return fail(`${path}.GENESIS_TOKEN`, (err as Error).message);
  }
  const shards = new Map(CHAINS.flatMap(shardsOf).map((s) => [s.fullShardId, s]));
  return { ...top, ROOT, CHAINS, shards, genesisToken };
}

/** Loads a QUARKCHAIN section from JSON text, keeping big integers exact. */
export function loadQuarkChainConfig(text: string): QuarkChainConfig {
  return parseQuarkChainConfig(parseJsonText(text, "QUARKCHAIN"), "QUARKCHAIN");
}

export function parseJsonText(text: string, what: string): ConfigJson {
  try {
    return parseConfigJson(text);
  } catch (err) {
    return fail(what, `invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * A QUARKCHAIN section as pyquarkchain's QuarkChainConfig.update builds it (what a cluster
 * started from command-line flags uses): POW_SIMULATE everywhere, root block time 10 s,
 * minor block time 3 s, default genesis, no ALLOC.
 */
export function configForShards(chainSize: number, shardSize: number): QuarkChainConfig {
  const consensus = (blockTime: number) => ({
    CONSENSUS_TYPE: "POW_SIMULATE",
    CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: BigInt(blockTime) },
    POSW_CONFIG: {},
  });
  return parseQuarkChainConfig({
    CHAIN_SIZE: BigInt(chainSize),
    ROOT: {
      ...consensus(10),
      GENESIS: {},
      // RootConfig.__init__'s PoSW values (a config read from JSON starts from the class defaults instead).
      POSW_CONFIG: {
        WINDOW_SIZE: 4320n,
        DIFF_DIVIDER: 1000n,
        TOTAL_STAKE_PER_BLOCK: 240000n * QUARKSH_TO_JIAOZI,
        BOOST_STEP_INTERVAL: 172800n,
      },
    },
    CHAINS: Array.from({ length: chainSize }, (_, i) => ({
      ...consensus(3),
      CHAIN_ID: BigInt(i),
      SHARD_SIZE: BigInt(shardSize),
      GENESIS: { ALLOC: {} },
    })),
  });
}

/** pyquarkchain's default QuarkChainConfig(): 3 chains of 2 shards (full ids 2, 3, 65538, 65539, 131074, 131075). */
export function defaultQuarkChainConfig(): QuarkChainConfig {
  return configForShards(3, 2);
}

// ---- Full shard ids (PROTOCOL.md §8.1) ----

export const chainIdOf = (fullShardId: number): number => fullShardId >>> 16;
/** The highest set bit of the low 16 bits. */
export const shardSizeOf = (fullShardId: number): number => 1 << (31 - Math.clz32(fullShardId & 0xffff));
export const shardIdOf = (fullShardId: number): number => (fullShardId & 0xffff) ^ shardSizeOf(fullShardId);

/** All full shard ids of the network, in config order. */
export function fullShardIds(config: QuarkChainConfig): number[] {
  return [...config.shards.keys()];
}

/** GENESIS.ROOT_HEIGHT of a shard, or undefined when the network has no such shard. */
export function genesisRootHeight(config: QuarkChainConfig, fullShardId: number): number | undefined {
  return config.shards.get(fullShardId)?.GENESIS.ROOT_HEIGHT;
}

/** get_full_shard_id_by_full_shard_key: the shard of the key's chain its low bits select. */
export function fullShardIdByFullShardKey(config: QuarkChainConfig, fullShardKey: number): number {
  const chainId = fullShardKey >>> 16;
  const chain = config.CHAINS.find((c) => c.CHAIN_ID === chainId);
  if (!chain) throw new RangeError(`full shard key 0x${fullShardKey.toString(16)}: no chain ${chainId}`);
  return ((chainId << 16) | chain.SHARD_SIZE | (fullShardKey & (chain.SHARD_SIZE - 1))) >>> 0;
}

/** Shards whose GENESIS.ROOT_HEIGHT is below rootHeight, sorted (the xshard neighbour count). */
export function initializedFullShardIdsBeforeRootHeight(config: QuarkChainConfig, rootHeight: number): number[] {
  return [...config.shards.values()]
    .filter((s) => s.GENESIS.ROOT_HEIGHT < rootHeight)
    .map((s) => s.fullShardId)
    .sort((a, b) => a - b);
}
