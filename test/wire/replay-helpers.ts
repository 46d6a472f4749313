/**
 * Synthetic execution transcripts for the replayer's own tests: a one-slave cluster from
 * examples/cluster_config.json, requests encoded with our codecs, and responses recorded
 * from our own slave (first replayed with placeholders, then filled from what it sent).
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isLosslessNumber, parse, stringify } from "lossless-json";
import { type Codec, encode } from "../../src/codec/index.ts";
import {
  ConnectToSlavesRequest,
  GetAccountDataRequest,
  GetMinorBlockRequest,
  GetUnconfirmedHeadersRequest,
  Ping,
  clusterOps,
} from "../../src/messages/cluster.ts";
import { RootBlock } from "../../src/messages/core.ts";
import { replayTranscript } from "../../src/wire/replay/replay.ts";
import { type RecordedFrame, TRANSCRIPT_FORMAT, parseTranscript } from "../../src/wire/replay/transcript.ts";
import { repoRoot } from "../helpers/slave-process.ts";

export interface FrameJson {
  op: number;
  op_name: string;
  meta: [number, number];
  payload: string;
}

export interface ExchangeJson {
  n: number;
  kind: string;
  op: number;
  op_name: string;
  note: string;
  request: string;
  response: FrameJson;
  slave_requests: FrameJson[];
}

export interface TranscriptJson {
  format: string;
  slave_id: string;
  cluster_config_json: string;
  master_answers: { [op: string]: { op: number; op_name: string; payload: string } };
  exchanges: ExchangeJson[];
}

/** examples/cluster_config.json with one slave S0 serving both shards, so no sibling is needed. */
export function oneSlaveConfig(): string {
  const config = parse(readFileSync(join(repoRoot, "examples", "cluster_config.json"), "utf8")) as {
    SLAVE_LIST: Array<{ [key: string]: unknown }>;
  };
  const s0 = config.SLAVE_LIST[0]!;
  s0["FULL_SHARD_ID_LIST"] = ["0x00000001", "0x00010001"];
  config.SLAVE_LIST = [s0];
  if (!isLosslessNumber(s0["PORT"])) throw new Error("examples/cluster_config.json: SLAVE_LIST[0].PORT");
  return stringify(config)!;
}

export function request<T>(opName: string, codec: Codec<T>, value: T): { op: number; opName: string; bytes: Buffer } {
  const entry = clusterOps.byName(opName);
  if (!entry) throw new Error(`no op ${opName}`);
  return { op: entry.op, opName, bytes: Buffer.from(encode(codec, value)) };
}

export interface Step {
  kind: "setup" | "block" | "pool" | "query";
  op: number;
  opName: string;
  bytes: Buffer;
}

/** The three setup exchanges of every transcript: PING, CONNECT_TO_SLAVES [], PING with the genesis root block. */
export function setupSteps(): Step[] {
  const ping = (root_tip: RootBlock | null) =>
    request("PING", Ping, { id: Buffer.alloc(0), full_shard_id_list: [], root_tip });
  return [
    { kind: "setup", ...ping(null) },
    { kind: "setup", ...request("CONNECT_TO_SLAVES_REQUEST", ConnectToSlavesRequest, { slave_info_list: [] }) },
    { kind: "setup", ...ping(RootBlock.zero()) },
  ];
}

const genesisBlock = (shard: number) =>
  request("GET_MINOR_BLOCK_REQUEST", GetMinorBlockRequest, {
    branch: { value: shard },
    minor_block_hash: new Uint8Array(32),
    height: 0n,
    need_extra_info: true,
  });

/** The setup, then queries a genesis-only slave answers deterministically. */
export function genesisSteps(): Step[] {
  return [
    ...setupSteps(),
    { kind: "query", ...genesisBlock(1) },
    { kind: "query", ...request("GET_UNCONFIRMED_HEADERS_REQUEST", GetUnconfirmedHeadersRequest, {}) },
    {
      kind: "query",
      ...request("GET_ACCOUNT_DATA_REQUEST", GetAccountDataRequest, {
        address: { recipient: new Uint8Array(20), full_shard_key: 0 },
        block_height: null,
      }),
    },
    { kind: "query", ...genesisBlock(65537) },
  ];
}

/** Undecodable: our slave drops the master link on it (a protocol error), so a replayer must restart it. */
export function linkKillerStep(): Step {
  return { kind: "query", op: genesisBlock(1).op, opName: "GET_MINOR_BLOCK_REQUEST", bytes: Buffer.from("ff", "hex") };
}

/** A transcript whose responses are placeholders (an empty payload of the right op): every exchange fails. */
export function unrecorded(steps: Step[]): TranscriptJson {
  return {
    format: TRANSCRIPT_FORMAT,
    slave_id: "S0",
    cluster_config_json: oneSlaveConfig(),
    master_answers: {
      "145": { op: 146, op_name: "ADD_MINOR_BLOCK_HEADER_RESPONSE", payload: "000000000000000a00000003" },
      "187": { op: 188, op_name: "ADD_MINOR_BLOCK_HEADER_LIST_RESPONSE", payload: "00000000" },
    },
    exchanges: steps.map((s, n) => ({
      n,
      kind: s.kind,
      op: s.op,
      op_name: s.opName,
      note: "synthetic",
      request: s.bytes.toString("hex"),
      response: { op: s.op + 1, op_name: "", meta: [0, 0], payload: "" },
      slave_requests: [],
    })),
  };
}

const frameJson = (f: RecordedFrame): FrameJson => ({
  op: f.op,
  op_name: clusterOps.byOp(f.op)?.name ?? "",
  meta: [f.branch, Number(f.clusterPeerId)],
  payload: f.payload.toString("hex"),
});

/** A transcript of `steps` with the answers our own slave gives (replayed once against placeholders). */
export async function recordFromOurSlave(steps: Step[]): Promise<TranscriptJson> {
  const draft = unrecorded(steps);
  const result = await replayTranscript(parseTranscript(JSON.stringify(draft), "draft.json"));
  if (result.restarts > 0 || result.passed > 0)
    throw new Error("recording: the slave lost its link, or a placeholder matched");
  for (const r of result.results) {
    const ex = draft.exchanges[r.n]!;
    ex.response = frameJson(r.actual!.response!);
    ex.slave_requests = r.actual!.slaveRequests.map(frameJson);
  }
  return draft;
}

export function writeTranscript(dir: string, name: string, t: TranscriptJson): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(t, null, 1));
  return file;
}

/** Flips the low bit of byte `at` of a hex string. */
export function flipByte(hex: string, at: number): string {
  const b = Buffer.from(hex, "hex");
  b[at] = b[at]! ^ 1;
  return b.toString("hex");
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `qkc-wire ...` from a clone, with a deadline and the environment given. */
export function qkcWire(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "bin/qkc-wire.ts", ...args],
      { cwd: repoRoot, env, timeout: 90_000, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === "number" ? err.code : err ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Whether a process of that pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
