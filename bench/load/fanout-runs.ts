/**
 * The fan-out workload's runs: count-bounded (blocks are used up), sized from a warm-up,
 * each checked against what the sibling stand-ins and the master received.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ClusterOp } from "../../src/messages/cluster.ts";
import type { LoadSpec } from "./conn.ts";
import type { FanoutChain, PyBlockOne } from "./fanout-chain.ts";
import { FANOUT_NETWORK, FanoutSession } from "./fanout.ts";
import { RUNS, RUN_MS } from "./knobs.ts";
import { type Kind, type Results, type RunFigures, figuresOf, medians, runOnce } from "./measure.ts";
import { SIBLINGS } from "./session.ts";
import { type Interop, REPO, type Target, interopEnv } from "./targets.ts";
import { W } from "./workloads.ts";

export const FANOUT_WINDOWS = [1, W];
const FANOUT_WARMUP_BLOCKS = 200;

/**
 * The xshard fan-out on a fresh slave of the 4-chain network, at each window: count-bounded
 * runs sized from the warm-up, each checked against what the siblings and the master got.
 */
export async function benchFanout(
  kind: Kind,
  target: Target,
  chain: FanoutChain,
  results: Results,
): Promise<FanoutSession> {
  const s = await FanoutSession.open(target, chain);
  const mine = figuresOf(kind, results);
  process.stdout.write(`  ${target.name} as shard 1 of ${FANOUT_NETWORK.chainSize} chains (pid ${target.pid}):`);
  try {
    for (const window of FANOUT_WINDOWS) {
      const w = { key: `fanout${window}`, framesPerUnit: 1 };
      const run = async (units: number): Promise<RunFigures> => {
        const before = s.delivered();
        const spec: LoadSpec = {
          unit: s.blocks(units), // mined now if need be, before the run's clock starts
          rpcIdAt: s.master.rpcIdAt,
          responseOp: ClusterOp.ADD_MINOR_BLOCK_RESPONSE,
          window,
          errorCode: true,
          payloadBytes: 4, // AddMinorBlockResponse: error_code
        };
        const figures = await runOnce(target, [{ conn: s.master, spec }], w, { units });
        const after = s.delivered();
        const lists = after.lists - before.lists;
        const headers = after.headers - before.headers;
        const problems = s.problems();
        if (lists !== SIBLINGS * units || headers !== units || problems.length > 0)
          throw new Error(
            `${target.name} ${w.key}: ${units} blocks answered, but the siblings got ${lists} xshard lists ` +
              `and the master ${headers} headers (want ${SIBLINGS * units} and ${units}) ${problems.join("; ")}`,
          );
        return figures;
      };
      const warm = await run(Math.max(FANOUT_WARMUP_BLOCKS, 4 * window));
      const units = Math.max(4 * window, Math.round((warm.rate * RUN_MS) / 1000));
      const runs: RunFigures[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await run(units));
      mine.set(w.key, medians(runs));
      process.stdout.write(` ${w.key} (${units} blocks a run)`);
    }
  } finally {
    process.stdout.write("\n");
  }
  return s;
}

/** Block 1 of the fan-out chain from pyquarkchain (fanout-block1.py through the interop env). */
export function pyBlockOne(interop: Interop): PyBlockOne {
  const script = join(REPO, "bench", "load", "fanout-block1.py");
  return (req) => {
    const out = execFileSync("bash", [interop.runSh, script], {
      input: JSON.stringify(req),
      env: interopEnv(interop),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "ignore"],
    });
    return JSON.parse(out) as ReturnType<PyBlockOne>;
  };
}
