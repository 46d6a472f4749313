import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { MinorBlock } from "../../messages/core.ts";
import type { ExecutedRecords } from "../chain/chain-store.ts";
import type { ShardChain } from "../chain/shard-chain.ts";
import { MissingTrieNodeError, type TrieNodeCache } from "../state/trie/index.ts";
import { WorldState } from "../state/world-state.ts";
import { MissingParentError, runBlockEnv } from "./block-env.ts";
import { checkBlockResult } from "./check-block.ts";
import { BlockRunError, type RunBlockResult, runBlock } from "./run-block.ts";
import { CursorError } from "./xshard-cursor.ts";

/** A block that ran and passed add_block's checks: what it produced, and the records to store with it. */
export interface ExecutedBlock {
  readonly run: RunBlockResult;
  readonly records: ExecutedRecords;
}

/**
 * ShardState.add_block's execute step, after validate_block: run_block on the parent's state
 * (read from the shard's Kv), then the seven checks. The block's records (state, receipts) when
 * it passes; else why it is refused, with pyquarkchain's message where it has one. Nothing is
 * written here.
 */
export function executeBlock(
  config: QuarkChainConfig,
  chain: ShardChain,
  block: MinorBlock,
  nodeCache: TrieNodeCache,
): ExecutedBlock | string {
  let run: RunBlockResult;
  try {
    const parent = chain.byHash(block.header.hash_prev_minor_block);
    if (!parent) return "prev block not found";
    const world = WorldState.open(chain.store.stateKv, parent.meta.hash_evm_state_root, { nodeCache });
    run = runBlock(world, block, runBlockEnv(config, chain, block));
  } catch (err) {
    if (err instanceof MissingTrieNodeError) return `the parent's state is not known here (${err.message})`;
    if (err instanceof BlockRunError || err instanceof CursorError || err instanceof MissingParentError)
      return err.message;
    throw err;
  }
  const refused = checkBlockResult(block, run);
  if (refused !== undefined) return refused;
  return {
    run,
    records: {
      stateWrites: run.commit.writes,
      stateNodes: { cache: nodeCache, nodes: run.commit.nodes },
      receipts: run.receiptsRecord,
      depositHashes: Buffer.concat(run.received.map((d) => d.tx_hash)),
      received: run.received,
    },
  };
}
