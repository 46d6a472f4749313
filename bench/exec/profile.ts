/**
 * Where importing a block goes: the bench's blocks imported in this process by a fresh
 * ChainBackend (decode the ADD_MINOR_BLOCK payload, Shard.addBlock: validate, run, check,
 * store), under V8's sampling profiler, one profile per workload. Each sample's self time is
 * put in the bucket of the file it ran in.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "node:inspector/promises";
import { decode } from "../../src/codec/index.ts";
import { AddMinorBlockRequest } from "../../src/messages/cluster.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { type ExecChain, type Step, type Workload, benchBackend, SHARD0 } from "./chain.ts";
import { ChainDb } from "../../src/backend/chain/chain-store.ts";
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

/** The `n` functions with the most self time, in % of all samples (--profile-top). */
export function topFunctions(profile: { nodes: ProfileNode[]; samples?: number[] }, n: number): string[] {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node);
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*\/(src|node_modules)\//, "$1/")}`;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const caller = parent.get(node.id);
    const native = !node.callFrame.url && !/^\(/.test(node.callFrame.functionName) && caller;
    nameOf.set(node.id, native ? `${label(node).trim()} (native) < ${label(caller)}` : label(node));
  }
  const counts = new Map<string, number>();
  for (const id of profile.samples ?? []) counts.set(nameOf.get(id)!, (counts.get(nameOf.get(id)!) ?? 0) + 1);
  const total = Math.max(1, profile.samples?.length ?? 0);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${name}`);
}

/** Self time per bucket, in % of all samples. */
function buckets(profile: { nodes: ProfileNode[]; samples?: number[] }): Map<string, number> {
  // Native code (the libsecp256k1 addon, Buffer's hex) has no URL: it counts for its nearest JS caller.
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const bucketOf = new Map<number, string>();
  for (const n of profile.nodes) {
    let at: ProfileNode | undefined = n;
    while (at && !at.callFrame.url && !/^\(/.test(at.callFrame.functionName)) at = parent.get(at.id);
    const key = at ? at.callFrame.url || at.callFrame.functionName : "";
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

interface HeapNode {
  callFrame: { url: string; functionName: string };
  selfSize: number;
  children: HeapNode[];
}

/**
 * The `n` allocation sites that allocated the most bytes (--alloc-top), in % of all sampled bytes,
 * garbage included: what the scavenger pays for. From V8's sampling heap profiler.
 */
export function topAllocations(root: HeapNode, n: number): string[] {
  const bytes = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, caller: string): void => {
    const f = node.callFrame;
    const file = f.url.replace(/^.*\/(src|node_modules)\//, "$1/");
    const here = f.url ? `${f.functionName || "(anonymous)"} ${file}` : "";
    // Native frames (Buffer.alloc, new Uint8Array) are named after their JS caller.
    const name = here || `${f.functionName || "(native)"} < ${caller}`;
    if (node.selfSize) {
      bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children) walk(c, here || caller);
  };
  walk(root, "(root)");
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, b]) => `${((100 * b) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${name}`);
}

export interface ImportProfileOptions {
  /** LMDB here (--db-path); else the in-memory store. */
  dbPath?: string;
  /** Each workload's .cpuprofile written here (--profile-dir), for prof tools and DevTools. */
  profileDir?: string;
  /** Sample allocations instead of CPU time (--alloc-top): `top` then lists allocation sites. */
  allocations?: boolean;
}

/** The budget of each workload's blocks, imported in script order (roots and other blocks unprofiled). */
export async function profileImport(
  chain: ExecChain,
  steps: readonly Step[],
  { dbPath, profileDir, allocations = false }: ImportProfileOptions = {},
): Promise<Map<Workload, { ms: number; cpuMs: number; pct: Map<string, number>; top: string[] }>> {
  const backend = benchBackend(chain.config, dbPath === undefined ? undefined : ChainDb.open(dbPath));
  await backend.createShards(chain.genesisRoot);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  if (allocations) await session.post("HeapProfiler.enable");
  const out = new Map<Workload, { ms: number; cpuMs: number; pct: Map<string, number>; top: string[] }>();
  let i = 0;
  while (i < steps.length) {
    const step = steps[i]!;
    if (step.kind === "root") {
      if ((await backend.addRootBlock(step.root)).error_code !== 0) throw new Error("profile: root block refused");
      i++;
      continue;
    }
    const run: Extract<Step, { kind: "block" }>[] = [];
    for (
      let s = steps[i];
      s?.kind === "block" && s.workload === step.workload && s.warmup === step.warmup;
      s = steps[++i]
    )
      run.push(s);
    // The warm-up blocks run unprofiled (they compile the hot code), as in the timed import.
    const profiled = step.workload !== "xshard-send" && !step.warmup;
    if (profiled && allocations)
      await session.post("HeapProfiler.startSampling", {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    else if (profiled) await session.post("Profiler.start");
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const b of run) {
      const payload = b.frame.subarray(headerSize("master"));
      const req = decode(AddMinorBlockRequest, payload);
      const block = decode(MinorBlock, req.minor_block_data);
      const shard = backend.chain(block.header.branch.value) ?? backend.chain(SHARD0)!;
      if (!(await shard.addBlock(block))) throw new Error(`profile: ${b.workload} block refused`);
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (profiled && allocations) {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      const root = (profile as unknown as { head: HeapNode }).head;
      if (profileDir) writeFileSync(join(profileDir, `${step.workload}.heapprofile`), JSON.stringify(profile));
      out.set(step.workload, { ms, cpuMs, pct: new Map(), top: topAllocations(root, 25) });
    } else if (profiled) {
      const { profile } = await session.post("Profiler.stop");
      if (profileDir) writeFileSync(join(profileDir, `${step.workload}.cpuprofile`), JSON.stringify(profile));
      const p = profile as unknown as { nodes: ProfileNode[]; samples: number[] };
      out.set(step.workload, { ms, cpuMs, pct: buckets(p), top: topFunctions(p, 15) });
    }
  }
  session.disconnect();
  await backend.close();
  return out;
}
