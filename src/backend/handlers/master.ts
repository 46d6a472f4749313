import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import { fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import { decodeEvmTransaction } from "../../tx/transaction.ts";
import type { Address, MinorBlock, MinorBlockHeader } from "../../messages/core.ts";
import type { MasterHandlers } from "../api.ts";
import {
  accountBranchData,
  gasPrice,
  maxBlocksInOneRootBlock,
  nextBlockCoinbaseAmount,
  nextBlockDifficulty,
  poswExtraInfo,
  stateAfter,
  totalBalance,
  unconfirmedCoinbaseAmount,
} from "../shard-queries.ts";
import { type ShardChain, StateUnknownError } from "../chain/shard-chain.ts";
import { word } from "../exec/derive/account.ts";

/** What the master handlers see of the backend. */
export interface LocalShards {
  readonly config: QuarkChainConfig;
  /** Initialized local shards, in network config order. */
  ready(): readonly ShardChain[];
  /** The initialized local shard with this full shard id. */
  get(fullShardId: number): ShardChain | undefined;
  /** Unix time in seconds. */
  now(): bigint;
}

/**
 * The master requests answered from each shard's chain and genesis state, as pyquarkchain's
 * MasterConnection / SlaveServer handlers answer them (quarkchain/cluster/slave.py). A shard
 * that is not local gets that handler's error answer: error_code 1 with empty values.
 */
export function masterHandlers(shards: LocalShards): MasterHandlers {
  const { config } = shards;
  const maxUnconfirmed = new Map<number, number>(); // by full shard id: fixed by the config
  const unconfirmed = (s: ShardChain) => {
    let max = maxUnconfirmed.get(s.fullShardId);
    if (max === undefined) maxUnconfirmed.set(s.fullShardId, (max = maxBlocksInOneRootBlock(config, s.shard)));
    return s.unconfirmedHeaders(max);
  };
  // The next difficulty follows from the tip and the clock's second: kept for that second.
  const difficultyOf = new WeakMap<MinorBlockHeader, { now: bigint; difficulty: bigint }>();
  const nextDifficulty = (s: ShardChain, now: bigint) => {
    const tip = s.headerTip;
    const last = difficultyOf.get(tip);
    if (last?.now === now) return last.difficulty;
    const difficulty = nextBlockDifficulty(s.shard, tip, now);
    difficultyOf.set(tip, { now, difficulty });
    return difficulty;
  };
  // The list above is the same object while the tips stand, and so is its coinbase sum.
  const coinbaseOf = new WeakMap<readonly MinorBlockHeader[], bigint>();
  const unconfirmedCoinbase = (s: ShardChain) => {
    const list = unconfirmed(s);
    let sum = coinbaseOf.get(list);
    if (sum === undefined) coinbaseOf.set(list, (sum = unconfirmedCoinbaseAmount(list, config.genesisToken)));
    return sum;
  };
  /** The local shard of an address's full_shard_key (also none for a chain the network lacks). */
  const byAddress = (address: Address) => {
    try {
      return shards.get(fullShardIdByFullShardKey(config, address.full_shard_key));
    } catch {
      return undefined;
    }
  };

  return {
    GET_ECO_INFO_LIST_REQUEST: () => {
      const now = shards.now();
      return {
        error_code: 0,
        // The tip's header, not s.tip.header: the master polls this, and the block is a store lookup.
        eco_info_list: shards.ready().map((s) => ({
          branch: { value: s.fullShardId },
          height: s.headerTip.height + 1n,
          coinbase_amount: nextBlockCoinbaseAmount(s.pool),
          difficulty: nextDifficulty(s, now),
          unconfirmed_headers_coinbase_amount: unconfirmedCoinbase(s),
        })),
      };
    },
    GET_UNCONFIRMED_HEADERS_REQUEST: async () => ({
      error_code: 0,
      headers_info_list: shards
        .ready()
        .map((s) => ({ branch: { value: s.fullShardId }, header_list: [...unconfirmed(s)] })),
    }),
    GET_MINOR_BLOCK_REQUEST: async (req) => {
      const store = shards.get(req.branch.value);
      const zeroHash = isZero(req.minor_block_hash);
      const block = store && (zeroHash ? store.byHeight(req.height) : store.byHash(req.minor_block_hash));
      if (!block) return { error_code: 1, minor_block: emptyMinorBlock(), extra_info: null };
      // An extra_info that would take transaction execution to know is left out (README).
      const extra = req.need_extra_info ? poswExtraInfo(config, store, block) : null;
      return { error_code: 0, minor_block: block, extra_info: extra ?? null };
    },
    // Every local shard, whatever the address's full_shard_key. A state that would take
    // transaction execution to know answers error_code 1 with no entries.
    GET_ACCOUNT_DATA_REQUEST: async (req) => {
      try {
        return {
          error_code: 0,
          account_branch_data_list: shards
            .ready()
            .map((s) => accountBranchData(config, s, req.address.recipient, req.block_height ?? undefined)),
        };
      } catch (err) {
        if (!(err instanceof StateUnknownError)) throw err;
        return { error_code: 1, account_branch_data_list: [] };
      }
    },
    GET_CODE_REQUEST: async (req) => {
      const store = byAddress(req.address);
      const state = store && known(() => stateAfter(store, req.block_height ?? undefined));
      if (!store || state === UNKNOWN) return { error_code: 1, result: new Uint8Array(0) };
      return { error_code: 0, result: state ? state.code(req.address.recipient) : new Uint8Array(0) };
    },
    // pyquarkchain cannot serialize its failure answer (an empty bytes32) and drops the master
    // link; a zero word with error_code 1 is answered instead.
    GET_STORAGE_REQUEST: async (req) => {
      const store = byAddress(req.address);
      const state = store && known(() => stateAfter(store, req.block_height ?? undefined));
      if (!state || state === UNKNOWN) return { error_code: 1, result: word(0n) };
      return { error_code: 0, result: state.storageAt(req.address.recipient, req.key) };
    },
    // SlaveServer.add_tx: the shard of the sender's from_full_shard_key, then ShardState.add_tx
    // (tx-pool.ts lists the checks). pyquarkchain drops the master link on an undecodable
    // transaction; 1 is answered instead.
    ADD_TRANSACTION_REQUEST: async (req) => {
      let shard: ShardChain | undefined;
      try {
        const evm = decodeEvmTransaction(req.tx.tx.serialized_tx);
        shard = shards.get(fullShardIdByFullShardKey(config, evm.from_full_shard_key));
      } catch {
        return { error_code: 1 };
      }
      return { error_code: shard?.addTx(req.tx) ? 0 : 1 };
    },
    // A transaction of a canonical block, or one in the pool (in an empty block, index 0).
    GET_TRANSACTION_REQUEST: async (req) => {
      const found = shards.get(req.branch.value)?.transaction(req.tx_hash);
      if (!found) return { error_code: 1, minor_block: emptyMinorBlock(), index: 0 };
      if ("pooled" in found)
        return { error_code: 0, minor_block: { ...emptyMinorBlock(), tx_list: [found.pooled] }, index: 0 };
      return { error_code: 0, minor_block: found.block, index: found.index };
    },
    GAS_PRICE_REQUEST: async (req) => {
      const store = shards.get(req.branch.value);
      const price = store && gasPrice(config, store, req.token_id);
      return price === undefined ? { error_code: 1, result: 0n } : { error_code: 0, result: price };
    },
    GET_TOTAL_BALANCE_REQUEST: async (req) => {
      const store = shards.get(req.branch.value);
      try {
        if (!store) throw new Error("shard is not local");
        const { total, next } = totalBalance(store, req.minor_block_hash, req.token_id, req.limit, req.start);
        return { error_code: 0, total_balance: total, next };
      } catch {
        return { error_code: 1, total_balance: 0n, next: new Uint8Array(0) }; // any exception, as pyquarkchain
      }
    },
  };
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
