import { keccak_256 } from "@noble/hashes/sha3.js";
import { encode } from "../codec/index.ts";
import type {
  CrossShardTransactionList,
  MinorBlock,
  MinorBlockHeader,
  RootBlockHeader,
  TypedTransaction,
} from "../messages/core.ts";
import { MinorBlockHeader as MinorBlockHeaderCodec } from "../messages/core.ts";
import type { EvmState } from "./state/evm-state.ts";

export function headerHash(header: MinorBlockHeader): Uint8Array {
  return keccak_256(encode(MinorBlockHeaderCodec, header));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/**
 * One shard's blocks in memory: by hash, the canonical chain by height, the tip's EVM
 * state, the root tip it has seen, and cross-shard deposits by source block hash.
 */
export class ShardStore {
  readonly fullShardId: number;
  /** The EVM state after the tip. Blocks are never added here, so it is the genesis state. */
  readonly state: EvmState;
  /** Transactions waiting for a block (pyquarkchain's tx_queue); none are accepted yet. */
  readonly txQueue: readonly TypedTransaction[] = [];
  private readonly blocks = new Map<string, MinorBlock>();
  private readonly canonical: MinorBlock[] = [];
  private readonly xshard = new Map<string, CrossShardTransactionList>();
  rootTip: RootBlockHeader;
  /** Height of the last block a root block has confirmed; -1 until one does. */
  confirmedHeight = -1n;

  constructor(fullShardId: number, genesis: MinorBlock, rootTip: RootBlockHeader, state: EvmState) {
    this.fullShardId = fullShardId;
    this.rootTip = rootTip;
    this.state = state;
    this.blocks.set(hex(headerHash(genesis.header)), genesis);
    this.canonical.push(genesis);
  }

  get tip(): MinorBlock {
    return this.canonical[this.canonical.length - 1]!;
  }

  byHash(hash: Uint8Array): MinorBlock | undefined {
    return this.blocks.get(hex(hash));
  }

  /** The canonical block at `height` (the genesis block need not be at height 0). */
  byHeight(height: bigint): MinorBlock | undefined {
    const index = height - this.canonical[0]!.header.height;
    return index < 0n || index >= BigInt(this.canonical.length) ? undefined : this.canonical[Number(index)];
  }

  /**
   * Canonical headers no root block has confirmed yet, oldest first (the genesis block
   * included), up to `maxBlocks` past the confirmed height (get_unconfirmed_header_list).
   */
  unconfirmedHeaders(maxBlocks: number): MinorBlockHeader[] {
    const last = this.confirmedHeight + BigInt(maxBlocks);
    return this.canonical.map((b) => b.header).filter((h) => h.height > this.confirmedHeight && h.height <= last);
  }

  isCanonical(block: MinorBlock): boolean {
    return this.byHeight(block.header.height) === block;
  }

  addXshardTxList(sourceBlockHash: Uint8Array, list: CrossShardTransactionList): void {
    this.xshard.set(hex(sourceBlockHash), list);
  }

  xshardTxList(sourceBlockHash: Uint8Array): CrossShardTransactionList | undefined {
    return this.xshard.get(hex(sourceBlockHash));
  }
}
