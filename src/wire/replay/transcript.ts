/**
 * `qkc-exec-transcript/1` files (../shared/fixtures/execution/README.md): read, checked
 * field by field, and turned into bytes. Anything unusable is a TranscriptError, which the
 * CLI reports with the file and the field and answers with exit 2, before any slave starts.
 */
import { readFileSync } from "node:fs";
import { LosslessNumber, isLosslessNumber, parse, stringify } from "lossless-json";
import { clusterOps } from "../../messages/cluster.ts";

export const TRANSCRIPT_FORMAT = "qkc-exec-transcript/1";

export class TranscriptError extends Error {
  override readonly name = "TranscriptError";
}

export type ExchangeKind = "setup" | "block" | "pool" | "query";
const KINDS: readonly ExchangeKind[] = ["setup", "block", "pool", "query"];

/** A frame of the master link as the transcript records it: rpc ids are never compared. */
export interface RecordedFrame {
  op: number;
  branch: number;
  clusterPeerId: bigint;
  payload: Buffer;
}

export interface Exchange {
  n: number;
  kind: ExchangeKind;
  op: number;
  opName: string;
  request: Buffer;
  response: RecordedFrame;
  slaveRequests: RecordedFrame[];
}

export interface MasterAnswer {
  op: number;
  payload: Buffer;
}

export interface Transcript {
  file: string;
  slaveId: string;
  /** The config as the recording used it, to be written out with another port. */
  clusterConfigJson: string;
  /** What the master answers the slave's own requests with, by request op. */
  masterAnswers: ReadonlyMap<number, MasterAnswer>;
  exchanges: Exchange[];
}

type Obj = { [key: string]: unknown };

/** Reads one field; every accessor names the path, so a bad file says where it is bad. */
class Fields {
  constructor(
    private readonly file: string,
    private readonly path: string,
    private readonly obj: Obj,
  ) {}

  static of(file: string, path: string, v: unknown): Fields {
    if (v === null || typeof v !== "object" || Array.isArray(v))
      fail(file, path, `expected an object, got ${kindOf(v)}`);
    return new Fields(file, path, v as Obj);
  }

  private get(key: string): unknown {
    if (!Object.hasOwn(this.obj, key)) fail(this.file, this.at(key), "missing");
    return this.obj[key];
  }

  at(key: string | number): string {
    return typeof key === "number" ? `${this.path}[${key}]` : this.path === "" ? key : `${this.path}.${key}`;
  }

  string(key: string): string {
    const v = this.get(key);
    if (typeof v !== "string") fail(this.file, this.at(key), `expected a string, got ${kindOf(v)}`);
    return v;
  }

  int(key: string, max: number): number {
    return intOf(this.file, this.at(key), this.get(key), max);
  }

  hex(key: string): Buffer {
    const v = this.string(key);
    if (!/^([0-9a-f]{2})*$/.test(v)) fail(this.file, this.at(key), "expected lowercase hex of whole bytes, no 0x");
    return Buffer.from(v, "hex");
  }

  object(key: string): Fields {
    return Fields.of(this.file, this.at(key), this.get(key));
  }

