import { blockReceipt, emptyReceipt } from "../exec/receipt-lookup.ts";
import type { Logger } from "pino";
import { decodePrefix, owned } from "../../codec/index.ts";
import { sameBytes } from "../../codec/bytes.ts";
import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import type { ClusterMessage, ClusterOpDefs } from "../../messages/cluster.ts";
import { type Address, MinorBlock, type MinorBlockHeader } from "../../messages/core.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import { decodeEvmTransaction } from "../../tx/transaction.ts";
import { type BackendOp, EBADMSG, EFAULT, type MasterHandlers, type SlaveContext } from "../api.ts";
import { maxBlocksInOneRootBlock } from "../chain/block-rules.ts";
import { word } from "../exec/derive/account.ts";
import { StateUnknownError } from "../exec/derive/derive-state.ts";
import type { Shard } from "../shard.ts";
import {
  accountBranchData,
  gasPrice,
  nextBlockCoinbaseAmount,
  nextBlockDifficulty,
  poswExtraInfo,
  stateAfter,
  totalBalance,
  unconfirmedCoinbaseAmount,
} from "../shard-queries.ts";
import { recoverSendersAhead } from "../../tx/senders.ts";
import { syncFromPeer } from "../sync.ts";
import { estimateGasOf, executeTransaction, getRootChainStakes } from "./exec-queries.ts";
import { getAllTransactions, getLog, getTransactionListByAddress } from "./history.ts";
import { getWork, mineRequest, submitWork } from "./mining.ts";
import type { SlaveMining } from "../mining/slave-mining.ts";
import { getNextBlockToMine } from "./next-block.ts";
import { type GenTxShards, genTx } from "./gen-tx.ts";

/** What the master handlers see of the backend: its ready shards and the cluster. */
export interface Shards extends GenTxShards {
  readonly config: QuarkChainConfig;
  readonly log: Logger;
  /** SYNC_TIMEOUT for each GET_MINOR_BLOCK_LIST batch of a SYNC_MINOR_BLOCK_LIST. */
  readonly syncTimeoutMs: number;
  /** Initialized local shards, in network config order. */
  ready(): readonly Shard[];
  /** The initialized local shard with this full shard id. */
  get(fullShardId: number): Shard | undefined;
  /** Unix time in seconds. */
  now(): bigint;
  context(): SlaveContext;
  /** Each local shard's miner (MINE_REQUEST, GET_WORK, SUBMIT_WORK). */
  readonly mining: SlaveMining;
}

type Request<N extends BackendOp> = ClusterMessage<N>;
type Response<N extends BackendOp> = ResponseOf<ClusterOpDefs, N>;

/**
 * The master requests the backend serves, as pyquarkchain's MasterConnection / SlaveServer
 * handlers answer them (quarkchain/cluster/slave.py). A shard that is not local gets that
 * handler's error answer: error_code 1 with empty values (EBADMSG where pyquarkchain says so).
 */
export function masterHandlers(shards: Shards): MasterHandlers {
  return {
    GET_ECO_INFO_LIST_REQUEST: () => ecoInfoList(shards),
    GET_UNCONFIRMED_HEADERS_REQUEST: async () => unconfirmedHeadersList(shards),
    GET_MINOR_BLOCK_REQUEST: async (req) => getMinorBlock(shards, req),
    GET_ACCOUNT_DATA_REQUEST: async (req) => getAccountData(shards, req),
    GET_CODE_REQUEST: async (req) => getCode(shards, req),
    GET_STORAGE_REQUEST: async (req) => getStorage(shards, req),
    ADD_TRANSACTION_REQUEST: async (req) => addTransaction(shards, req),
    GET_TRANSACTION_REQUEST: async (req) => getTransaction(shards, req),
    GET_TRANSACTION_RECEIPT_REQUEST: async (req) => getTransactionReceipt(shards, req),
    GAS_PRICE_REQUEST: async (req) => gasPriceOf(shards, req),
    GET_TOTAL_BALANCE_REQUEST: async (req) => getTotalBalance(shards, req),
    ADD_MINOR_BLOCK_REQUEST: (req) => addMinorBlock(shards, req),
    CHECK_MINOR_BLOCK_REQUEST: async (req) => checkMinorBlock(shards, req),
    SYNC_MINOR_BLOCK_LIST_REQUEST: (req) => syncMinorBlockList(shards, req),
    EXECUTE_TRANSACTION_REQUEST: async (req) => executeTransaction(shards, req),
    ESTIMATE_GAS_REQUEST: async (req) => estimateGasOf(shards, req),
    GET_ROOT_CHAIN_STAKES_REQUEST: async (req) => getRootChainStakes(shards, req),
    GET_LOG_REQUEST: async (req) => getLog(shards, req),
    GET_TRANSACTION_LIST_BY_ADDRESS_REQUEST: async (req) => getTransactionListByAddress(shards, req),
    GET_ALL_TRANSACTIONS_REQUEST: async (req) => getAllTransactions(shards, req),
    MINE_REQUEST: (req) => mineRequest(shards, req),
    GET_WORK_REQUEST: (req) => getWork(shards, req),
    SUBMIT_WORK_REQUEST: (req) => submitWork(shards, req),
    GET_NEXT_BLOCK_TO_MINE_REQUEST: async (req) => getNextBlockToMine(shards, req),
    GEN_TX_REQUEST: async (req) => genTx(shards, req),
  };
}

