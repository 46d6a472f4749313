/**
 * The chain bench:exec imports, mined in this process by our own backend (ChainBackend over
 * both shards of a 2-chain network, genesis from the bench's cluster config): full blocks of
 * (a) QKC transfers, (b) token-contract transfers, (c) cross-shard deposits. Both slaves under
 * test get the same frames, and pyquarkchain answering error_code 0 to every one is the check
 * that the blocks (state roots, receipts, bloom, coinbase) are right.
 *
 * (c) takes three phases: shard 1 blocks full of transfers to chain 1 (each 30,000 gas), root
 * blocks confirming them, then shard 0x10001 blocks that only run the deposits through the
 * cursor (9,000 gas each, until the 6,000,000 xshard gas limit). Blocks are on root block 1,
 * not the genesis root block: lists of blocks on the genesis root go nowhere (PROTOCOL.md §7.9).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { acceptingContext } from "../../harness/accepting-context.ts";
import { mineBlock, nextRootBlock } from "../../harness/empty-blocks.ts";
import type { PeerHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import type { ChainDb } from "../../src/backend/chain/chain-store.ts";
import { maxBlocksInOneRootBlock } from "../../src/backend/chain/block-rules.ts";
import { BlockRunError } from "../../src/backend/exec/run-block.ts";
import { NetworkGenesis, genesisRootBlock } from "../../src/backend/genesis.ts";
import type { Shard } from "../../src/backend/shard.ts";
import { encode } from "../../src/codec/index.ts";
import { encodeFrame } from "../../src/cluster/frame/format.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import { parseConfigJson } from "../../src/config/json.ts";
import { parseQuarkChainConfig } from "../../src/config/quarkchain-config.ts";
import { tokenIdEncode } from "../../src/config/token.ts";
import { AddMinorBlockRequest, ClusterOp } from "../../src/messages/cluster.ts";
import { MinorBlock, type RootBlock, type RootBlockHeader, type TypedTransaction } from "../../src/messages/core.ts";
import { type Signer, addressOf, signTx, signer } from "../../harness/signers.ts";
import { TOKEN_CODE, balanceSlot, transferCall } from "./token.ts";

export type Workload = "transfer" | "token" | "deposit" | "xshard-send";
export const SHARD0 = 1;
export const SHARD1 = 0x00010001;
const QKC = tokenIdEncode("QKC");
const NETWORK_ID = 3n;
const SENDERS = 64;
const RICH = 10n ** 27n;
export const TOKEN_ADDRESS = addressOf("qkc-bench/token");

/** One step of the script both slaves are driven through. */
export type Step =
  | { kind: "root"; root: RootBlock }
  | {
      kind: "block";
      workload: Workload;
      shard: number;
      frame: Buffer;
      block: MinorBlock;
      /** Imported before the timed blocks, untimed, by every importer alike (ExecChain.warmingUp). */
      warmup?: true;
    };

/** A JSON integer too big for a double: a string marker replaced in the text. */
const big = (n: bigint) => `#${n}`;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const key = (a: Uint8Array, fullShardKey: number) => hex(a) + fullShardKey.toString(16).padStart(8, "0");

/** What each workload's transaction is, from signer `from` and a running index `k`. */
const TX: Record<"transfer" | "token" | "xshard-send", (from: Signer, k: number) => TypedTransaction> = {
  transfer: (from, k) => signTx(from, { ...base, to: addressOf(`qkc-bench/to/${k}`), value: 1n, startgas: 21000n }),
  token: (from, k) =>
    signTx(from, {
      ...base,
      to: TOKEN_ADDRESS,
      value: 0n,
      startgas: 60000n,
      data: transferCall(addressOf(`qkc-bench/holder/${k % 4096}`), 1n),
    }),
  "xshard-send": (from, k) =>
    signTx(from, {
      ...base,
      to: addressOf(`qkc-bench/remote/${k}`),
      to_full_shard_key: 0x00010000,
      value: 1n,
      startgas: 30000n,
    }),
};
const base = {
  gasprice: 1n,
  data: new Uint8Array(0),
  network_id: NETWORK_ID,
  from_full_shard_key: 0,
  to_full_shard_key: 0,
  gas_token_id: QKC,
  transfer_token_id: QKC,
  version: 0n,
};

