/**
 * Where a syncing qkc-slave's CPU goes (bench:sync --profile): the daemon runs under V8's
 * --cpu-prof and each sample is put, by its stack, in one part of the sync: add_block's own
 * work (Shard.addToChain: validate, run, check, store), add_block's propagation (tip, xshard
 * lists, the header to the master, commit), decoding what the peer sent, the sync task itself,
 * the cluster layer (frames, sockets, PeerConn), garbage collection, idle. What is not
 * addToChain is the sync path's own. Samples count from the sync task's first one on.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const PARTS: ReadonlyArray<readonly [string, (stack: ProfileNode[]) => boolean]> = [
  ["garbage collection", (s) => s[0]!.callFrame.functionName === "(garbage collector)"],
  ["idle", (s) => s[0]!.callFrame.functionName === "(idle)"],
  ["add_block: validate, run, check, store", (s) => s.some((n) => n.callFrame.functionName === "addToChain")],
  ["add_block: tip, xshard, header to master, commit", (s) => s.some((n) => isFn(n, "shard.ts", "addBlock"))],
  [
    "decoding the peer's answers",
    (s) =>
      s.some((n) => /\/src\/codec\//.test(n.callFrame.url)) && s.some((n) => /\/src\/cluster\//.test(n.callFrame.url)),
  ],
  ["sync task, synchronizer", (s) => s.some((n) => /\/src\/backend\/sync(-task|hronizer)\.ts/.test(n.callFrame.url))],
  ["cluster layer (frames, sockets, PeerConn)", (s) => s.some((n) => /\/src\/cluster\//.test(n.callFrame.url))],
];
const OTHER = "other (node, tsx, startup)";
const isFn = (n: ProfileNode, file: string, fn: string) =>
  n.callFrame.functionName === fn && n.callFrame.url.endsWith(`/src/backend/${file}`);

/** Share of the samples (in %) and CPU ms of each part, from the one .cpuprofile in `dir`. */
export function syncProfile(dir: string): { parts: Map<string, number>; sampledMs: number } {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const partOf = new Map<number, string>();
  const part = (id: number): string => {
    let p = partOf.get(id);
    if (p) return p;
    const stack: ProfileNode[] = [];
    for (let n = byId.get(id); n; n = parent.get(n.id)) stack.push(n);
    p = PARTS.find(([, test]) => test(stack))?.[0] ?? OTHER;
    partOf.set(id, p);
    return p;
  };
  const ms = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // From the sync task's first sample on: start-up, the root blocks and the handshake are not the sync.
  const inTask = (id: number) => {
    for (let n = byId.get(id); n; n = parent.get(n.id))
      if (/\/src\/backend\/sync-task\.ts/.test(n.callFrame.url)) return true;
    return false;
  };
  let from = samples.findIndex(inTask);
  if (from < 0) from = 0;
  let total = 0;
  for (let i = from; i < samples.length; i++) {
    const d = (deltas[i + 1] ?? 0) / 1000;
    const p = part(samples[i]!);
    ms.set(p, (ms.get(p) ?? 0) + d);
    total += d;
  }
  const parts = new Map<string, number>();
  for (const [name] of [...PARTS, [OTHER] as const]) parts.set(name, ms.get(name) ?? 0);
  return { parts, sampledMs: total };
}
