import type { TransactionDetail } from "../messages/cluster.ts";
import type { Address, CrossShardTransactionDeposit, MinorBlock } from "../messages/core.ts";
import { typedTransactionHash } from "../messages/core.ts";
import { hex, sameBytes } from "../codec/bytes.ts";
import type { ChainStore } from "./chain/chain-store.ts";
import { minorBlockHash } from "./chain/hashes.ts";
import { ADDR_PREFIX, ALLTX_PREFIX, decodedTx, offsetKey, readEntryKey } from "./chain/tx-history.ts";
import { blockReceipt } from "./exec/receipt-lookup.ts";
import type { TxPool } from "./pool/tx-pool.ts";

/**
 * What ShardState answers from the transaction history index (get_all_transactions,
 * get_transaction_list_by_address; the paging of TransactionHistoryMixin's
 * __get_transaction_details in quarkchain/cluster/shard_db_operator.py). With history off both
 * answer an empty page whose `next` is empty.
 */

/** One page, newest first, and the key to send as `start` for the next (older) one. */
export interface HistoryPage {
  txList: TransactionDetail[];
  next: Uint8Array;
}

/** What the history queries read of a shard. */
export interface HistorySource {
  readonly store: ChainStore;
  readonly pool: TxPool;
}

/** A stored index that names a block or an entry the store lacks: pyquarkchain raises there. */
export class HistoryIndexError extends Error {}

const EMPTY = new Uint8Array(0);
const PENDING = Uint8Array.of(0); // start == bytes(1): the pool's transactions
const NO_PAGE: HistoryPage = { txList: [], next: EMPTY };

/** get_all_transactions: every transaction and deposit of the shard but root-chain coinbase deposits. */
export function allTransactions(shard: HistorySource, start: Uint8Array, limit: number): HistoryPage {
  if (!shard.store.transactionHistory) return NO_PAGE;
  return details(shard.store, ALLTX_PREFIX, start, limit, { skipCoinbaseRewards: true, tokenId: null });
}

/**
 * get_transaction_list_by_address: the address's transactions and deposits (only the
 * recipient is matched), or with `start` = 00 the pooled transactions it sends or receives.
 * `tokenId`: only transfers of that token.
 */
export function transactionsByAddress(
  shard: HistorySource,
  address: Address,
  tokenId: bigint | null,
  start: Uint8Array,
  limit: number,
): HistoryPage {
  if (!shard.store.transactionHistory) return NO_PAGE;
  if (sameBytes(start, PENDING)) return { txList: pending(shard.pool, address.recipient, tokenId), next: EMPTY };
  const end = new Uint8Array(ADDR_PREFIX.length + 20);
  end.set(ADDR_PREFIX);
  end.set(address.recipient, ADDR_PREFIX.length);
  return details(shard.store, end, start, limit, { skipCoinbaseRewards: false, tokenId });
}

function pending(pool: TxPool, recipient: Uint8Array, tokenId: bigint | null): TransactionDetail[] {
  const out: TransactionDetail[] = [];
  for (const { hash, evm, sender } of pool.entries()) {
    if (sender === null) continue; // never pooled: add_tx recovers the sender first
    if (!sameBytes(sender, recipient) && !sameBytes(evm.to, recipient)) continue;
    if (tokenId !== null && evm.transfer_token_id !== tokenId) continue;
    out.push({
      tx_hash: hash,
      nonce: evm.nonce,
      from_address: { recipient: sender, full_shard_key: evm.from_full_shard_key },
      to_address: evm.to.length > 0 ? { recipient: evm.to, full_shard_key: evm.to_full_shard_key } : null,
      value: evm.value,
      block_height: 0n,
      timestamp: 0n,
      success: false,
      gas_token_id: evm.gas_token_id,
      transfer_token_id: evm.transfer_token_id,
      is_from_root_chain: false,
    });
  }
  return out;
}

