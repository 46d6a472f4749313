import { type QuarkChainConfig, fullShardIdByFullShardKey } from "../config/cluster-config.ts";
import type { AddXshardTxListRequest } from "../messages/cluster.ts";
import type { CrossShardTransactionDeposit } from "../messages/core.ts";
import type { SlaveContext } from "./api.ts";
import { xshardTargets } from "./chain/block-rules.ts";
import type { ShardChain } from "./chain/shard-chain.ts";

/** What the fan-out needs of the shard's surroundings (ShardDeps). */
export interface FanoutDeps {
  readonly config: QuarkChainConfig;
  /** The cluster: the sibling links. */
  context: () => SlaveContext;
  /** Another local shard, if it is ready: its lists are stored directly. */
  local: (fullShardId: number) => { readonly chain: Pick<ShardChain, "addXshardTxList"> } | undefined;
}

/** One added block's part of the fan-out: its hash, its root block's height, the deposits it sends. */
export interface FanoutBlock {
  readonly hash: Uint8Array;
  readonly rootHeight: number;
  readonly deposits: readonly CrossShardTransactionDeposit[];
}

/**
 * broadcast_xshard_tx_list / batch_broadcast_xshard_tx_list (PROTOCOL.md §7.9): each target of
 * `fromShard` gets the deposits of the block bound for it (possibly none); local targets store
 * the list, every sibling link serving a target gets ADD_XSHARD_TX_LIST (one per block) or one
 * BATCH_ADD_XSHARD_TX_LIST; any failure throws.
 */
export async function broadcastXshard(
  deps: FanoutDeps,
  fromShard: number,
  blocks: readonly FanoutBlock[],
  batch: boolean,
): Promise<void> {
  const perTarget = new Map<number, AddXshardTxListRequest[]>();
  // get_full_shard_id_by_full_shard_key of the deposit's recipient: the shard its list goes to.
  const targetOf = (d: CrossShardTransactionDeposit) =>
    fullShardIdByFullShardKey(deps.config, d.to_address.full_shard_key);
  for (const { hash, rootHeight, deposits } of blocks) {
    for (const target of xshardTargets(deps.config, fromShard, rootHeight)) {
      let list = perTarget.get(target);
      if (!list) perTarget.set(target, (list = []));
      const tx_list = deposits.filter((d) => targetOf(d) === target);
      list.push({ branch: { value: target }, minor_block_hash: hash, tx_list: { tx_list, version: 1 } });
    }
  }
  if (perTarget.size === 0) return;
  for (const [target, requests] of perTarget) {
    const local = deps.local(target);
    if (local) for (const r of requests) local.chain.addXshardTxList(r.minor_block_hash, r.tx_list);
  }
  const ctx = deps.context();
  const failures = batch
    ? (await Promise.all([...perTarget].map(([t, requests]) => ctx.sendXshardTxListBatch(t, requests)))).flat()
    : await ctx.sendXshardTxLists([...perTarget.values()].flat());
  // A shard no sibling link serves gets nothing, as in pyquarkchain (it has no connection to write to).
  const real = failures.filter((f) => f.slave !== "-");
  if (real.length > 0) {
    throw new Error(
      `xshard lists not delivered: ${real.map((f) => `${f.slave}/${f.fullShardId}: ${f.error}`).join("; ")}`,
    );
  }
}
