/** How `qkc-wire replay` prints results: text lines as they come, or one JSON document at the end. */
import { type Json, intToJson } from "../../codec/index.ts";
import { opName } from "./compare.ts";
import type { ExchangeResult, TranscriptResult } from "./replay.ts";
import type { RecordedFrame } from "./transcript.ts";

/** `MISMATCH <file> #<n> <op_name> <what>: <detail>; ...` */
export function mismatchLine(r: ExchangeResult): string {
  return `MISMATCH ${r.file} #${r.n} ${r.opName} ${r.mismatches.map((m) => `${m.kind}: ${m.detail}`).join("; ")}`;
}

/** --verbose: a line for a passing exchange too. */
export function resultLine(r: ExchangeResult): string {
  return r.mismatches.length > 0 ? mismatchLine(r) : `ok ${r.file} #${r.n} ${r.opName} (${r.kind}, ${r.ms} ms)`;
}

export function tallyLine(passed: number, failed: number): string {
  return `${passed} passed, ${failed} failed`;
}

/** --verbose: one transcript's tally, with how often its slave had to be restarted. */
export function transcriptLine(t: TranscriptResult): string {
  return `${t.file}: ${tallyLine(t.passed, t.failed)}${t.restarts > 0 ? ` (${t.restarts} slave restarts)` : ""}`;
}

/** A frame in the transcript's own shape, so what the slave sent can be pasted next to what was recorded. */
function frameJson(f: RecordedFrame): Json {
  return {
    op: f.op,
    op_name: opName(f.op),
    meta: [f.branch, intToJson(f.clusterPeerId)],
    payload: f.payload.toString("hex"),
  };
}

function resultJson(r: ExchangeResult): Json {
  const out: { [key: string]: Json } = {
    n: r.n,
    op_name: r.opName,
    kind: r.kind,
    ok: r.mismatches.length === 0,
    ms: r.ms,
    mismatches: r.mismatches.map((m) => ({ kind: m.kind, detail: m.detail })),
  };
  if (r.actual) {
    out["actual"] = {
      response: r.actual.response ? frameJson(r.actual.response) : null,
      slave_requests: r.actual.slaveRequests.map(frameJson),
    };
  }
  return out;
}

export function reportJson(results: TranscriptResult[]): Json {
  const passed = results.reduce((s, t) => s + t.passed, 0);
  const failed = results.reduce((s, t) => s + t.failed, 0);
  return {
    files: results.map((t) => ({
      file: t.file,
      passed: t.passed,
      failed: t.failed,
      restarts: t.restarts,
      exchanges: t.results.map(resultJson),
    })),
    passed,
    failed,
  };
}
