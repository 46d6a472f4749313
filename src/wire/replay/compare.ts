/**
 * The comparison of ../shared/fixtures/execution/README.md, "What is compared": the
 * response's op, meta and payload bytes, and the slave's requests during the exchange as a
 * multiset of (op, meta, payload). Nothing else (rpc ids, order of the slave's requests).
 */
import { clusterOps } from "../../messages/cluster.ts";
import type { Outcome } from "./master-link.ts";
import type { Exchange, RecordedFrame } from "./transcript.ts";

export type MismatchKind = "no response" | "response op" | "response meta" | "response payload" | "slave requests";

export interface Mismatch {
  kind: MismatchKind;
  detail: string;
}

export const opName = (op: number): string => clusterOps.byOp(op)?.name ?? `op ${op}`;
const meta = (f: RecordedFrame): string => `${f.branch}/${f.clusterPeerId}`;

/** Bytes shown either side of the first difference. */
const WINDOW = 8;

function window(b: Buffer, at: number): string {
  const from = Math.max(0, at - WINDOW);
  const to = Math.min(b.length, at + WINDOW);
  return `${from > 0 ? "…" : ""}${b.subarray(from, to).toString("hex")}${to < b.length ? "…" : ""}`;
}

/** Where two byte strings first differ (a prefix differs at the shorter length), or -1. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** `at byte i (expected N bytes, got M): expected …hex…, got …hex…`, or null when equal. */
export function bytesDiff(expected: Buffer, actual: Buffer): string | null {
  const at = firstDifference(expected, actual);
  if (at < 0) return null;
  const sizes =
    expected.length === actual.length
      ? `${expected.length} bytes`
      : `expected ${expected.length} bytes, got ${actual.length}`;
  return `at byte ${at} (${sizes}): expected ${window(expected, at)}, got ${window(actual, at)}`;
}

const key = (f: RecordedFrame): string => `${f.op} ${meta(f)} ${f.payload.toString("hex")}`;

/** Removes from `from` one frame equal to each of `these`; what is left of `from` is returned. */
function minus(from: RecordedFrame[], these: RecordedFrame[]): RecordedFrame[] {
  const counts = new Map<string, number>();
  for (const f of these) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
  return from.filter((f) => {
    const c = counts.get(key(f)) ?? 0;
    if (c === 0) return true;
    counts.set(key(f), c - 1);
    return false;
  });
}

/** The multiset difference in words: differing pairs of the same op first, then what is missing or extra. */
export function requestsDiff(expected: RecordedFrame[], actual: RecordedFrame[]): string | null {
  const missing = minus(expected, actual);
  const extra = minus(actual, expected);
  if (missing.length === 0 && extra.length === 0) return null;
  const parts: string[] = [];
  for (const m of missing) {
    const i = extra.findIndex((x) => x.op === m.op);
    if (i < 0) {
      parts.push(`missing ${opName(m.op)} (meta ${meta(m)}, ${m.payload.length} bytes)`);
      continue;
    }
    const [x] = extra.splice(i, 1);
    parts.push(
      meta(m) !== meta(x!)
        ? `${opName(m.op)} meta expected ${meta(m)}, got ${meta(x!)}`
        : `${opName(m.op)} payload ${bytesDiff(m.payload, x!.payload)}`,
    );
  }
  for (const x of extra) parts.push(`unexpected ${opName(x.op)} (meta ${meta(x)}, ${x.payload.length} bytes)`);
  return parts.join(", ");
}

/** Every way the slave's answer differs from the recording; empty when the exchange passes. */
export function compareExchange(ex: Exchange, got: Outcome): Mismatch[] {
  const out: Mismatch[] = [];
  const r = got.response;
  if (!r) {
    out.push({ kind: "no response", detail: got.lost ?? "no response" });
  } else {
    const want = ex.response;
    if (r.op !== want.op) out.push({ kind: "response op", detail: `expected ${opName(want.op)}, got ${opName(r.op)}` });
    if (meta(r) !== meta(want)) out.push({ kind: "response meta", detail: `expected ${meta(want)}, got ${meta(r)}` });
    const d = bytesDiff(want.payload, r.payload);
    if (d) out.push({ kind: "response payload", detail: d });
  }
  const s = requestsDiff(ex.slaveRequests, got.slaveFrames);
  if (s) out.push({ kind: "slave requests", detail: s });
  return out;
}
