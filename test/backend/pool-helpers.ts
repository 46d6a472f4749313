import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MasterHandlers, PeerHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import type { ChainDb } from "../../src/backend/chain/chain-store.ts";
import { MinorBlock, type RootBlock, TransactionReceipt, TypedTransaction } from "../../src/messages/core.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { bytes, hex } from "./chain-helpers.ts";

interface PoolCase {
  name: string;
  tx: string;
  hash: string;
  accepted: boolean;
}

/** What pyquarkchain answered at one step of the reorg story (gen-pool.py's step()). */
export interface ReorgStep {
  name: string;
  tip_hash: string;
  queue: string[];
  lookups: Record<
    string,
    {
      block: string | null;
      index: number | null;
      receipt: { block_hash: string; index: number; receipt: string } | null;
    }
  >;
  accounts: Record<string, { nonce: number; balances: Record<string, string> }>;
  code: string;
  storage0: string;
  total_balance: string;
}

/** test/backend/fixtures/pool.json, made by gen-pool.py with pyquarkchain's ShardState/RootState. */
export interface PoolFixture {
  cluster_config_json: string;
  full_shard_id: number;
  contract: string;
  rules: {
    cases: Array<PoolCase & { stage: "genesis" | "B2" | "recovered" }>;
    queue: string[];
    recovered_queue: string[];
    gas_limit: number;
    blocks: Record<"B1" | "B2", string>;
    root: string;
  };
  full: { cluster_config_json: string; cases: Array<PoolCase & { queue: string[] }> };
  reorg: {
    adds: Record<string, boolean>;
    txs: Record<"a0" | "a1" | "d0" | "k0", { tx: string; hash: string }>;
    blocks: Record<"B1" | "B2" | "F2" | "F3" | "B3" | "B4", string>;
    steps: ReorgStep[];
  };
}

export function poolFixture(): PoolFixture {
  const file = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "pool.json");
  return JSON.parse(readFileSync(file, "utf8")) as PoolFixture;
}

export const fixtureTx = (h: string) => decode(TypedTransaction, bytes(h));
export const blockOf = (h: string) => decode(MinorBlock, bytes(h));
export const receiptHex = (r: TransactionReceipt) => hex(encode(TransactionReceipt, r));

/**
 * A ChainBackend of shard 2 (of 2 and 3) on the fixture's network, its shards created at `root`
 * (the genesis root block unless given) over `db` (in memory unless given).
 */
export async function bootPool(configJson: string, opts: { db?: ChainDb; root?: RootBlock } = {}) {
  const config = loadQuarkChainConfig(configJson);
  const genesis = new NetworkGenesis(config);
  const backend = new ChainBackend({ shards: [2], genesis, log: silentLog, ...(opts.db ? { db: opts.db } : {}) });
  const ctx = new TestContext();
  backend.attach(ctx);
  await backend.createShards(opts.root ?? genesis.rootBlock());
  return {
    backend,
    ctx,
    config,
    master: backend.master as Required<MasterHandlers>,
    peer: backend.peer as Required<PeerHandlers>,
  };
}
