import type { Logger } from "pino";
import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../../config/cluster-config.ts";
import type { ClusterMessage, ClusterOpDefs } from "../../messages/cluster.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import type { BackendOp } from "../api.ts";
import { getLogs } from "../exec/logs.ts";
import type { Shard } from "../shard.ts";
import { type HistoryPage, HistoryIndexError, allTransactions, transactionsByAddress } from "../transaction-history.ts";

/** What these handlers see of the backend (handlers/master.ts's Shards has it). */
export interface HistoryShards {
  readonly config: QuarkChainConfig;
  readonly log: Logger;
  get(fullShardId: number): Shard | undefined;
}

type Request<N extends BackendOp> = ClusterMessage<N>;
type Response<N extends BackendOp> = ResponseOf<ClusterOpDefs, N>;

const EMPTY = new Uint8Array(0);
const FAILED = { error_code: 1, tx_list: [], next: EMPTY };

/**
 * handle_get_logs -> SlaveServer.get_logs -> ShardState.get_logs (exec/logs.ts): error_code 1
 * with no logs for a shard that is not local, addresses of another shard, an end block above
 * the tip, or a filter that times out.
 */
export function getLog(shards: HistoryShards, req: Request<"GET_LOG_REQUEST">): Response<"GET_LOG_REQUEST"> {
  const shard = shards.get(req.branch.value);
  if (!shard) return { error_code: 1, logs: [] };
  let missingAt: bigint | undefined;
  const logs = getLogs(
    shards.config,
    shard.fullShardId,
    shard.store,
    { addresses: req.addresses, topics: req.topics, startBlock: req.start_block, endBlock: req.end_block },
    Date.now,
    (height) => (missingAt = height),
  );
  if (missingAt !== undefined)
    shards.log.debug({ shard: shard.fullShardId, height: missingAt }, "GET_LOG: the range starts below the chain");
  if (typeof logs === "string") {
    shards.log.debug({ shard: shard.fullShardId, reason: logs }, "GET_LOG refused");
    return { error_code: 1, logs: [] };
  }
  return { error_code: 0, logs };
}

/**
 * handle_get_transaction_list_by_address_request: the shard of the address's full_shard_key
 * (none, or a chain the network lacks: error_code 1), then ShardState's answer. History off:
 * error_code 0 with an empty page, as pyquarkchain answers.
 */
export function getTransactionListByAddress(
  shards: HistoryShards,
  req: Request<"GET_TRANSACTION_LIST_BY_ADDRESS_REQUEST">,
): Response<"GET_TRANSACTION_LIST_BY_ADDRESS_REQUEST"> {
  let shard: Shard | undefined;
  try {
    shard = shards.get(fullShardIdByFullShardKey(shards.config, req.address.full_shard_key));
  } catch {
    shard = undefined; // pyquarkchain raises and drops the master link; 1 is answered instead
  }
  if (!shard) return FAILED;
  const s = shard;
  return page(shards.log, s.fullShardId, () =>
    transactionsByAddress(s, req.address, req.transfer_token_id, req.start, req.limit),
  );
}

/** handle_get_all_transaction_request: the branch's shard (not local: error_code 1), then ShardState's answer. */
export function getAllTransactions(
  shards: HistoryShards,
  req: Request<"GET_ALL_TRANSACTIONS_REQUEST">,
): Response<"GET_ALL_TRANSACTIONS_REQUEST"> {
  const shard = shards.get(req.branch.value);
  if (!shard) return FAILED;
  return page(shards.log, shard.fullShardId, () => allTransactions(shard, req.start, req.limit));
}

/** An index that names what the store lacks makes pyquarkchain raise (the link drops); 1 is answered, logged once. */
function page(log: Logger, fullShardId: number, read: () => HistoryPage) {
  try {
    const { txList, next } = read();
    return { error_code: 0, tx_list: txList, next };
  } catch (err) {
    if (!(err instanceof HistoryIndexError)) throw err;
    log.error({ shard: fullShardId, reason: err.message }, "transaction history index inconsistent");
    return FAILED;
  }
}
