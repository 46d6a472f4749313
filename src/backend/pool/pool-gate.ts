import type { Logger } from "pino";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { type TypedTransaction, typedTransactionHash } from "../../messages/core.ts";
import { hex } from "../../codec/bytes.ts";
import type { Reorg, ShardChain } from "../chain/shard-chain.ts";
import type { StateView } from "../state/state-view.ts";
import { type PoolEntry, type TxPool, poolEntry, poolRejection } from "./tx-pool.ts";

/** What ShardState.add_tx reads besides the pool: the chain and the state after its tip. */
export interface PoolGate {
  config: QuarkChainConfig;
  chain: ShardChain;
  /** The EVM state after the tip; undefined when it is not known here. */
  state: StateView | undefined;
  log: Logger;
}

/** ShardState.add_tx: whether the transaction joins the pool. */
export function addTx(pool: TxPool, gate: PoolGate, tx: TypedTransaction): boolean {
  if (pool.size > pool.limit) return false;
  const { chain } = gate;
  const hash = typedTransactionHash(tx);
  if (chain.store.txLocation(hash)) return false;
  if (pool.has(hash)) return false;
  let entry: PoolEntry;
  try {
    entry = poolEntry(tx, hash);
  } catch {
    return false;
  }
  const why = poolRejection(
    {
      config: gate.config,
      shard: chain.shard,
      rootTipHeight: chain.rootTip.height,
      state: gate.state,
      stateTimestamp: chain.stateTimestamp,
    },
    entry,
  );
  if (why !== undefined) {
    gate.log.debug({ shard: chain.fullShardId, tx: hex(hash), reason: why }, "transaction refused");
    return false;
  }
  pool.add(entry);
  return true;
}

/**
 * __rewrite_block_index_to's pool side: the transactions of blocks that left the canonical
 * chain rejoin the pool, then those of the blocks that joined it leave.
 */
export function applyReorg(pool: TxPool, reorg: Reorg): void {
  for (const old of reorg.drop) {
    for (const tx of old.tx_list) {
      const [entry] = decodable(tx);
      if (entry) pool.add(entry);
    }
  }
  // Only a pooled transaction can leave: with none, the block's need not even be decoded.
  if (pool.size === 0) return;
  const included = reorg.put.flatMap((b) => b.tx_list).flatMap((tx) => decodable(tx));
  if (included.length > 0) pool.removeIncluded(included);
}

function decodable(tx: TypedTransaction): PoolEntry[] {
  try {
    return [poolEntry(tx)];
  } catch {
    return [];
  }
}
