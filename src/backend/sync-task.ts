import { sameBytes } from "../codec/bytes.ts";
import type { MinorBlock, MinorBlockHeader } from "../messages/core.ts";
import type { MessageOf, ResponseOf } from "../messages/ops.ts";
import type { P2POpDefs } from "../messages/p2p.ts";
import type { QuarkChainConfig } from "../config/cluster-config.ts";
import { prepareEpochs } from "../consensus/seal.ts";
import { recoverSendersAhead } from "../tx/senders.ts";
import type { PeerRpc } from "./api.ts";
import { maxStaleHeightDiff } from "./chain/block-rules.ts";
import { minorBlockHash } from "./chain/hashes.ts";
import { powAlgorithm, validateHeaderSeal } from "./chain/seal-check.ts";
import type { ShardChain } from "./chain/shard-chain.ts";

/** pyquarkchain's constants.py: headers asked per GET_MINOR_BLOCK_HEADER_LIST, blocks per GET_MINOR_BLOCK_LIST. */
export const MINOR_BLOCK_HEADER_LIST_LIMIT = 100;
export const MINOR_BLOCK_BATCH_SIZE = 50;

/** What a sync task needs of its shard (Shard satisfies it): the chain to walk back on and add_block. */
export interface SyncTarget {
  readonly fullShardId: number;
  readonly chain: ShardChain;
  /** Shard.add_block: false when the block is refused. */
  addBlock(block: MinorBlock): Promise<boolean>;
}

/** Why a peer is dropped: the `reason` label of qkc_sync_peers_dropped_total. */
export type SyncFaultKind =
  | "timeout" // a request got no answer within the deadline
  | "no-answer" // the connection failed under the request
  | "no-headers" // an empty header list while the walk back has not reached a known block
  | "too-many-headers" // more headers than asked
  | "unlinked-headers" // a header that is not the parent of the one before it (a cycle is one)
  | "bad-seal" // a header whose seal validate_seal refuses
  | "missing-blocks" // fewer or more blocks than asked
  | "block-mismatch" // a block whose header is not the one asked for
  | "invalid-block"; // a block add_block refuses

/** The peer broke the sync protocol: its PeerConn closes. */
export class SyncFault extends Error {
  override readonly name = "SyncFault";
  constructor(
    readonly kind: SyncFaultKind,
    message: string,
  ) {
    super(message);
  }
}

export interface SyncTaskOptions {
  /** Each request's deadline (pyquarkchain's SYNC_TIMEOUT). */
  timeoutMs: number;
  /** The seal rules and max_stale_minor_block_height_diff (the walk back gives up below tip - that). */
  config: QuarkChainConfig;
  /** Called once per block added. */
  onBlock?: () => void;
}

/** How a task ended without a fault: at the peer's tip, or given up as pyquarkchain gives up (quietly). */
export type SyncOutcome = "synced" | "known" | "stale-fork" | "unknown-root";

/**
 * SyncTask.__run_sync (shard.py): walk the peer's headers back from the announced one to a block
 * this shard has, then download the missing blocks in batches, parents first, adding each
 * through add_block. Every header list must link to the header before it, one height at a
 * time, so the walk is bounded by the announced height (the caller bounds that) and cannot
 * cycle; every block must be the one asked for. Throws SyncFault when the peer is at fault.
 */
