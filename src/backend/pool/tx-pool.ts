import type { QuarkChainConfig, ShardConfig } from "../../config/cluster-config.ts";
import { fullShardIdByFullShardKey, initializedFullShardIdsBeforeRootHeight } from "../../config/cluster-config.ts";
import { tokenIdEncode } from "../../config/token.ts";
import { type EvmTransaction, decodeEvmTransaction, recoverSender } from "../../tx/transaction.ts";
import { type TypedTransaction, typedTransactionHash } from "../../messages/core.ts";
import { isInBranch, isNeighbor } from "../chain/block-rules.ts";
import type { StateView } from "../state/state-view.ts";
import { hex } from "../../codec/bytes.ts";

/** A pooled transaction with what ordering and block removal need, decoded once. */
export interface PoolEntry {
  readonly tx: TypedTransaction;
  readonly hash: Uint8Array;
  readonly evm: EvmTransaction;
  /** The recovered sender (null when the signature does not recover). */
  readonly sender: Uint8Array | null;
}

/**
 * The sender is recovered on first use, as pyquarkchain's evm_tx.sender is: a transaction
 * refused by the cheap checks (network id, branch) never pays for the signature recovery,
 * which costs more than everything else a forwarded NEW_TRANSACTION_LIST does.
 */
class LazyPoolEntry implements PoolEntry {
  private recovered: Uint8Array | null | undefined;

  constructor(
    readonly tx: TypedTransaction,
    readonly hash: Uint8Array,
    readonly evm: EvmTransaction,
  ) {}

  get sender(): Uint8Array | null {
    if (this.recovered === undefined) this.recovered = recoverSender(this.evm);
    return this.recovered;
  }
}

/** `hash`: typedTransactionHash(tx), when the caller has it already. */
export function poolEntry(tx: TypedTransaction, hash = typedTransactionHash(tx)): PoolEntry {
  return new LazyPoolEntry(tx, hash, decodeEvmTransaction(tx.tx.serialized_tx));
}

/**
 * pyquarkchain's TransactionQueue (quarkchain/tx/transaction_queue.py): transactions by
 * hash, ordered by gas price (highest first, then arrival). When full, a transaction that
 * pays less than the cheapest one is silently dropped; otherwise the cheapest one leaves.
 * In memory only, as in pyquarkchain (a restart empties it).
 */
export class TxPool {
  private readonly byHash = new Map<string, { entry: PoolEntry; counter: number }>();
  private ordered: Array<{ entry: PoolEntry; counter: number }> = [];
  private counter = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.ordered.length;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(hex(hash));
  }

  get(hash: Uint8Array): TypedTransaction | undefined {
    return this.byHash.get(hex(hash))?.entry.tx;
  }

  /** In pool order. */
  entries(): PoolEntry[] {
    return this.ordered.map((o) => o.entry);
  }

  /** The i-th entry in pool order (no copy of the pool, for the queries the master polls). */
  entryAt(i: number): PoolEntry | undefined {
    return this.ordered[i]?.entry;
  }

  /** add_transaction: never refuses (a cheap transaction in a full pool is dropped silently). */
  add(entry: PoolEntry): void {
    if (this.ordered.length >= this.limit) {
      const cheapest = this.ordered[this.ordered.length - 1]!;
      if (entry.evm.gasprice < cheapest.entry.evm.gasprice) return;
      this.ordered.pop();
      this.byHash.delete(hex(cheapest.entry.hash));
    }
    const item = { entry, counter: this.counter++ };
    // bisect.insort by (-gasprice, counter): after every item that is not greater.
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.ordered[mid]!;
      const before =
        -m.entry.evm.gasprice < -entry.evm.gasprice ||
        (m.entry.evm.gasprice === entry.evm.gasprice && m.counter < item.counter);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    this.ordered.splice(lo, 0, item);
    this.byHash.set(hex(entry.hash), item);
  }

  /** diff: drops every transaction with the (sender, nonce) of one of `txs`. */
  removeIncluded(txs: readonly PoolEntry[]): void {
    // A sender is recovered (the costly part) only where the nonces already match.
    const pooledNonces = new Set(this.ordered.map((o) => o.entry.evm.nonce));
    const matching = txs.filter((t) => pooledNonces.has(t.evm.nonce));
    if (matching.length === 0) return;
    const nonces = new Set(matching.map((t) => t.evm.nonce));
    const gone = new Set(matching.map((t) => `${t.sender ? hex(t.sender) : "-"}/${t.evm.nonce}`));
    this.ordered = this.ordered.filter((o) => {
      if (!nonces.has(o.entry.evm.nonce)) return true;
      const keep = !gone.has(`${o.entry.sender ? hex(o.entry.sender) : "-"}/${o.entry.evm.nonce}`);
      if (!keep) this.byHash.delete(hex(o.entry.hash));
      return keep;
    });
  }
}