// The master polls eco info and unconfirmed headers: what follows from unchanged values is kept.
const maxUnconfirmedOf = new WeakMap<Shard, number>(); // fixed by the config
function unconfirmed(config: QuarkChainConfig, s: Shard): readonly MinorBlockHeader[] {
  let max = maxUnconfirmedOf.get(s);
  if (max === undefined) maxUnconfirmedOf.set(s, (max = maxBlocksInOneRootBlock(config, s.chain.shard)));
  return s.chain.unconfirmedHeaders(max);
}
// The next difficulty follows from the tip and the clock's second: kept for that second.
const difficultyOf = new WeakMap<MinorBlockHeader, { now: bigint; difficulty: bigint }>();
function nextDifficulty(s: Shard, now: bigint): bigint {
  const tip = s.headerTip;
  const last = difficultyOf.get(tip);
  if (last?.now === now) return last.difficulty;
  const difficulty = nextBlockDifficulty(s.chain.shard, tip, now);
  difficultyOf.set(tip, { now, difficulty });
  return difficulty;
}
// The unconfirmed list is the same object while the tips stand, and so is its coinbase sum.
const coinbaseOf = new WeakMap<readonly MinorBlockHeader[], bigint>();
function unconfirmedCoinbase(config: QuarkChainConfig, s: Shard): bigint {
  const list = unconfirmed(config, s);
  let sum = coinbaseOf.get(list);
  if (sum === undefined) coinbaseOf.set(list, (sum = unconfirmedCoinbaseAmount(list, config.genesisToken)));
  return sum;
}

/** The local shard of an address's full_shard_key (also none for a chain the network lacks). */
function byAddress(shards: Shards, address: Address): Shard | undefined {
  try {
    return shards.get(fullShardIdByFullShardKey(shards.config, address.full_shard_key));
  } catch {
    return undefined;
  }
}

function ecoInfoList(shards: Shards): Response<"GET_ECO_INFO_LIST_REQUEST"> {
  const now = shards.now();
  return {
    error_code: 0,
    // The tip's header, not s.tip.header: the master polls this, and the block is a store lookup.
    eco_info_list: shards.ready().map((s) => ({
      branch: { value: s.fullShardId },
      height: s.headerTip.height + 1n,
      coinbase_amount: nextBlockCoinbaseAmount(s.pool),
      difficulty: nextDifficulty(s, now),
      unconfirmed_headers_coinbase_amount: unconfirmedCoinbase(shards.config, s),
    })),
  };
}

function unconfirmedHeadersList(shards: Shards): Response<"GET_UNCONFIRMED_HEADERS_REQUEST"> {
  return {
    error_code: 0,
    headers_info_list: shards
      .ready()
      .map((s) => ({ branch: { value: s.fullShardId }, header_list: [...unconfirmed(shards.config, s)] })),
  };
}

function getMinorBlock(shards: Shards, req: Request<"GET_MINOR_BLOCK_REQUEST">): Response<"GET_MINOR_BLOCK_REQUEST"> {
  const shard = shards.get(req.branch.value);
  const zeroHash = isZero(req.minor_block_hash);
  const block = shard && (zeroHash ? shard.chain.byHeight(req.height) : shard.byHash(req.minor_block_hash));
  if (!block) return { error_code: 1, minor_block: emptyMinorBlock(), extra_info: null };
  // An extra_info that would take transaction execution to know is left out (README).
  const extra = req.need_extra_info ? poswExtraInfo(shards.config, shard, block) : null;
  return { error_code: 0, minor_block: block, extra_info: extra ?? null };
}

/**
 * Every local shard, whatever the address's full_shard_key. A state that would take
 * transaction execution to know answers error_code 1 with no entries.
 */
