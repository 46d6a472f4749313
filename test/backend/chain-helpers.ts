import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decode } from "../../src/codec/index.ts";
import { MinorBlock, RootBlock } from "../../src/messages/core.ts";

export const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
export const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

/** test/backend/fixtures/chain.json, made by gen-chain.py with pyquarkchain's ShardState/RootState. */
export interface ChainFixture {
  cluster_config_json: string;
  full_shard_id: number;
  qkc_token: number;
  sender: { key: string; address: string; recipient: string };
  root_blocks: { R0: string; R1: string };
  genesis: { hash: string; hex: string };
  blocks: Array<{
    name: string;
    hash: string;
    height: number;
    hex: string;
    state_root: string;
    coinbase_amount_map: string;
    tx_count: number;
  }>;
  snapshots: Array<{
    name: string;
    tip_hash: string;
    tip_height: number;
    evm_state_root: string;
    shard_stats: string;
    account_data: Record<string, string>;
    unconfirmed: string[];
  }>;
  pool: {
    cases: Array<{ name: string; tx: string; hash: string; accepted: boolean }>;
    queue: string[];
    lookup: { hash: string; block: string; index: number };
    next_coinbase: number;
  };
  tx_lookups: Array<{ hash: string; block_hash: string; index: number }>;
  tx_not_found: string;
  single: {
    cluster_config_json: string;
    full_shard_id: number;
    root_block: string;
    genesis_hash: string;
    block: string;
    block_hash: string;
    tx: string;
    tx_hash: string;
    lookup: { block_hash: string; index: number };
    shard_stats: string;
  };
}

export function chainFixture(): ChainFixture {
  const file = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "chain.json");
  return JSON.parse(readFileSync(file, "utf8")) as ChainFixture;
}

export const fixtureBlock = (f: ChainFixture, name: string) => {
  const b = f.blocks.find((x) => x.name === name)!;
  return decode(MinorBlock, bytes(b.hex));
};
export const fixtureRoot = (f: ChainFixture, name: "R0" | "R1") => decode(RootBlock, bytes(f.root_blocks[name]));
export const snapshot = (f: ChainFixture, name: string) => f.snapshots.find((s) => s.name === name)!;