export async function runSyncTask(
  target: SyncTarget,
  announced: MinorBlockHeader,
  peer: PeerRpc,
  opts: SyncTaskOptions,
): Promise<{ outcome: SyncOutcome; blocks: number }> {
  const chain = target.chain;
  const has = (hash: Uint8Array) => chain.store.hasMinorBlock(hash);
  const maxStale = maxStaleHeightDiff(opts.config, chain.shard);
  if (has(minorBlockHash(announced))) return { outcome: "known", blocks: 0 };

  // Descending heights, the announced header first.
  const headers: MinorBlockHeader[] = [announced];
  for (let last = announced; !has(last.hash_prev_minor_block); last = headers[headers.length - 1]!) {
    const height = last.height - 1n;
    if (height < 0n) throw new SyncFault("unlinked-headers", "the peer's chain goes below genesis");
    if (maxStale !== undefined && chain.headerTip.height - height > maxStale)
      return { outcome: "stale-fork", blocks: 0 }; // "abort syncing due to forking at very old block"
    if (!chain.rootHeader(last.hash_prev_root_block)) return { outcome: "unknown-root", blocks: 0 };
    const res = await ask(peer, "GET_MINOR_BLOCK_HEADER_LIST_REQUEST", opts.timeoutMs, {
      block_hash: last.hash_prev_minor_block,
      branch: { value: target.fullShardId },
      limit: MINOR_BLOCK_HEADER_LIST_LIMIT,
      direction: 0,
    });
    const list = res.block_header_list;
    if (list.length === 0) throw new SyncFault("no-headers", `no headers from height ${height} down`);
    if (list.length > MINOR_BLOCK_HEADER_LIST_LIMIT)
      throw new SyncFault("too-many-headers", `${list.length} headers, ${MINOR_BLOCK_HEADER_LIST_LIMIT} asked`);
    await validateBlockHeaders(target, opts.config, last, list);
    for (const h of list) {
      if (has(minorBlockHash(h))) break;
      headers.push(h);
    }
  }

  // Ascending heights, in batches of MINOR_BLOCK_BATCH_SIZE. Each batch is asked for while the
  // one before it is added (pyquarkchain asks after): the peer's time and the transfer overlap
  // execution instead of adding to it. A prefetched answer is dropped if the task ends first.
  headers.reverse();
  const batches: Uint8Array[][] = [];
  for (let at = 0; at < headers.length; at += MINOR_BLOCK_BATCH_SIZE)
    batches.push(headers.slice(at, at + MINOR_BLOCK_BATCH_SIZE).map(minorBlockHash));
  const download = (wanted: Uint8Array[]) => {
    const answer = ask(peer, "GET_MINOR_BLOCK_LIST_REQUEST", opts.timeoutMs, { minor_block_hash_list: wanted });
    // Its senders go to the sender threads as it comes, recovered while the batches before it run.
    answer.then(
      (res) => res.minor_block_list.forEach((b) => recoverSendersAhead(b.tx_list)),
      () => undefined,
    );
    return answer;
  };
  let blocks = 0;
  let next = batches.length > 0 ? download(batches[0]!) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const wanted = batches[b]!;
    const res = await next!;
    next = b + 1 < batches.length ? download(batches[b + 1]!) : undefined;
    const got = res.minor_block_list;
    if (got.length !== wanted.length)
      throw new SyncFault("missing-blocks", `asked ${wanted.length} blocks, got ${got.length}`);
    for (let i = 0; i < got.length; i++) {
      const block = got[i]!;
      if (!sameBytes(minorBlockHash(block.header), wanted[i]!))
        throw new SyncFault("block-mismatch", `block ${i} of the batch is not the one asked for`);
      // "Stop if the block depends on an unknown root block": the master's sync brings it.
      if (!chain.rootHeader(block.header.hash_prev_root_block)) return { outcome: "unknown-root", blocks };
      // pyquarkchain goes on after a refused block; a peer serving one is dropped here.
      if (!(await target.addBlock(block)))
        throw new SyncFault("invalid-block", `the block at height ${block.header.height} was refused`);
      blocks++;
      opts.onBlock?.();
    }
  }
  return { outcome: "synced", blocks };
}

/**
 * __validate_block_headers (shard.py) on a downloaded list, descending from `child`'s parent:
 * each header the parent of the one before it, one height down, of this shard; and the seal of
 * each but the last (pyquarkchain checks pairs, header and parent, and seals the header of each
 * pair; the last one's seal is left to add_block). The first header must be `child`'s parent:
 * pyquarkchain does not check that link; without it a peer could splice in another chain.
 * The ethash caches the list's heights need are built on a worker first.
 */
async function validateBlockHeaders(
  target: SyncTarget,
  config: QuarkChainConfig,
  child: MinorBlockHeader,
  list: readonly MinorBlockHeader[],
): Promise<void> {
  const shard = target.chain.shard;
  for (const at of new Set([list[0]!.height, list[list.length - 1]!.height])) {
    const algorithm = powAlgorithm(config, shard, at);
    if (algorithm) await prepareEpochs(algorithm, at);
  }
  // pyquarkchain's order: the link of pair (i, i + 1), then the seal of header i.
  for (let i = 0; i < list.length; i++) {
    const h = list[i]!;
    if (h.height !== child.height - 1n || !sameBytes(minorBlockHash(h), child.hash_prev_minor_block))
      throw new SyncFault("unlinked-headers", `the header at height ${h.height} is not the parent of ${child.height}`);
    if (h.branch.value !== target.fullShardId)
      throw new SyncFault("unlinked-headers", `a header of branch ${h.branch.value}`);
    if (i > 0) {
      try {
        validateHeaderSeal(config, shard, child);
      } catch (err) {
        // "got block with bad seal in sync"
        throw new SyncFault("bad-seal", `the header at height ${child.height}: ${(err as Error).message}`);
      }
    }
    child = h;
  }
}

/** A request to the peer within the deadline; a failure to answer is the peer's fault. */
async function ask<N extends "GET_MINOR_BLOCK_HEADER_LIST_REQUEST" | "GET_MINOR_BLOCK_LIST_REQUEST">(
  peer: PeerRpc,
  name: N,
  timeoutMs: number,
  request: MessageOf<P2POpDefs, N>,
): Promise<ResponseOf<P2POpDefs, N>> {
  try {
    return await peer.call(name, request, { timeoutMs });
  } catch (err) {
    const kind = (err as { kind?: unknown }).kind === "timeout" ? "timeout" : "no-answer";
    throw new SyncFault(kind, `${name}: ${(err as Error).message}`);
  }
}