/**
 * __get_transaction_details: the index's keys below `start` (at most the prefix + 1, as
 * pyquarkchain resets a missing or larger start) down to the prefix `end`, newest first; a
 * transaction listed twice (its sender and recipient keys) counts once per page; `next` is the
 * last key read minus one (the prefix itself when nothing was read).
 */
function details(
  store: ChainStore,
  end: Uint8Array,
  start: Uint8Array,
  limit: number,
  filter: { skipCoinbaseRewards: boolean; tokenId: bigint | null },
): HistoryPage {
  const originalStart = offsetKey(end, 1);
  if (start.length === 0 || Buffer.compare(start, originalStart) > 0) start = originalStart;
  const txList: TransactionDetail[] = [];
  const seen = new Set<string>();
  let next = end;
  let left = limit;
  const received = new Map<bigint, CrossShardTransactionDeposit[]>(); // a block's list, decoded once a page
  for (const key of store.historyKeysDown(start, end)) {
    if (left <= 0) break;
    const { height, deposit, index } = readEntryKey(key, end.length);
    const block = canonicalBlock(store, height);
    if (deposit) {
      let list = received.get(height);
      if (list === undefined) received.set(height, (list = store.receivedDeposits(minorBlockHash(block.header))));
      const d = list[index];
      if (d === undefined) throw new HistoryIndexError(`no deposit ${index} received at height ${height}`);
      if (!seen.has(hex(d.tx_hash)) && !skipDeposit(d, filter)) {
        left--;
        seen.add(hex(d.tx_hash));
        txList.push(depositDetail(d, block));
      }
    } else {
      const tx = block.tx_list[index];
      if (tx === undefined) throw new HistoryIndexError(`no transaction ${index} at height ${height}`);
      const { evm, sender } = decodedTx(tx);
      const hash = typedTransactionHash(tx);
      if (!seen.has(hex(hash)) && (filter.tokenId === null || evm.transfer_token_id === filter.tokenId)) {
        if (sender === null) throw new HistoryIndexError(`transaction ${index} at height ${height} has no sender`);
        left--;
        seen.add(hex(hash));
        // get_receipt without the deposit list: a transaction's receipt
        const success = blockReceipt(store, block, index)?.success;
        txList.push({
          tx_hash: hash,
          nonce: evm.nonce,
          from_address: { recipient: sender, full_shard_key: evm.from_full_shard_key },
          to_address: evm.to.length > 0 ? { recipient: evm.to, full_shard_key: evm.to_full_shard_key } : null,
          value: evm.value,
          block_height: height,
          timestamp: block.header.create_time,
          success: success?.length === 1 && success[0] === 1,
          gas_token_id: evm.gas_token_id,
          transfer_token_id: evm.transfer_token_id,
          is_from_root_chain: false,
        });
      }
    }
    next = offsetKey(key, -1);
  }
  return { txList, next };
}

function canonicalBlock(store: ChainStore, height: bigint): MinorBlock {
  const hash = store.canonicalHash(height);
  const block = hash && store.minorBlock(hash);
  if (!block) throw new HistoryIndexError(`no canonical block at height ${height}`);
  return block;
}

/** skip_xshard: dummy (value 0) root-chain deposits always; coinbase deposits for all-tx; the token filter. */
function skipDeposit(d: CrossShardTransactionDeposit, f: { skipCoinbaseRewards: boolean; tokenId: bigint | null }) {
  if (d.is_from_root_chain) return f.skipCoinbaseRewards || d.value === 0n;
  return f.tokenId !== null && d.transfer_token_id !== f.tokenId;
}

function depositDetail(d: CrossShardTransactionDeposit, block: MinorBlock): TransactionDetail {
  return {
    tx_hash: d.tx_hash,
    nonce: 0n,
    from_address: d.from_address,
    to_address: d.to_address,
    value: d.value,
    block_height: block.header.height,
    timestamp: block.header.create_time,
    success: true,
    gas_token_id: d.gas_token_id,
    transfer_token_id: d.transfer_token_id,
    is_from_root_chain: d.is_from_root_chain,
  };
}
