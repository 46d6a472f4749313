import { keccak_256 } from "@noble/hashes/sha3.js";
import { encode } from "../codec/index.ts";
import type { CrossShardTransactionList, MinorBlock, MinorBlockHeader, RootBlockHeader } from "../messages/core.ts";
import { MinorBlockHeader as MinorBlockHeaderCodec } from "../messages/core.ts";

export function headerHash(header: MinorBlockHeader): Uint8Array {
  return keccak_256(encode(MinorBlockHeaderCodec, header));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/**
 * One shard's blocks in memory: by hash, the canonical chain by height, the root
 * tip it has seen, and cross-shard deposits by source block hash.
 */
export class ShardStore {
  readonly fullShardId: number;
  private readonly blocks = new Map<string, MinorBlock>();
  private readonly canonical: MinorBlock[] = [];
  private readonly xshard = new Map<string, CrossShardTransactionList>();
  rootTip: RootBlockHeader;
  /** Height of the last block a root block has confirmed; -1 until one does. */
  confirmedHeight = -1n;

  constructor(fullShardId: number, genesis: MinorBlock, rootTip: RootBlockHeader) {
    this.fullShardId = fullShardId;
    this.rootTip = rootTip;
    this.blocks.set(hex(headerHash(genesis.header)), genesis);
    this.canonical.push(genesis);
  }

  get tip(): MinorBlock {
    return this.canonical[this.canonical.length - 1]!;
  }

  byHash(hash: Uint8Array): MinorBlock | undefined {
    return this.blocks.get(hex(hash));
  }

  byHeight(height: bigint): MinorBlock | undefined {
    return height < 0n || height >= BigInt(this.canonical.length) ? undefined : this.canonical[Number(height)];
  }

  /** Canonical headers no root block has confirmed yet, oldest first (the genesis block included). */
  unconfirmedHeaders(): MinorBlockHeader[] {
    return this.canonical.slice(Number(this.confirmedHeight + 1n)).map((b) => b.header);
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