function getAccountData(
  shards: Shards,
  req: Request<"GET_ACCOUNT_DATA_REQUEST">,
): Response<"GET_ACCOUNT_DATA_REQUEST"> {
  try {
    return {
      error_code: 0,
      account_branch_data_list: shards
        .ready()
        .map((s) => accountBranchData(shards.config, s, req.address.recipient, req.block_height ?? undefined)),
    };
  } catch (err) {
    if (!(err instanceof StateUnknownError)) throw err;
    return { error_code: 1, account_branch_data_list: [] };
  }
}

function getCode(shards: Shards, req: Request<"GET_CODE_REQUEST">): Response<"GET_CODE_REQUEST"> {
  const shard = byAddress(shards, req.address);
  const state = shard && known(() => stateAfter(shard, req.block_height ?? undefined));
  if (!shard || state === UNKNOWN) return { error_code: 1, result: new Uint8Array(0) };
  return { error_code: 0, result: state ? state.code(req.address.recipient) : new Uint8Array(0) };
}

/**
 * pyquarkchain cannot serialize its failure answer (an empty bytes32) and drops the master
 * link; a zero word with error_code 1 is answered instead.
 */
function getStorage(shards: Shards, req: Request<"GET_STORAGE_REQUEST">): Response<"GET_STORAGE_REQUEST"> {
  const shard = byAddress(shards, req.address);
  const state = shard && known(() => stateAfter(shard, req.block_height ?? undefined));
  if (!state || state === UNKNOWN) return { error_code: 1, result: word(0n) };
  return { error_code: 0, result: state.storageAt(req.address.recipient, req.key) };
}

/**
 * SlaveServer.add_tx: the shard of the sender's from_full_shard_key, then ShardState.add_tx
 * (pool/tx-pool.ts lists the checks). pyquarkchain drops the master link on an undecodable
 * transaction; 1 is answered instead.
 */
function addTransaction(shards: Shards, req: Request<"ADD_TRANSACTION_REQUEST">): Response<"ADD_TRANSACTION_REQUEST"> {
  let shard: Shard | undefined;
  try {
    const evm = decodeEvmTransaction(req.tx.tx.serialized_tx);
    shard = shards.get(fullShardIdByFullShardKey(shards.config, evm.from_full_shard_key));
  } catch {
    return { error_code: 1 };
  }
  return { error_code: shard?.addTx(req.tx) ? 0 : 1 };
}

/** A transaction of a canonical block, or one in the pool (in an empty block, index 0). */
function getTransaction(shards: Shards, req: Request<"GET_TRANSACTION_REQUEST">): Response<"GET_TRANSACTION_REQUEST"> {
  const found = shards.get(req.branch.value)?.transaction(req.tx_hash);
  if (!found) return { error_code: 1, minor_block: emptyMinorBlock(), index: 0 };
  if ("pooled" in found)
    return { error_code: 0, minor_block: { ...emptyMinorBlock(), tx_list: [found.pooled] }, index: 0 };
  return { error_code: 0, minor_block: found.block, index: found.index };
}

/** get_transaction_receipt: the receipt of a transaction or deposit of a canonical executed block. */
function getTransactionReceipt(
  shards: Shards,
  req: Request<"GET_TRANSACTION_RECEIPT_REQUEST">,
): Response<"GET_TRANSACTION_RECEIPT_REQUEST"> {
  const shard = shards.get(req.branch.value);
  const found = shard?.transaction(req.tx_hash);
  const receipt = found && !("pooled" in found) ? blockReceipt(shard!.store, found.block, found.index) : undefined;
  if (!receipt || !found || "pooled" in found)
    return { error_code: 1, minor_block: emptyMinorBlock(), index: 0, receipt: emptyReceipt() };
  return { error_code: 0, minor_block: found.block, index: found.index, receipt };
}

function gasPriceOf(shards: Shards, req: Request<"GAS_PRICE_REQUEST">): Response<"GAS_PRICE_REQUEST"> {
  const shard = shards.get(req.branch.value);
  const price = shard && gasPrice(shards.config, shard, req.token_id);
  return price === undefined ? { error_code: 1, result: 0n } : { error_code: 0, result: price };
}

function getTotalBalance(
  shards: Shards,
  req: Request<"GET_TOTAL_BALANCE_REQUEST">,
): Response<"GET_TOTAL_BALANCE_REQUEST"> {
  const shard = shards.get(req.branch.value);
  try {
    if (!shard) throw new Error("shard is not local");
    const { total, next } = totalBalance(shard, req.minor_block_hash, req.token_id, req.limit, req.start);
    return { error_code: 0, total_balance: total, next };
  } catch {
    return { error_code: 1, total_balance: 0n, next: new Uint8Array(0) }; // any exception, as pyquarkchain
  }
}

