import type { Logger } from "pino";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { type TypedTransaction, typedTransactionHash } from "../../messages/core.ts";
import { hex } from "../../codec/bytes.ts";
import type { Reorg, ShardChain } from "../chain/shard-chain.ts";
import { isCrossShard } from "../exec/cross-shard.ts";
import type { ExecState } from "../exec/exec-state.ts";
import { convertToDefaultChainTokenGasPrice } from "../exec/gas-token.ts";
import { validationEnv } from "../exec/run-block.ts";
import { poolTxRules } from "../exec/tip-state.ts";
import { type ShardTxRules, validateShardTransaction } from "../exec/validate-shard-tx.ts";
import { type PoolEntry, type TxPool, poolEntry } from "./tx-pool.ts";

/** What ShardState.add_tx reads besides the pool: the chain and the state after its tip. */
export interface PoolGate {
  config: QuarkChainConfig;
  chain: ShardChain;
  /**
   * ShardState.evm_state.ephemeral_clone() with gas_used 0 (exec/tip-state.ts), made on demand;
   * undefined when the tip's state records are not stored here.
   */
  tipState: () => ExecState | undefined;
  log: Logger;
}

/**
 * ShardState.add_tx: whether the transaction joins the pool. The pool cap (`len > limit`, which
 * the pool's own cap keeps from ever holding), known in a block, known in the pool, then the
 * checks of poolRejection on the tip's state. pyquarkchain answers False to any exception the
 * checks raise; so do we, logged.
 */
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
    return false; // undecodable: to_evm_tx raises, add_tx answers False
  }
  let why: string | undefined;
  try {
    const state = gate.tipState();
    why = state
      ? poolRejection(poolTxRules(gate.config, chain), gate.config.MIN_TX_POOL_GAS_PRICE, state, entry)
      : "the state after the tip is not stored here";
  } catch (err) {
    gate.log.warn({ shard: chain.fullShardId, tx: hex(hash), err }, "transaction refused: its checks failed");
    return false;
  }
  if (why !== undefined) {
    gate.log.debug({ shard: chain.fullShardId, tx: hex(hash), reason: why }, "transaction refused");
    return false;
  }
  pool.add(entry);
  return true;
}

/**
 * add_tx's checks on `state` (the tip's): __validate_tx with the code block execution runs
 * (network id, branch, target shard, xshard gas, the TX/EVM switches, a nonce ahead by at most
 * MAX_FUTURE_TX_NONCE passing as is, else validate_transaction: signature, EIP-155, caps, nonce,
 * intrinsic gas, balances per token, the gas token's conversion and reserve, the gas limit),
 * then convert_to_default_chain_token_gasprice against MIN_TX_POOL_GAS_PRICE. Why it is refused,
 * or undefined. Whatever the checks change in `state` is reverted (they run on an ephemeral clone).
 */
export function poolRejection(
  rules: ShardTxRules,
  minGasPrice: bigint,
  state: ExecState,
  entry: PoolEntry,
): string | undefined {
  const tx = entry.evm;
  const checked = validateShardTransaction(
    state.world,
    tx,
    () => entry.sender,
    (t) => isCrossShard(t, (c) => state.rules.shardSize(c)),
    rules,
    validationEnv(state),
  );
  if (checked !== undefined && "rule" in checked) return `${checked.rule}: ${checked.message}`;
  // Not enforced by consensus: miners would leave a cheaper transaction out anyway.
  const price = convertToDefaultChainTokenGasPrice(state, tx.gas_token_id, tx.gasprice);
  if (price < minGasPrice) return `gas price ${price} in the default token below MIN_TX_POOL_GAS_PRICE ${minGasPrice}`;
  return undefined;
}

/**
 * __rewrite_block_index_to's pool side: the transactions of blocks that left the canonical
 * chain rejoin the pool as they are (__add_transactions_from_block: add_transaction, no checks),
 * then every pooled transaction with the (sender, nonce) of one in a block that joined it leaves
 * (tx_queue.diff). Nothing else happens to the pool when the tip moves: a transaction whose nonce
 * went stale stays until a block is made to mine (pop_transaction drops it), which this slave
 * does not do.
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