  array(key: string): unknown[] {
    const v = this.get(key);
    if (!Array.isArray(v)) fail(this.file, this.at(key), `expected an array, got ${kindOf(v)}`);
    return v;
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  fail(path: string, why: string): never {
    fail(this.file, path, why);
  }

  intAt(path: string, v: unknown, max: number): number {
    return intOf(this.file, path, v, max);
  }
}

function fail(file: string, path: string, why: string): never {
  throw new TranscriptError(`${file}: ${path}: ${why}`);
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (isLosslessNumber(v)) return `the number ${v.toString()}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function intOf(file: string, path: string, v: unknown, max: number): number {
  const n = isLosslessNumber(v) && /^\d+$/.test(v.toString()) ? Number(v.toString()) : NaN;
  if (!Number.isSafeInteger(n) || n > max) fail(file, path, `expected an integer in 0..${max}, got ${kindOf(v)}`);
  return n;
}

function recordedFrame(f: Fields): RecordedFrame {
  const op = f.int("op", 255);
  const meta = f.array("meta");
  if (meta.length !== 2) f.fail(f.at("meta"), "expected [branch, cluster_peer_id]");
  const peer = meta[1];
  if (!isLosslessNumber(peer) || !/^\d+$/.test(peer.toString()) || BigInt(peer.toString()) >= 1n << 64n) {
    f.fail(`${f.at("meta")}[1]`, `expected a u64 cluster_peer_id, got ${kindOf(peer)}`);
  }
  return {
    op,
    branch: f.intAt(`${f.at("meta")}[0]`, meta[0], 0xffffffff),
    clusterPeerId: BigInt(peer.toString()),
    payload: f.hex("payload"),
  };
}

function exchange(file: string, path: string, v: unknown, index: number): Exchange {
  const f = Fields.of(file, path, v);
  const n = f.int("n", Number.MAX_SAFE_INTEGER);
  if (n !== index) fail(file, f.at("n"), `expected ${index} (exchanges are listed in the order of play)`);
  const kind = f.string("kind") as ExchangeKind;
  if (!KINDS.includes(kind)) fail(file, f.at("kind"), `expected one of ${KINDS.join(", ")}, got ${kind}`);
  const op = f.int("op", 255);
  const entry = clusterOps.byOp(op);
  if (!entry || entry.kind !== "request") fail(file, f.at("op"), `${op} is not a cluster request op`);
  return {
    n,
    kind,
    op,
    opName: entry.name,
    request: f.hex("request"),
    response: recordedFrame(f.object("response")),
    slaveRequests: f
      .array("slave_requests")
      .map((r, i) => recordedFrame(Fields.of(file, `${f.at("slave_requests")}[${i}]`, r))),
  };
}

/** Parses a transcript's text; `file` names it in errors. */
export function parseTranscript(text: string, file: string): Transcript {
  let json: unknown;
  try {
    // Lossless: rpc metas are u64 and the embedded config's amounts exceed 2^53.
    json = parse(text);
  } catch (e) {
    throw new TranscriptError(`${file}: not JSON (truncated?): ${(e as Error).message}`);
  }
  const top = Fields.of(file, "", json);
  const format = top.string("format");
  if (format !== TRANSCRIPT_FORMAT) fail(file, "format", `expected ${TRANSCRIPT_FORMAT}, got ${format}`);
  const clusterConfigJson = top.string("cluster_config_json");
  const slaveId = top.string("slave_id");
  configWithPort(clusterConfigJson, slaveId, 0, file); // fails now, not after a slave has started
  const answers = top.object("master_answers");
  const masterAnswers = new Map<number, MasterAnswer>();
  for (const key of answers.keys()) {
    if (!/^\d+$/.test(key)) fail(file, answers.at(key), "keys are request ops in decimal");
    const a = answers.object(key);
    masterAnswers.set(Number(key), { op: a.int("op", 255), payload: a.hex("payload") });
  }
  const exchanges = top.array("exchanges").map((e, i) => exchange(file, `exchanges[${i}]`, e, i));
  if (exchanges.length === 0) fail(file, "exchanges", "empty");
  return { file, slaveId, clusterConfigJson, masterAnswers, exchanges };
}

export function loadTranscript(file: string): Transcript {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new TranscriptError(`${file}: cannot read: ${(e as Error).message}`);
  }
  return parseTranscript(text, file);
}

/**
 * The config with the slave's PORT replaced, everything else kept as written (big
 * integers included), as the README's booting step 1 asks.
 */
export function configWithPort(configJson: string, slaveId: string, port: number, file = "transcript"): string {
  let config: unknown;
  try {
    config = parse(configJson);
  } catch (e) {
    throw new TranscriptError(`${file}: cluster_config_json is not JSON: ${(e as Error).message}`);
  }
  const slaves = Fields.of(file, "cluster_config_json", config).array("SLAVE_LIST");
  const entry = slaves.find((s) => {
    const o = s as Obj | null;
    return o !== null && typeof o === "object" && o["ID"] === slaveId;
  }) as Obj | undefined;
  if (!entry) fail(file, "cluster_config_json.SLAVE_LIST", `no entry with ID ${JSON.stringify(slaveId)}`);
  entry["PORT"] = new LosslessNumber(String(port));
  return stringify(config)!;
}
