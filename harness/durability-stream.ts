import { ChainBackend } from "../src/backend/chain-backend.ts";
import { NetworkGenesis, minorBlockHash } from "../src/backend/genesis.ts";
import type { Shard } from "../src/backend/shard.ts";
import { encode } from "../src/codec/index.ts";
import { type QuarkChainConfig, loadQuarkChainConfig } from "../src/config/quarkchain-config.ts";
import {
  AccountBranchData,
  type GetAccountDataRequest,
  type GetAccountDataResponse,
  GetTransactionReceiptResponse,
} from "../src/messages/cluster.ts";
import {
  type Address,
  MinorBlock,
  type RootBlock,
  type TypedTransaction,
  typedTransactionHash as minorBlockTxHash,
} from "../src/messages/core.ts";
import { maxBlocksInOneRootBlock } from "../src/backend/chain/block-rules.ts";
import { acceptingContext } from "./accepting-context.ts";
import { mineBlock, nextRootBlock } from "./empty-blocks.ts";
import { addressOf, qkcTx, signedTx } from "./exec-env.ts";
import type { Mulberry32 } from "./random.ts";
import { pino } from "pino";
import { WorldState } from "../src/backend/state/world-state.ts";

/*
 * The block stream the durability runs feed a slave: root blocks and minor blocks of two shards
 * of one chain, blocks with signed transfers (in-shard and cross-shard, whose deposits the other
 * shard's later blocks receive), each made and accepted by an in-process ChainBackend, the model:
 * what it answered after each block is what the slave must answer once that block is its tip.
 */

/** Shard 0 and 1 of chain 0 (full shard ids 2 and 3): the sender's funds are on SHARD_A. */
export const SHARD_A = 2;
export const SHARD_B = 3;
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const SENDER = addressOf(KEY);

/** The network (a chain of two shards, the sender funded on the first) and the one slave serving both. */
export function networkJson(): string {
  return JSON.stringify({
    CHAIN_SIZE: 1,
    NETWORK_ID: 3,
    MIN_TX_POOL_GAS_PRICE: 2,
    MIN_MINING_GAS_PRICE: 2,
    ROOT: { CONSENSUS_TYPE: "POW_SIMULATE", CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 10 }, GENESIS: {}, POSW_CONFIG: {} },
    CHAINS: [
      {
        CHAIN_ID: 0,
        SHARD_SIZE: 2,
        CONSENSUS_TYPE: "POW_SIMULATE",
        CONSENSUS_CONFIG: { TARGET_BLOCK_TIME: 3 },
        POSW_CONFIG: {},
        GENESIS: { ALLOC: { [Buffer.from(SENDER).toString("hex") + "00000000"]: { QKC: 1e20 } } },
      },
    ],
  });
}

export function clusterConfigJson(): string {
  return JSON.stringify({
    QUARKCHAIN: JSON.parse(networkJson()) as unknown,
    SLAVE_LIST: [{ ID: "S0", HOST: "127.0.0.1", PORT: 0, FULL_SHARD_ID_LIST: ["0x2", "0x3"] }],
  });
}

export type Step =
  | { kind: "root"; root: RootBlock; index: number }
  | { kind: "minor"; block: MinorBlock; hash: Uint8Array; shard: number; index: number };

/** What the model answered with a minor block as its shard's tip. */
export interface Expected {
  /** encode(AccountBranchData) of each tracked address on the block's shard, by hex recipient. */
  accounts: Map<string, string>;
}

