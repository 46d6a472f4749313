/**
 * Where importing a block goes: the bench's blocks imported in this process by a fresh
 * ChainBackend (decode the ADD_MINOR_BLOCK payload, Shard.addBlock: validate, run, check,
 * store), under V8's sampling profiler, one profile per workload. Each sample's self time is
 * put in the bucket of the file it ran in.
 */
import { Session } from "node:inspector/promises";
import { decode } from "../../src/codec/index.ts";
import { AddMinorBlockRequest } from "../../src/messages/cluster.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { type ExecChain, type Step, type Workload, benchBackend, SHARD0 } from "./chain.ts";
import { headerSize } from "../../src/cluster/frame/format.ts";

/** Buckets in print order; a frame's URL (or name) picks the first that matches. */
export const BUCKETS: ReadonlyArray<readonly [string, RegExp]> = [
  ["signature recovery", /secp256k1|@noble\/curves/],
  ["hashing (keccak)", /keccak|hash-wasm|@noble\/hashes|^wasm:/],
  ["interpreter (EVM)", /\/src\/evm\//],
  ["trie", /\/src\/backend\/state\/trie\//],
  ["state (accounts, journal)", /\/src\/backend\/state\//],
  ["store (chain store, kv, lmdb)", /chain-store|\/kv\.ts|lmdb|ordered-binary|msgpackr/],
  ["encoding (codec, RLP)", /\/src\/codec\/|\/src\/tx\/|account-rlp/],
  ["execution (tx rules, receipts, cursor)", /\/src\/backend\/exec\//],
  ["chain (validate, indexes)", /\/src\/backend\//],
  ["garbage collection", /^\(garbage collector\)$/],
];
const OTHER = "other (node, tsx, idle)";

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

/** Self time per bucket, in % of all samples. */
function buckets(profile: { nodes: ProfileNode[]; samples?: number[] }): Map<string, number> {
  const bucketOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const key = n.callFrame.url || n.callFrame.functionName;
    bucketOf.set(n.id, BUCKETS.find(([, re]) => re.test(key))?.[0] ?? OTHER);
  }
  const counts = new Map<string, number>();
  const samples = profile.samples ?? [];
  for (const id of samples) counts.set(bucketOf.get(id)!, (counts.get(bucketOf.get(id)!) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const [name] of [...BUCKETS, [OTHER]])
    out.set(name!, (100 * (counts.get(name!) ?? 0)) / Math.max(1, samples.length));
  return out;
}

/** The budget of each workload's blocks, imported in script order (roots and other blocks unprofiled). */
export async function profileImport(
  chain: ExecChain,
  steps: readonly Step[],
): Promise<Map<Workload, { ms: number; pct: Map<string, number> }>> {
  const backend = benchBackend(chain.config);
  await backend.createShards(chain.genesisRoot);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  const out = new Map<Workload, { ms: number; pct: Map<string, number> }>();
  let i = 0;
  while (i < steps.length) {
    const step = steps[i]!;
    if (step.kind === "root") {
      if ((await backend.addRootBlock(step.root)).error_code !== 0) throw new Error("profile: root block refused");
      i++;
      continue;
    }
    const run: Extract<Step, { kind: "block" }>[] = [];
    for (let s = steps[i]; s?.kind === "block" && s.workload === step.workload; s = steps[++i]) run.push(s);
    const profiled = step.workload !== "xshard-send";
    if (profiled) await session.post("Profiler.start");
    const t0 = performance.now();
    for (const b of run) {
      const payload = b.frame.subarray(headerSize("master"));
      const req = decode(AddMinorBlockRequest, payload);
      const block = decode(MinorBlock, req.minor_block_data);
      const shard = backend.chain(block.header.branch.value) ?? backend.chain(SHARD0)!;
      if (!(await shard.addBlock(block))) throw new Error(`profile: ${b.workload} block refused`);
    }
    const ms = performance.now() - t0;
    if (profiled) {
      const { profile } = await session.post("Profiler.stop");
      out.set(step.workload, { ms, pct: buckets(profile as unknown as { nodes: ProfileNode[]; samples: number[] }) });
    }
  }
  session.disconnect();
  await backend.close();
  return out;
}
