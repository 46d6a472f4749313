/**
 * The chain the fan-out workload submits: valid empty blocks of shard 1 on a network of
 * FANOUT_CHAINS chains x 1 shard, each on the one before, mined in this process by our own
 * backend (so the state roots are ours: both slaves must agree with them) and kept as
 * ADD_MINOR_BLOCK_REQUEST frames of the master link (the rpc id is patched per send).
 *
 * The blocks are on root block 1, not the genesis root block: a slave sends a block's
 * xshard lists only to shards initialized *before* its prev root block (GENESIS.ROOT_HEIGHT
 * < prev_root_height, PROTOCOL.md §7.9), so blocks on the genesis root fan out to nobody.
 * Block 1 carries root block 1's coinbase deposit, whose receipt only pyquarkchain can make:
 * given `pyBlockOne` (fanout-block1.py), block 1 is pyquarkchain's, valid for both slaves;
 * without it, ours, which only qkc-slave accepts (it checks no receipt root).
 */
import { pino } from "pino";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis, genesisRootBlock, minorBlockHash, rootBlockHash } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { configForShards } from "../../src/config/quarkchain-config.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import { AddMinorBlockRequest, ClusterOp } from "../../src/messages/cluster.ts";
import { MinorBlock, RootBlock } from "../../src/messages/core.ts";
import { mineEmpty, nextRootBlock } from "../../harness/empty-blocks.ts";
import { acceptingContext } from "../../harness/accepting-context.ts";
import { encodeFrame } from "../../src/cluster/frame/format.ts";

export const FANOUT_CHAINS = 4;
/** The shard the slave under test serves: chain 0's only shard. */
export const SOURCE_SHARD = 1;

/** What fanout-block1.py is given and answers (hex bytes). */
export interface BlockOneRequest {
  chain_size: number;
  root1: string;
  miner: string;
  create_time: number;
}
export type PyBlockOne = (req: BlockOneRequest) => { genesis_root_hash: string; block: string };

export class FanoutChain {
  readonly config: QuarkChainConfig = configForShards(FANOUT_CHAINS, 1);
  readonly genesisRoot: RootBlock = genesisRootBlock(this.config);
  readonly root: RootBlock = nextRootBlock(this.genesisRoot);
  /** ADD_MINOR_BLOCK_REQUEST frames of blocks 1, 2, ... (rpc id patched per send). */
  readonly frames: Buffer[] = [];
  private readonly miner = { recipient: new Uint8Array(20).fill(0x42), full_shard_key: 0 };

  /** Whether block 1 is pyquarkchain's (else the chain is valid for qkc-slave only). */
  pyBlockOne = false;

  private constructor(private readonly chain: Shard) {}

  static async create(pyBlockOne?: PyBlockOne): Promise<FanoutChain> {
    const config = configForShards(FANOUT_CHAINS, 1);
    const backend = new ChainBackend({
      shards: [SOURCE_SHARD],
      genesis: new NetworkGenesis(config),
      log: pino({ level: "silent" }),
    });
    const genesis = genesisRootBlock(config);
    backend.attach(acceptingContext());
    await backend.createShards(genesis);
    const self = new FanoutChain(backend.chain(SOURCE_SHARD)!);
    const added = await backend.addRootBlock(self.root);
    if (added.error_code !== 0) throw new Error("our own backend refused root block 1");
    if (pyBlockOne) self.addPyBlockOne(pyBlockOne);
    return self;
  }

  private addPyBlockOne(make: PyBlockOne): void {
    const parent = this.chain.tip.header;
    const answer = make({
      chain_size: FANOUT_CHAINS,
      root1: Buffer.from(encode(RootBlock, this.root)).toString("hex"),
      miner: Buffer.from(this.miner.recipient).toString("hex"),
      create_time: Number(parent.create_time + 1n),
    });
    const ours = Buffer.from(rootBlockHash(this.genesisRoot.header)).toString("hex");
    if (answer.genesis_root_hash !== ours) throw new Error("pyquarkchain's genesis root block is not ours");
    const block = decode(MinorBlock, Buffer.from(answer.block, "hex"));
    const refused = this.chain.addToChain(block, { refuseTooOld: true });
    if (refused !== undefined) throw new Error(`block 1 refused: ${refused}`);
    if (!this.chain.tryStateAfter(minorBlockHash(block.header))) throw new Error("no state after block 1");
    this.frames.push(this.frame(block));
    this.pyBlockOne = true;
  }

  /** Mines until `count` blocks are ready (between runs: mining is not free). */
  ensure(count: number): void {
    while (this.frames.length < count) {
      const parent = this.chain.tip;
      // One second apart: create_time must grow, and stays in the past for any run length.
      const block = mineEmpty(
        this.config,
        this.chain,
        parent,
        this.root.header,
        parent.header.create_time + 1n,
        this.miner,
      );
      const refused = this.chain.addToChain(block, { refuseTooOld: true });
      if (refused !== undefined) throw new Error(`mined block refused: ${refused}`);
      this.frames.push(this.frame(block));
    }
  }

  private frame(block: MinorBlock): Buffer {
    const req = { minor_block_data: encode(MinorBlock, block) };
    const meta = { branch: 0, clusterPeerId: 0n, op: ClusterOp.ADD_MINOR_BLOCK_REQUEST, rpcId: 1n };
    return encodeFrame("master", meta, AddMinorBlockRequest, req);
  }
}
