import type { CrossShardTransactionDeposit, RootBlock, XshardTxCursorInfo } from "../../messages/core.ts";
import { rootBlockHash, minorBlockHash } from "../chain/hashes.ts";

/** What the cursor reads from the shard's db (ShardDbOperator) and asks of the shard. */
export interface CursorSource {
  rootBlock(hash: Uint8Array): RootBlock | undefined;
  /** get_minor_block_xshard_tx_list(hash).tx_list, undefined when none is stored. */
  xshardTxList(minorBlockHash: Uint8Array): readonly CrossShardTransactionDeposit[] | undefined;
  /** ShardState._is_neighbor(branch, root_height). */
  isNeighbor(fullShardId: number, rootHeight: number): boolean;
  /** Branch.is_in_branch for this shard. */
  isInBranch(fullShardKey: number): boolean;
  readonly fullShardId: number;
  /** get_genesis_root_height(full_shard_id). */
  readonly genesisRootHeight: number;
  readonly genesisToken: bigint;
}

/** A cursor that no stored block could have: the chain's records are inconsistent (pyquarkchain's check()). */
export class CursorError extends Error {
  override readonly name = "CursorError";
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new CursorError(`xshard cursor: ${what}`);
}

/**
 * shard_state.py:XshardTxCursor, the walk over the cross-shard deposits a block receives:
 * (root_block_height, minor_block_index, deposit_index), where (x, 0, 0) is EOF, (x, 0, 1) the
 * root block's coinbase deposit and (x, y > 0, z) deposit z of the y-th minor header's list.
 * It resumes at the parent's cursor and walks the root chain up to `maxRoot`.
 */
export class XshardTxCursor {
  private rblock: RootBlock | undefined;
  private mblockIndex: number;
  private depositIndex: number;
  private xtxList: readonly CrossShardTransactionDeposit[] | undefined;

  constructor(
    private readonly src: CursorSource,
    private readonly maxRoot: RootBlock,
    parentCursor: XshardTxCursorInfo,
  ) {
    const header = this.rootOnChain(Number(parentCursor.root_block_height));
    this.mblockIndex = Number(parentCursor.minor_block_index);
    this.depositIndex = Number(parentCursor.xshard_deposit_index);
    this.rblock = header;
    if (header && this.mblockIndex !== 0) {
      const m = header.minor_block_header_list[this.mblockIndex - 1];
      check(m !== undefined, "minor block index past the root block's headers");
      const list = src.xshardTxList(minorBlockHash(m!));
      check(list !== undefined, "the resumed minor block has no xshard list");
      this.xtxList = list;
    }
  }

  /** get_root_block_header_by_height(max_rblock_hash, height): the root block at that height on maxRoot's chain. */
  private rootOnChain(height: number): RootBlock | undefined {
    let at: RootBlock | undefined = this.maxRoot;
    if (height > at.header.height) return undefined;
    while (at && at.header.height > height) at = this.src.rootBlock(at.header.hash_prev_block);
    check(at !== undefined, `root block ${height} missing on the chain`);
    return at;
  }

  private current(): CrossShardTransactionDeposit | undefined {
    const rblock = this.rblock!;
    if (this.mblockIndex === 0) {
      check(this.depositIndex === 1 || this.depositIndex === 2, "bad root coinbase deposit index");
      if (this.depositIndex !== 1) return undefined;
      const coinbase = rblock.header.coinbase_address;
      let value = 0n;
      if (this.src.isInBranch(coinbase.full_shard_key)) {
        const hit = rblock.header.coinbase_amount_map.balance_map.find(([t]) => t === this.src.genesisToken);
        value = hit ? hit[1] : 0n;
      }
      return {
        tx_hash: rootBlockHash(rblock.header),
        from_address: coinbase,
        to_address: coinbase,
        value,
        gas_price: 0n,
        gas_token_id: this.src.genesisToken,
        transfer_token_id: this.src.genesisToken,
        gas_remained: 0n,
        message_data: new Uint8Array(0),
        create_contract: false,
        is_from_root_chain: true,
        refund_rate: 100,
      };
    }
    return this.depositIndex < this.xtxList!.length ? this.xtxList![this.depositIndex] : undefined;
  }

  /** The root block of the deposit get_next returned last (its height picks the gas rule). */
  get rootHeight(): number {
    return this.rblock!.header.height;
  }

  /** get_next_tx: the next deposit, or undefined at EOF. */
  next(): CrossShardTransactionDeposit | undefined {
    if (!this.rblock) return undefined;
    this.depositIndex++;
    const tx = this.current();
    if (tx) return tx;
    this.mblockIndex++;
    this.depositIndex = 0;
    const rblock = this.rblock;
    const headers = rblock.minor_block_header_list;
    while (this.mblockIndex <= headers.length) {
      const m = headers[this.mblockIndex - 1]!;
      // not a neighbour, or this shard itself: nothing to receive
      if (!this.src.isNeighbor(m.branch.value, rblock.header.height) || m.branch.value === this.src.fullShardId) {
        check(this.depositIndex === 0, "deposit index in a skipped block");
        this.mblockIndex++;
        continue;
      }
      // a neighbour may send only once its block is past this shard's genesis root height
      const prevRoot = this.src.rootBlock(m.hash_prev_root_block);
      check(prevRoot !== undefined, "a minor header's previous root block is missing");
      const hash = minorBlockHash(m);
      if (prevRoot!.header.height <= this.src.genesisRootHeight) {
        check(this.depositIndex === 0, "deposit index in a skipped block");
        check(this.src.xshardTxList(hash) === undefined, "an xshard list from before this shard's genesis");
        this.mblockIndex++;
        continue;
      }
      const list = this.src.xshardTxList(hash);
      check(list !== undefined, "a neighbour's xshard list is missing");
      this.xtxList = list;
      const deposit = this.current();
      if (deposit) return deposit;
      check(this.depositIndex === 0, "deposit index past an empty list");
      this.mblockIndex++;
    }
    // the next root block, whose coinbase deposit always exists; EOF past maxRoot
    const nextRoot = this.rootOnChain(rblock.header.height + 1);
    if (!nextRoot) {
      this.rblock = undefined;
      this.mblockIndex = 0;
      this.depositIndex = 0;
      return undefined;
    }
    this.rblock = nextRoot;
    this.mblockIndex = 0;
    this.depositIndex = 1;
    return this.current();
  }

  /** get_cursor_info. */
  info(): XshardTxCursorInfo {
    return {
      root_block_height: BigInt(this.rblock ? this.rblock.header.height : this.maxRoot.header.height + 1),
      minor_block_index: BigInt(this.mblockIndex),
      xshard_deposit_index: BigInt(this.depositIndex),
    };
  }
}