/** handle_add_minor_block_request (PROTOCOL.md §5.3): a block mined for this slave's shard. */
async function addMinorBlock(
  shards: Shards,
  req: Request<"ADD_MINOR_BLOCK_REQUEST">,
): Promise<Response<"ADD_MINOR_BLOCK_REQUEST">> {
  let block: MinorBlock;
  try {
    const { value, consumed } = decodePrefix(MinorBlock, req.minor_block_data);
    block = value;
    // Stored and served as received (bytes after the block, which pyquarkchain ignores, left out).
    MinorBlock.remember(block, owned(req.minor_block_data.subarray(0, consumed)));
  } catch {
    return { error_code: EBADMSG };
  }
  const shard = shards.get(block.header.branch.value);
  if (!shard) return { error_code: EBADMSG };
  if (!sameBytes(block.header.hash_prev_minor_block, shard.tipHash)) {
    shards.log.info({ shard: shard.fullShardId, height: block.header.height }, "dropped stale block mined locally");
    return { error_code: 0 };
  }
  recoverSendersAhead(block.tx_list); // on the sender threads while it runs (senders.ts); nothing waits
  try {
    return { error_code: (await shard.addBlock(block)) ? 0 : EFAULT };
  } catch (err) {
    // pyquarkchain lets a propagation failure close the master link; the add is reported failed instead.
    shards.log.error({ shard: shard.fullShardId, err }, "block propagation failed");
    return { error_code: EFAULT };
  }
}

function checkMinorBlock(
  shards: Shards,
  req: Request<"CHECK_MINOR_BLOCK_REQUEST">,
): Response<"CHECK_MINOR_BLOCK_REQUEST"> {
  const shard = shards.get(req.minor_block_header.branch.value);
  return { error_code: shard ? shard.checkBlock(req.minor_block_header) : EBADMSG };
}

/** handle_sync_minor_block_list_request: from the peer's virtual connection on that shard (sync.ts). */
async function syncMinorBlockList(
  shards: Shards,
  req: Request<"SYNC_MINOR_BLOCK_LIST_REQUEST">,
): Promise<Response<"SYNC_MINOR_BLOCK_LIST_REQUEST">> {
  const failed = (error_code: number) => ({ error_code, block_coinbase_map: [], shard_stats: null });
  const shard = shards.get(req.branch.value);
  if (!shard) return failed(EBADMSG);
  const peer = shards.context().peer(req.cluster_peer_id, req.branch.value);
  if (!peer) return failed(EBADMSG);
  if (req.minor_block_hash_list.length === 0) return failed(0);
  return syncFromPeer(shard, peer, req.cluster_peer_id, req.minor_block_hash_list, shards.syncTimeoutMs, shards.log);
}

const UNKNOWN = Symbol("state unknown");
function known<T>(fn: () => T): T | typeof UNKNOWN {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StateUnknownError) return UNKNOWN;
    throw err;
  }
}

/** pyquarkchain's not-found answer: MinorBlock(MinorBlockHeader(), MinorBlockMeta()), 701 bytes. */
export function emptyMinorBlock(): MinorBlock {
  return {
    header: {
      version: 0,
      branch: { value: 1 },
      height: 0n,
      coinbase_address: { recipient: new Uint8Array(20), full_shard_key: 0 },
      coinbase_amount_map: { balance_map: [] },
      hash_prev_minor_block: new Uint8Array(32),
      hash_prev_root_block: new Uint8Array(32),
      evm_gas_limit: 12_000_000n,
      hash_meta: new Uint8Array(32),
      create_time: 0n,
      difficulty: 0n,
      nonce: 0n,
      bloom: 0n,
      extra_data: new Uint8Array(0),
      mixhash: new Uint8Array(32),
    },
    meta: {
      hash_merkle_root: new Uint8Array(32),
      hash_evm_state_root: new Uint8Array(32),
      hash_evm_receipt_root: new Uint8Array(32),
      evm_gas_used: 0n,
      evm_cross_shard_receive_gas_used: 0n,
      xshard_tx_cursor_info: { root_block_height: 0n, minor_block_index: 0n, xshard_deposit_index: 0n },
      evm_xshard_gas_limit: 6_000_000n,
    },
    tx_list: [],
    tracking_data: new Uint8Array(0),
  };
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
