import { readFileSync } from "node:fs";
import { fixturePath, fixturesMissing } from "./fixtures.ts";

/**
 * One configuration of ../shared/fixtures/genesis/genesis.json: what pyquarkchain built for it
 * (format in that directory's README).
 */
export interface GenesisCase {
  case: string;
  cluster_config_json: string;
  root_block: { hex: string; hash: string };
  later_root_blocks?: { height: number; hex: string; hash: string }[];
  shards: {
    full_shard_id: number;
    genesis_root_height: number;
    genesis_root_block_hash: string;
    evm_state_root: string;
    coinbase_amount_map: { balance_map: Record<string, number | string> };
    minor_block: { hex: string; header_hex: string; meta_hex: string; header_hash: string; meta_hash: string };
  }[];
  accounts?: {
    address: string;
    recipient: string;
    full_shard_id: number;
    exists: boolean;
    nonce: number;
    code: string;
    code_hash: string;
    is_contract: boolean;
    token_balances: Record<string, { balance: number | string }>;
    account_branch_data: { hex: string };
    account_rlp: string | null;
    token_balances_encoding: "empty" | "list" | "trie";
    storage_root?: string;
    storage: Record<string, string> | null;
  }[];
}

/** Why the genesis fixture tests skip, or false when the file is there. */
export const genesisFixtureMissing = (): string | false => fixturesMissing("genesis/genesis.json");

export function genesisCases(): GenesisCase[] {
  return (JSON.parse(readFileSync(fixturePath("genesis/genesis.json"), "utf8")) as { cases: GenesisCase[] }).cases;
}