/** A ChainBackend over both shards whose master accepts every header (no sibling, no peer). */
/** `db`: where the chains are kept (default: in memory). */
export function benchBackend(config: QuarkChainConfig, db?: ChainDb): ChainBackend {
  const log = pino({ level: process.env["BENCH_EXEC_LOG"] ?? "silent" });
  const backend = new ChainBackend({ shards: [SHARD0, SHARD1], genesis: new NetworkGenesis(config), log, db });
  backend.attach(acceptingContext({ target_root_block_time: 60, target_minor_block_time: 1 }));
  return backend;
}

export class ExecChain {
  readonly genesisRoot: RootBlock;
  readonly steps: Step[] = [];
  /**
   * While set, the blocks added are warm-up blocks: a slave that has been running a while has its
   * hot code compiled and its caches filled; a freshly started one spends its first blocks on that.
   */
  warmingUp = false;
  private root: RootBlock;
  private readonly signers: Record<keyof typeof TX, Signer[]>;
  private readonly queues: Record<keyof typeof TX, TypedTransaction[]> = { transfer: [], token: [], "xshard-send": [] };
  private readonly counts: Record<keyof typeof TX, number> = { transfer: 0, token: 0, "xshard-send": 0 };
  /** Shard-0 blocks not yet in a root block (from its genesis block: a root block confirms from height 0). */
  private unconfirmed: MinorBlock[] = [];

  private constructor(
    readonly config: QuarkChainConfig,
    /** The QUARKCHAIN section both slaves are started with (JSON text). */
    readonly quarkchainJson: string,
    private readonly backend: ChainBackend,
    signers: ExecChain["signers"],
  ) {
    this.signers = signers;
    this.genesisRoot = genesisRootBlock(config);
    this.root = this.genesisRoot;
  }

