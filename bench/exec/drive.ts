/**
 * Drives one slave through the bench's script as its master over TCP: PING with the genesis
 * root block (the slave creates both shards), then each step in order: ADD_ROOT_BLOCK, or a
 * run of ADD_MINOR_BLOCK_REQUESTs one at a time (a master sends a shard's blocks in order),
 * each answer required to be error_code 0. The blocks of each run are timed together.
 */
import { performance } from "node:perf_hooks";
import { AddRootBlockRequest, ClusterOp, Ping } from "../../src/messages/cluster.ts";
import { BenchConn, MASTER_CONNECT_RETRY_MS, Sampler, sample } from "../load/conn.ts";
import { cpuSeconds } from "../load/proc.ts";
import { SLAVE_ID, type Target } from "../load/targets.ts";
import type { ExecChain, Step, Workload } from "./chain.ts";

export type BlockStep = Extract<Step, { kind: "block" }>;

export interface Timed {
  blocks: number;
  txs: number;
  /** Wall time, from the first block sent to the last answer. */
  ms: number;
  /** The slave process's CPU time (user + system) meanwhile: steadier than wall time on a busy machine. */
  cpuMs: number;
}

/** The master's first word to a slave: PING with the genesis root block (it creates its shards); PONG must name the slave. */
export async function pingAsMaster(conn: BenchConn, target: Target, chain: ExecChain): Promise<void> {
  const pong = await sample(conn, "cluster", ClusterOp.PING, Ping, {
    id: new Uint8Array(0),
    full_shard_id_list: [],
    root_tip: chain.genesisRoot,
  });
  const id = Buffer.from((pong.value as { id: Uint8Array }).id).toString("latin1");
  if (id !== SLAVE_ID) throw new Error(`${target.name}: PONG id ${id}`);
}

export class Driver {
  private constructor(
    readonly target: Target,
    readonly conn: BenchConn,
  ) {}

  static async open(target: Target, chain: ExecChain): Promise<Driver> {
    const conn = await BenchConn.connect(target.port, "master", MASTER_CONNECT_RETRY_MS);
    await pingAsMaster(conn, target, chain);
    return new Driver(target, conn);
  }

  /**
   * Runs `steps`; the time of each workload's blocks (its runs added up). Throws on any refusal.
   * `around` is called just before and just after each timed run, while the slave is idle: the
   * bench measures the ideal importer there, at the machine's speed of the moment.
   */
  async run(
    steps: readonly Step[],
    hooks: {
      onBlock?: (n: number) => void;
      around?: (run: readonly BlockStep[], when: "before" | "after") => void;
    } = {},
  ): Promise<Map<Workload, Timed>> {
    const { onBlock, around } = hooks;
    const timed = new Map<Workload, Timed>();
    let i = 0;
    let done = 0;
    while (i < steps.length) {
      const step = steps[i]!;
      if (step.kind === "root") {
        await sample(this.conn, "cluster", ClusterOp.ADD_ROOT_BLOCK_REQUEST, AddRootBlockRequest, {
          root_block: step.root,
          expect_switch: false,
        }).catch((err: Error) => {
          throw new Error(`${this.target.name} refused root block ${step.root.header.height}: ${err.message}`);
        });
        i++;
        continue;
      }
      let end = i;
      const run: BlockStep[] = [];
      const same = (s: Step | undefined): s is BlockStep =>
        s?.kind === "block" && s.workload === step.workload && s.warmup === step.warmup;
      for (let s = steps[end]; same(s); s = steps[++end]) run.push(s);
      if (step.warmup) {
        await this.blocks(run); // answered like any other, untimed
        done += run.length;
        onBlock?.(done);
        i = end;
        continue;
      }
      around?.(run, "before");
      const cpu0 = cpuSeconds(this.target.pid);
      const ms = await this.blocks(run);
      const cpu1 = cpuSeconds(this.target.pid);
      around?.(run, "after");
      const t = timed.get(step.workload) ?? { blocks: 0, txs: 0, ms: 0, cpuMs: 0 };
      t.blocks += run.length;
      t.ms += ms;
      t.cpuMs += cpu0 === undefined || cpu1 === undefined ? NaN : (cpu1 - cpu0) * 1000;
      // (c)'s blocks carry deposits, not transactions: count what the cursor ran.
      for (const b of run) t.txs += step.workload === "deposit" ? depositCount(b.block) : b.block.tx_list.length;
      timed.set(step.workload, t);
      done += run.length;
      onBlock?.(done);
      i = end;
    }
    return timed;
  }

  /** The blocks one after another (each sent once the last is answered); milliseconds. */
  private async blocks(run: readonly BlockStep[]): Promise<number> {
    let k = 0;
    const sampler = new Sampler(run.length);
    const t0 = performance.now();
    await this.conn.load(
      {
        unit: { next: () => run[k++]?.frame },
        rpcIdAt: this.conn.rpcIdAt,
        responseOp: ClusterOp.ADD_MINOR_BLOCK_RESPONSE,
        window: 1,
        errorCode: true,
        payloadBytes: 4,
      },
      sampler,
      { units: run.length },
    );
    const ms = performance.now() - t0;
    if (sampler.errors.length || sampler.completed !== run.length) {
      const first = run[0]!.block.header;
      throw new Error(
        `${this.target.name} refused ${run[0]!.workload} blocks (shard ${first.branch.value}, from height ${first.height}): ` +
          `${sampler.errors.join("; ") || `${sampler.completed} of ${run.length} answered`}`,
      );
    }
    return ms;
  }

  close(): void {
    this.conn.close();
  }
}

/** The deposits a receiving block ran: its xshard receive gas over 9,000 (each is charged that). */
function depositCount(block: { meta: { evm_cross_shard_receive_gas_used: bigint } }): number {
  return Number(block.meta.evm_cross_shard_receive_gas_used / 9000n);
}
