/**
 * What keeps a heap snapshot's objects alive, by their shortest path from the GC roots.
 *
 *   node --max-old-space-size=12000 --import tsx scripts/heap-retainers.ts SNAP [--from ID] [--to ID]
 *        [--top N] [--depth D] [--maxid]
 *
 * Heap object ids grow over a process's life, so with two earlier snapshots of the same process
 * (`--heapsnapshot-signal=SIGUSR2`, then `kill -USR2`), `--from A --to B` (each one's `--maxid`)
 * picks the objects first seen in the second that are still alive in SNAP: a cache bounded by N
 * blocks has dropped what it took N blocks ago, so what is still there is kept for good. Counted by
 * type, then by path (the last D holders, stopping at the first one older than `--from`). This is
 * how issue 17 found the decoded root blocks keeping every confirmed header (README, RSS).
 * `--maxid` prints the end of the ids' dense sequence (a few embedder nodes carry ids far past it).
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const file = args[0];
if (file === undefined || file.startsWith("--")) {
  console.error("usage: heap-retainers.ts SNAP [--from ID] [--to ID] [--top N] [--depth D] [--maxid]");
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
const { meta } = snap.snapshot;
const { nodes, edges, strings } = snap;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const field = (list: string[], name: string) => list.indexOf(name);
const [nType, nName, nId, nSize, nEdges] = ["type", "name", "id", "self_size", "edge_count"].map((f) =>
  field(meta.node_fields, f),
) as [number, number, number, number, number];
const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) => field(meta.edge_fields, f)) as [
  number,
  number,
  number,
];
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const N = nodes.length / NF;
const at = (i: number, f: number) => nodes[i * NF + f]!;
const nameOf = (i: number) => strings[at(i, nName)]!;

if (args.includes("--maxid")) {
  // The heap's ids run in one dense sequence; a few embedder and native nodes carry ids far past it.
  const ids = Float64Array.from({ length: N }, (_, i) => at(i, nId)).sort();
  let k = 0;
  while (k + 1 < N && ids[k + 1]! - ids[k]! < 1_000_000) k++;
  console.log(ids[k]);
  process.exit(0);
}
const from = opt("--from", 0);
const to = opt("--to", Number.MAX_SAFE_INTEGER);
const top = opt("--top", 30);
const depth = opt("--depth", 7);

const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += at(i, nEdges) * EF;
  firstEdge[i + 1] = e;
}
// Breadth first from the root (node 0) over strong edges: each node's parent is on a shortest path.
const parent = new Int32Array(N).fill(-1);
const parentEdge = new Int32Array(N).fill(-1);
const queue = new Int32Array(N);
let head = 0;
let tail = 0;
queue[tail++] = 0;
parent[0] = 0;
while (head < tail) {
  const i = queue[head++]!;
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
    const kind = edgeTypes[edges[e + eType]!];
    if (kind === "weak" || kind === "shortcut") continue;
    const j = edges[e + eTo]! / NF;
    if (parent[j] !== -1) continue;
    parent[j] = i;
    parentEdge[j] = e;
    queue[tail++] = j;
  }
}

function label(i: number): string {
  const kind = nodeTypes[at(i, nType)]!;
  if (kind === "object" || kind === "closure" || kind === "native") return nameOf(i);
  return kind.endsWith("string") ? "(string)" : `(${kind})`;
}
function edgeLabel(e: number): string {
  const kind = edgeTypes[edges[e + eType]!];
  if (kind === "element") return "[i]";
  if (kind === "hidden") return "[h]";
  return `.${strings[edges[e + eName]!]}`;
}

const byType = new Map<string, { n: number; bytes: number }>();
const byPath = new Map<string, { n: number; bytes: number }>();
const count = (map: typeof byType, key: string, size: number) => {
  const c = map.get(key) ?? { n: 0, bytes: 0 };
  c.n++;
  c.bytes += size;
  map.set(key, c);
};
let total = 0;
let totalBytes = 0;
for (let i = 0; i < N; i++) {
  const id = at(i, nId);
  if (id <= from || id > to || parent[i] === -1) continue;
  const size = at(i, nSize);
  total++;
  totalBytes += size;
  count(byType, label(i), size);
  let path = label(i);
  for (let j = i, d = 0; d < depth && j !== 0; d++) {
    const p = parent[j]!;
    path = `${label(p)}${edgeLabel(parentEdge[j]!)} > ${path}`;
    j = p;
    if (at(p, nId) <= from) {
      path = `OLD ${path}`;
      break;
    }
  }
  count(byPath, path, size);
}
const show = (title: string, map: typeof byType, by: "n" | "bytes") => {
  console.log(`--- ${title}`);
  for (const [key, c] of [...map].sort((a, b) => b[1][by] - a[1][by]).slice(0, top))
    console.log(`${String(c.n).padStart(8)} ${(c.bytes / 1e3).toFixed(0).padStart(8)} kB  ${key}`);
};
console.log(`${total} live objects with id in (${from}, ${to}], ${(totalBytes / 1e6).toFixed(1)} MB self size`);
show("by type", byType, "bytes");
show("by path, by bytes", byPath, "bytes");
show("by path, by count", byPath, "n");
