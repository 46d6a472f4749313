import type { Logger } from "pino";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { TypedTransaction } from "../../messages/core.ts";
import type { EvmTransaction } from "../../tx/transaction.ts";
import type { PeerRpc } from "../api.ts";
import { poolTxRules } from "../exec/tip-state.ts";
import type { Shard } from "../shard.ts";
import { type Draw, createLoadtestTransaction, isCrossShardAt, mathRandom, xshardTargets } from "./loadtest-tx.ts";

/** How a generator paces itself; the defaults are pyquarkchain's. */
export interface GenTxOptions {
  /** Transactions added (and their accepted ones broadcast) before each pause: tx_generator.py's 600. */
  batchSize?: number;
  /** The pause after each batch, ms: random.uniform(8, 12) seconds. */
  pauseMs?: () => number;
  /** How long the generator works before it lets the event loop turn, ms. */
  sliceMs?: number;
  draw?: Draw;
}

/** What a generator reaches besides its shard: the config, the log, the shard's peers now. */
export interface GenTxContext {
  config: QuarkChainConfig;
  log: Logger;
  peers(): Array<{ rpc: PeerRpc }>;
}

const BATCH = 600;
const SLICE_MS = 10;
const pyPause = () => 8000 + Math.random() * 4000;

/**
 * A shard's TransactionGenerator (cluster/tx_generator.py): GEN_TX's transactions from the
 * loadtest accounts (GENESIS_DIR/loadtest.json), one per account at its nonce in the tip's
 * state, until the request's count; each added through Shard.addTx (ShardState.add_tx) and the
 * accepted ones broadcast to the shard's peers per batch of 600 (Shard.add_tx_list), with a
 * pause of 8 to 12 s after each batch, as pyquarkchain's generator yields. One run at a time: a
 * request while one runs is ignored, as generate() answers False.
 *
 * Unlike pyquarkchain's: the signing and adding are cut into slices between turns of the event
 * loop (pyquarkchain's loop is blocked for a whole batch), the cross-shard share is exact and
 * spread (isCrossShardAt), and cross-shard transactions are made (xshardTargets).
 */
export class TransactionGenerator {
  private running = false;
  private readonly batchSize: number;
  private readonly sliceMs: number;
  private readonly pauseMs: () => number;
  private readonly draw: Draw;

  constructor(
    private readonly shard: Shard,
    private readonly ctx: GenTxContext,
    opts: GenTxOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? BATCH;
    this.sliceMs = opts.sliceMs ?? SLICE_MS;
    this.pauseMs = opts.pauseMs ?? pyPause;
    this.draw = opts.draw ?? mathRandom;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** generate(): starts a run unless one is under way; the run's promise, or null when ignored. */
  generate(numTx: number, xShardPercent: number, sample: EvmTransaction): Promise<number> | null {
    if (this.running) return null;
    this.running = true;
    return this.run(numTx, xShardPercent, sample).finally(() => (this.running = false));
  }

  /** The run: how many transactions it made (accepted or not), as pyquarkchain's closing log line counts. */
  private async run(numTx: number, xShardPercent: number, sample: EvmTransaction): Promise<number> {
    const { config, log } = this.ctx;
    const fullShardId = this.shard.fullShardId;
    const accounts = config.loadtestAccounts ?? [];
    log.info({ shard: fullShardId, numTx, xShardPercent }, "start generating transactions");
    const started = performance.now();
    let total = 0;
    let accepted: TypedTransaction[] = [];
    let inBatch = 0;
    let pooled = 0;
    try {
      await turn(); // GEN_TX is answered first, as pyquarkchain's ensure_future runs the generator later
      if (numTx <= 0) return 0;
      let targets = xshardTargets(config, fullShardId, poolTxRules(config, this.shard.chain));
      let tip = this.shard.stateAfterBlock(this.shard.tipHash);
      let sliceStart = performance.now();
      for (const account of accounts) {
        if (!tip) break; // the tip's state is not stored here (a shard closing)
        const shard = { config, fullShardId, accounts, xshardTargets: targets };
        const cross = isCrossShardAt(total, xShardPercent);
        const tx = createLoadtestTransaction(
          shard,
          account,
          tip.nonce(account.address.recipient),
          cross,
          sample,
          this.draw,
        );
        if (!tx) continue;
        total++;
        inBatch++;
        if (this.shard.addTx(tx)) {
          accepted.push(tx);
          pooled++;
        }
        const batchDone = inBatch >= this.batchSize || total >= numTx;
        if (batchDone) {
          this.broadcast(accepted);
          accepted = [];
          inBatch = 0;
          await pause(this.pauseMs());
        } else if (performance.now() - sliceStart >= this.sliceMs) {
          await turn();
        } else {
          continue;
        }
        if (total >= numTx) break;
        // The event loop turned: blocks or root blocks may have moved the tip meanwhile.
        sliceStart = performance.now();
        tip = this.shard.stateAfterBlock(this.shard.tipHash);
        if (batchDone) targets = xshardTargets(config, fullShardId, poolTxRules(config, this.shard.chain));
      }
      this.broadcast(accepted);
    } catch (err) {
      log.error({ shard: fullShardId, err }, "generating transactions failed");
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    log.info({ shard: fullShardId, total, pooled, seconds }, "generated transactions");
    return total;
  }

  /** Shard.broadcast_tx_list: NEW_TRANSACTION_LIST to every peer of the shard. */
  private broadcast(txs: TypedTransaction[]): void {
    if (txs.length === 0) return;
    for (const p of this.ctx.peers()) p.rpc.send("NEW_TRANSACTION_LIST", { transaction_list: txs });
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => (ms <= 0 ? turn() : new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