/** MAX_FUTURE_TX_NONCE (shard_state.py): nonces this far ahead skip the balance checks. */
export const MAX_FUTURE_TX_NONCE = 64n;
const UINT128_MAX = (1n << 128n) - 1n;
const TOKEN_ID_MAX = 4873763662273663091n;
const GTXCOST = 21000n;
const CREATE_COST = 32000n;
const GTXDATAZERO = 4n;
const GTXDATANONZERO = 68n;
const GTXXSHARDCOST = 9000n;

/** What ShardState.add_tx's checks read besides the transaction. */
export interface PoolCheckContext {
  config: QuarkChainConfig;
  shard: ShardConfig;
  rootTipHeight: number;
  /** The EVM state after the tip; undefined when it is not known here (the check then fails). */
  state: StateView | undefined;
  /** The tip state's timestamp: 0 at genesis (pyquarkchain's default), else the tip's create_time. */
  stateTimestamp: bigint;
}

/**
 * ShardState.add_tx's checks after the pool cap and duplicate checks: __validate_tx (network
 * id, branch, cross-shard target, xshard gas, the nonce window) and, outside the window,
 * validate_transaction (signature, EIP-155 rules, caps, exact nonce, intrinsic gas,
 * balances), then the MIN_TX_POOL_GAS_PRICE floor. The reason it is refused, or undefined.
 *
 * Not done here, because they take EVM execution: a gas token other than the chain's default
 * (its price comes from a system contract) is refused; the block gas limit check (7) of
 * validate_transaction is not applied.
 */
export function poolRejection(ctx: PoolCheckContext, entry: PoolEntry): string | undefined {
  const { config, shard } = ctx;
  const tx = entry.evm;
  if (tx.version === 2n) {
    if (tx.network_id !== BigInt(shard.chain.ETH_CHAIN_ID)) return "network id is not the chain's ETH_CHAIN_ID";
  } else if (tx.network_id !== BigInt(config.NETWORK_ID)) return "network id mismatch";
  if (!isInBranch(shard.fullShardId, tx.from_full_shard_key)) return "from_full_shard_key is not in this shard";
  let toShard: number;
  try {
    toShard = fullShardIdByFullShardKey(config, tx.to_full_shard_key);
  } catch {
    return "to_full_shard_key names no chain";
  }
  const crossShard = toShard !== shard.fullShardId;
  if (crossShard) {
    const initialized = initializedFullShardIdsBeforeRootHeight(config, ctx.rootTipHeight);
    if (!initialized.includes(toShard)) return "target shard is not initialized yet";
    if (!isNeighbor(shard.fullShardId, toShard, initialized.length)) return "target shard is not a neighbour";
    if (tx.startgas > shard.GENESIS.GAS_LIMIT / 2n) return "cross-shard startgas above the xshard gas limit";
  }
  const afterTs = (ts: bigint | null) => ts !== null && ctx.stateTimestamp < ts;
  if (afterTs(config.ENABLE_TX_TIMESTAMP)) return "transactions are not enabled yet (no whitelist here)";
  if (afterTs(config.ENABLE_EVM_TIMESTAMP) && (tx.to.length === 0 || tx.data.length > 0))
    return "smart contract transactions are not enabled yet";
  if (!entry.sender) return "invalid signature";
  const state = ctx.state;
  if (!state) return "the state after the tip is not known here (it would take transaction execution)";
  const reqNonce = state.nonce(entry.sender);
  if (!(reqNonce < tx.nonce && tx.nonce <= reqNonce + MAX_FUTURE_TX_NONCE)) {
    const why = validateTransaction(ctx, entry, state, reqNonce, crossShard);
    if (why) return why;
  }
  const defaultToken = tokenIdEncode(shard.chain.DEFAULT_CHAIN_TOKEN);
  if (tx.gas_token_id !== defaultToken) return "a non-default gas token needs its system contract (EVM)";
  if (tx.gasprice < config.MIN_TX_POOL_GAS_PRICE) return "gas price below MIN_TX_POOL_GAS_PRICE";
  return undefined;
}

