import type { Logger } from "pino";
import type { QuarkChainConfig } from "../../config/cluster-config.ts";
import type { ClusterMessage, ClusterOpDefs } from "../../messages/cluster.ts";
import type { ResponseOf } from "../../messages/ops.ts";
import { decodeEvmTransaction, type EvmTransaction } from "../../tx/transaction.ts";
import type { BackendOp, SlaveContext } from "../api.ts";
import { type GenTxOptions, TransactionGenerator } from "../gen-tx/tx-generator.ts";
import type { Shard } from "../shard.ts";

/** What GEN_TX sees of the backend (handlers/master.ts's Shards has it). */
export interface GenTxShards {
  readonly config: QuarkChainConfig;
  readonly log: Logger;
  /** The generators' pacing (pyquarkchain's by default). */
  readonly genTx?: GenTxOptions;
  ready(): readonly Shard[];
  context(): SlaveContext;
}

type Request<N extends BackendOp> = ClusterMessage<N>;
type Response<N extends BackendOp> = ResponseOf<ClusterOpDefs, N>;

/** Each shard's generator (Shard.tx_generator), made on its first GEN_TX. */
const generators = new WeakMap<Shard, TransactionGenerator>();

/** The shard's generator, once a GEN_TX has reached it (what tools and tests watch). */
export function generatorOf(shard: Shard): TransactionGenerator | undefined {
  return generators.get(shard);
}

/**
 * handle_gen_tx_request -> SlaveServer.create_transactions: every initialized local shard's
 * generator starts a run (one already running ignores it) and the answer is error_code 0 at
 * once; the runs go on in the background (gen-tx/tx-generator.ts). A sample transaction that
 * does not decode starts nothing (pyquarkchain's run logs the error and ends) and is answered 0 too.
 */
export function genTx(shards: GenTxShards, req: Request<"GEN_TX_REQUEST">): Response<"GEN_TX_REQUEST"> {
  let sample: EvmTransaction;
  try {
    sample = decodeEvmTransaction(req.tx.tx.serialized_tx);
  } catch (err) {
    shards.log.warn({ reason: (err as Error).message }, "GEN_TX: the sample transaction does not decode");
    return { error_code: 0 };
  }
  for (const shard of shards.ready()) {
    let generator = generators.get(shard);
    if (!generator) {
      const peers = () => shards.context().peers(shard.fullShardId);
      generator = new TransactionGenerator(shard, { config: shards.config, log: shards.log, peers }, shards.genTx);
      generators.set(shard, generator);
    }
    void generator.generate(req.num_tx_per_shard, req.x_shard_percent, sample);
  }
  return { error_code: 0 };
}