  static async create(): Promise<ExecChain> {
    const signers = {
      transfer: Array.from({ length: SENDERS }, (_, i) => signer("transfer", i)),
      token: Array.from({ length: SENDERS }, (_, i) => signer("token", i)),
      "xshard-send": Array.from({ length: SENDERS }, (_, i) => signer("xshard", i)),
    };
    const alloc: Record<string, unknown> = {};
    for (const s of Object.values(signers).flat()) alloc[key(s.address, 0)] = { QKC: big(RICH) };
    alloc[key(TOKEN_ADDRESS, 0)] = {
      code: hex(TOKEN_CODE),
      storage: Object.fromEntries(
        signers.token.map((s) => [balanceSlot(s.address), "0x" + (10n ** 30n).toString(16).padStart(64, "0")]),
      ),
    };
    const chain = (id: number, alloc: object) => ({
      CHAIN_ID: id,
      SHARD_SIZE: 1,
      CONSENSUS_TYPE: "POW_SIMULATE",
      // One-second minor blocks under one-minute root blocks: a root block may confirm 60 + 3.
      CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 1 },
      POSW_CONFIG: {},
      GENESIS: { ALLOC: alloc },
    });
    const quarkchainJson = {
      CHAIN_SIZE: 2,
      NETWORK_ID: Number(NETWORK_ID),
      ROOT: {
        CONSENSUS_TYPE: "POW_SIMULATE",
        CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 60 },
        GENESIS: {},
        POSW_CONFIG: {},
      },
      CHAINS: [chain(0, alloc), chain(1, {})],
    };
    // Amounts beyond 2^53 are written as plain JSON integers, as pyquarkchain writes them.
    const quarkchainText = JSON.stringify(quarkchainJson).replace(/"#(\d+)"/g, "$1");
    const config = parseQuarkChainConfig(parseConfigJson(quarkchainText));
    const backend = benchBackend(config);
    const self = new ExecChain(config, quarkchainText, backend, signers);
    await backend.createShards(self.genesisRoot);
    self.unconfirmed.push(self.shard(SHARD0).chain.tip);
    await self.addRoot(nextRootBlock(self.genesisRoot));
    return self;
  }

  /** What an honest peer holding this chain answers: the backend's own peer handlers (bench:sync's peer). */
  get peer(): PeerHandlers {
    return this.backend.peer;
  }

  /** The root block the chain's blocks are on. */
  get rootTip(): RootBlockHeader {
    return this.root.header;
  }

  /** The tip of shard `id` as this backend has it. */
  tip(id: number): MinorBlock {
    return this.shard(id).tip;
  }

  private shard(id: number): Shard {
    return this.backend.chain(id)!;
  }

  private async addRoot(root: RootBlock): Promise<void> {
    const added = await this.backend.addRootBlock(root);
    if (added.error_code !== 0) throw new Error(`our backend refused root block ${root.header.height}`);
    this.root = root;
    this.steps.push({ kind: "root", root });
  }

  /**
   * `count` full blocks of a workload (at most `maxTxs` transactions each); for "deposit",
   * the sending blocks and root blocks first, then `count` blocks that receive.
   */
  async add(workload: Workload, count: number, maxTxs = Infinity): Promise<void> {
    if (workload === "deposit") return this.addDeposits(count);
    for (let i = 0; i < count; i++) await this.addFull(workload, maxTxs);
  }

  private async addFull(workload: keyof typeof TX, maxTxs: number): Promise<void> {
    const queue = this.queues[workload];
    const senders = this.signers[workload];
    // Gas allows at most 6,000,000 / 21,000 = 285 transactions a block.
    const want = Math.min(300, maxTxs);
    while (queue.length < want) {
      const k = this.counts[workload]++;
      queue.push(TX[workload](senders[k % senders.length]!, k));
    }
    let txs = queue.slice(0, want);
    const shard = this.shard(SHARD0);
    for (;;) {
      try {
        const block = this.mine(shard, txs);
        queue.splice(0, txs.length);
        await this.addBlock(workload, shard, block);
        this.unconfirmed.push(block);
        return;
      } catch (err) {
        // The first transaction that does not fit (gas): the block is full before it.
        const m = err instanceof BlockRunError ? /^tx (\d+): .*gas/i.exec(err.message) : null;
        if (!m || Number(m[1]) === 0) throw err;
        txs = txs.slice(0, Number(m[1]));
      }
    }
  }

  private async addDeposits(count: number): Promise<void> {
    // Each receiving block takes ceil(6,000,000 / 9,000) = 667 deposits; 200 are sent a block.
    const sending = Math.ceil((count * 667) / 200) + 1;
    for (let i = 0; i < sending; i++) await this.addFull("xshard-send", Infinity);
    await this.confirm();
    const shard = this.shard(SHARD1);
    for (let i = 0; i < count; i++) await this.addBlock("deposit", shard, this.mine(shard, []));
  }

  /** Root blocks confirming every unconfirmed shard-0 block, as many as the cap per root block needs. */
  async confirm(): Promise<void> {
    const cap = maxBlocksInOneRootBlock(this.config, this.config.shards.get(SHARD0)!);
    while (this.unconfirmed.length > 0) {
      const headers = this.unconfirmed.splice(0, cap).map((b) => b.header);
      await this.addRoot({ ...nextRootBlock(this.root), minor_block_header_list: headers });
    }
  }

  private mine(shard: Shard, txs: readonly TypedTransaction[]): MinorBlock {
    const parent = shard.chain.tip;
    // The coinbase must be in the block's shard: chain id in the full shard key's high half.
    const miner = { recipient: addressOf("qkc-bench/miner"), full_shard_key: shard.fullShardId & 0xffff0000 };
    return mineBlock(this.config, shard, parent, this.root.header, parent.header.create_time + 1n, miner, txs);
  }

  private async addBlock(workload: Workload, shard: Shard, block: MinorBlock): Promise<void> {
    if (!(await shard.addBlock(block))) throw new Error(`our backend refused its own ${workload} block`);
    const meta = { branch: 0, clusterPeerId: 0n, op: ClusterOp.ADD_MINOR_BLOCK_REQUEST, rpcId: 1n };
    const frame = encodeFrame("master", meta, AddMinorBlockRequest, { minor_block_data: encode(MinorBlock, block) });
    const step: Step = { kind: "block", workload, shard: shard.fullShardId, frame, block };
    if (this.warmingUp) step.warmup = true;
    this.steps.push(step);
  }

  /** Steps taken since `from`, and forgets them (the RSS run streams its blocks). */
  drain(): Step[] {
    return this.steps.splice(0);
  }
}

/** A cluster config file for slave S0 on `port` serving both shards, with the bench's genesis. */
export function clusterConfigFile(dir: string, chain: ExecChain, port: number, name: string): string {
  const file = join(dir, `${name}.json`);
  const slaves = `[{"ID":"S0","HOST":"127.0.0.1","PORT":${port},"FULL_SHARD_ID_LIST":["0x${SHARD0.toString(16).padStart(8, "0")}","0x${SHARD1.toString(16).padStart(8, "0")}"]}]`;
  writeFileSync(file, `{"QUARKCHAIN":${chain.quarkchainJson},"SLAVE_LIST":${slaves}}`);
  return file;
}