/** validate_transaction (quarkchain/evm/messages.py) up to, not including, the block gas limit check. */
function validateTransaction(
  ctx: PoolCheckContext,
  entry: PoolEntry,
  state: StateView,
  reqNonce: bigint,
  crossShard: boolean,
): string | undefined {
  const { config, shard } = ctx;
  const tx = entry.evm;
  const sender = entry.sender!;
  if (tx.version === 2n) {
    const defaultToken = tokenIdEncode(shard.chain.DEFAULT_CHAIN_TOKEN);
    const eip155 = config.ENABLE_EIP155_SIGNER_TIMESTAMP;
    if (eip155 !== null && ctx.stateTimestamp < eip155) return "EIP155 signer is not enabled yet";
    if (tx.v !== 35n + tx.network_id * 2n && tx.v !== 36n + tx.network_id * 2n) return "v does not match network id";
    if (tx.from_full_shard_key >>> 16 !== tx.to_full_shard_key >>> 16) return "EIP155: cross-chain";
    if ((tx.from_full_shard_key & 0xffff) !== 0 || (tx.to_full_shard_key & 0xffff) !== 0) return "EIP155: shard keys";
    if (tx.gas_token_id !== defaultToken || tx.transfer_token_id !== defaultToken) return "EIP155: tokens";
  }
  if (tx.startgas > UINT128_MAX || tx.gasprice > UINT128_MAX) return "startgas or gasprice above 2^128 - 1";
  if (tx.gas_token_id > TOKEN_ID_MAX || tx.transfer_token_id > TOKEN_ID_MAX) return "token id too large";
  if (reqNonce !== tx.nonce) return `nonce ${tx.nonce}, expected ${reqNonce}`;
  let zeros = 0n;
  for (const b of tx.data) if (b === 0) zeros++;
  const intrinsic =
    GTXCOST +
    (tx.to.length === 0 ? CREATE_COST : 0n) +
    GTXDATAZERO * zeros +
    GTXDATANONZERO * (BigInt(tx.data.length) - zeros) +
    (crossShard ? GTXXSHARDCOST : 0n);
  if (tx.startgas < intrinsic) return `startgas ${tx.startgas} below intrinsic gas ${intrinsic}`;
  const defaultToken = tokenIdEncode(shard.chain.DEFAULT_CHAIN_TOKEN);
  const balance = new Map<bigint, bigint>([[tx.transfer_token_id, state.balance(sender, tx.transfer_token_id)]]);
  if (tx.gas_token_id !== tx.transfer_token_id) balance.set(tx.gas_token_id, state.balance(sender, tx.gas_token_id));
  for (const token of [tx.transfer_token_id, tx.gas_token_id]) {
    if (token !== defaultToken && balance.get(token) === 0n) return "non-default token with zero balance";
  }
  const cost = new Map<bigint, bigint>([[tx.transfer_token_id, tx.value]]);
  cost.set(tx.gas_token_id, (cost.get(tx.gas_token_id) ?? 0n) + tx.gasprice * tx.startgas);
  for (const [token, b] of balance) if (b < (cost.get(token) ?? 0n)) return "insufficient balance";
  if (tx.gasprice !== 0n && tx.gas_token_id !== defaultToken)
    return "a non-default gas token needs its system contract";
  return undefined;
}