export interface Stream {
  config: QuarkChainConfig;
  genesisRoot: RootBlock;
  steps: Step[];
  /** Per shard: the blocks by height (genesis at 0), the one chain the stream builds. */
  chains: Map<number, MinorBlock[]>;
  /** By hex block hash. */
  expected: Map<string, Expected>;
  /** encode(GetTransactionReceiptResponse) by hex tx hash. */
  receipts: Map<string, string>;
  /** Everyone whose account is checked: the sender, the recipients, the miners. */
  addresses: Address[];
  /** The model's shards (its store holds the records each block must have on disk). */
  model: ChainBackend;
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The model's cluster: the master accepts every header; xshard lists go to the local shards directly. */
const modelContext = acceptingContext();

/**
 * `minorBlocks` minor blocks (about three of SHARD_A to one of SHARD_B), a root block confirming
 * what came before first and every few of them after; each SHARD_A block carries 0-3 transfers from the sender,
 * a third of them to SHARD_B.
 */
export async function buildStream(rng: Mulberry32, minorBlocks: number): Promise<Stream> {
  const config = loadQuarkChainConfig(networkJson());
  const genesis = new NetworkGenesis(config);
  const model = new ChainBackend({
    shards: [SHARD_A, SHARD_B],
    genesis,
    log: pino({ level: process.env["DUR_LOG"] ?? "silent" }),
  });
  model.attach(modelContext);
  const genesisRoot = genesis.rootBlock();
  await model.createShards(genesisRoot);
  const shardOf = (id: number): Shard => model.chain(id)!;
  const recipients: Address[] = [0, 1, 2, 3].map((i) => ({
    recipient: Uint8Array.from({ length: 20 }, () => rng.u32() & 0xff),
    full_shard_key: i % 2,
  }));
  const miners: Address[] = [SHARD_A, SHARD_B].map((s) => ({
    recipient: new Uint8Array(20).fill(s),
    full_shard_key: s - SHARD_A,
  }));
  const addresses = [{ recipient: SENDER, full_shard_key: 0 }, ...recipients, ...miners];
  const stream: Stream = {
    config,
    genesisRoot,
    steps: [],
    chains: new Map([SHARD_A, SHARD_B].map((s) => [s, [shardOf(s).tip]])),
    expected: new Map(),
    receipts: new Map(),
    addresses,
    model,
  };
  let root = genesisRoot;
  let clock = genesisRoot.header.create_time;
  let nonce = 0n;
  // The first root block after the genesis root confirms the genesis blocks first.
  const unconfirmed = new Map([SHARD_A, SHARD_B].map((s) => [s, [shardOf(s).tip]]));
  const push = (step: Step) => stream.steps.push(step);

  for (let made = 0; made < minorBlocks; made++) {
    // The first root block comes first: a master back at the genesis root starts shards over (README).
    // A root block confirms at most so many blocks of a shard: one comes before a shard has more.
    const full = [...unconfirmed].some(
      ([s, list]) => list.length >= maxBlocksInOneRootBlock(config, shardOf(s).chain.shard),
    );
    if (made === 0 || full || rng.u32() % 4 === 0) {
      const next = nextRootBlock(root);
      next.header.create_time = clock += 1n;
      next.minor_block_header_list = [SHARD_A, SHARD_B].flatMap((s) => unconfirmed.get(s)!.map((b) => b.header));
      for (const list of unconfirmed.values()) list.length = 0;
      const res = await model.addRootBlock(next);
      if (res.error_code !== 0) throw new Error(`the model refused root block ${next.header.height}`);
      push({ kind: "root", root: next, index: stream.steps.length });
      root = next;
    }
    const shardId = rng.u32() % 4 === 0 ? SHARD_B : SHARD_A;
    const shard = shardOf(shardId);
    const txs: TypedTransaction[] = [];
    if (shardId === SHARD_A) {
      for (let i = rng.u32() % 4; i > 0; i--) {
        // Cross-shard only once the root block the block is on has both shards initialized before it.
        const to = rng.pick(root.header.height > 0 ? recipients : recipients.filter((r) => r.full_shard_key === 0));
        const tx = qkcTx({
          nonce: nonce++,
          gasprice: 2n,
          startgas: 30000n,
          to: to.recipient,
          value: BigInt(1 + (rng.u32() % 1_000_000)) * 10n ** 9n,
          to_full_shard_key: to.full_shard_key,
        });
        txs.push(signedTx(tx, KEY));
      }
    }
    const parent = shard.tip;
    clock = (clock > parent.header.create_time ? clock : parent.header.create_time) + 3n;
    const block = mineBlock(config, shard, parent, root.header, clock, miners[shardId - SHARD_A]!, txs);
    const res = await model.master.ADD_MINOR_BLOCK_REQUEST!({ minor_block_data: encode(MinorBlock, block) });
    const hash = minorBlockHash(block.header);
    if (res.error_code !== 0 || !sameHash(shard.tipHash, hash)) throw new Error(`the model refused block ${made}`);
    push({ kind: "minor", block, hash, shard: shardId, index: stream.steps.length });
    stream.chains.get(shardId)!.push(block);
    unconfirmed.get(shardId)!.push(block);
    stream.expected.set(hexOf(hash), { accounts: await accountsAt(model, shardId, addresses) });
    for (const tx of txs) {
      const txHash = minorBlockTxHash(tx);
      const receipt = await model.master.GET_TRANSACTION_RECEIPT_REQUEST!({
        tx_hash: txHash,
        branch: { value: shardId },
      });
      if (receipt.error_code !== 0) throw new Error("the model has no receipt for its own transaction");
      stream.receipts.set(hexOf(txHash), hexOf(encode(GetTransactionReceiptResponse, receipt)));
    }
  }
  return stream;
}

const sameHash = (a: Uint8Array, b: Uint8Array) => hexOf(a) === hexOf(b);

/**
 * A new block of `shard` on `parent` (a block of the stream) and the root block `root`, made by the
 * model as the stream's are: on SHARD_A a transfer from the sender (its nonce read from the parent's
 * state) to a recipient of the other shard once `root` is past genesis, else of its own.
 */
export function blockOn(stream: Stream, shard: number, parent: MinorBlock, root: RootBlock): MinorBlock {
  const chain = stream.model.chain(shard)!;
  const txs: TypedTransaction[] = [];
  if (shard === SHARD_A) {
    const nonce = WorldState.open(chain.store.stateKv, parent.meta.hash_evm_state_root).getNonce(SENDER);
    const to = stream.addresses.find((a, i) => i > 0 && a.full_shard_key === (root.header.height > 0 ? 1 : 0))!;
    const tx = qkcTx({
      nonce,
      gasprice: 2n,
      startgas: 30000n,
      to: to.recipient,
      value: 10n ** 9n,
      to_full_shard_key: to.full_shard_key,
    });
    txs.push(signedTx(tx, KEY));
  }
  const after =
    parent.header.create_time > root.header.create_time ? parent.header.create_time : root.header.create_time;
  // Another miner than the stream's: else the block may be the stream's own, stored and above the tip.
  const miner = { recipient: new Uint8Array(20).fill(0xee), full_shard_key: shard - SHARD_A };
  return mineBlock(stream.config, chain, parent, root.header, after + 3n, miner, txs);
}

/** The model's GET_ACCOUNT_DATA (at its tip) for each address, the entry of `shard`. */
async function accountsAt(model: ChainBackend, shard: number, addresses: Address[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const address of addresses)
    out.set(
      hexOf(address.recipient),
      await accountEntry((req) => model.master.GET_ACCOUNT_DATA_REQUEST!(req), shard, address),
    );
  return out;
}

/** One address's AccountBranchData on `shard`, encoded, as a master handler table answers it. */
export async function accountEntry(
  ask: (req: GetAccountDataRequest) => GetAccountDataResponse | Promise<GetAccountDataResponse>,
  shard: number,
  address: Address,
): Promise<string> {
  const res = await ask({ address, block_height: null });
  const entry = res.account_branch_data_list.find((d) => d.branch.value === shard);
  if (res.error_code !== 0 || !entry) throw new Error(`no account data on shard ${shard}`);
  return hexOf(encode(AccountBranchData, entry));
}
