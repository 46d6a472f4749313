/** What `qkc-wire decode` and `encode` do; bin/qkc-wire.ts only parses flags and prints. */
import {
  type Codec,
  DecodeError,
  type Json,
  JsonShapeError,
  bytesToJson,
  decodePrefix,
  encode,
  intToJson,
  jsonObject,
  jsonToBigInt,
  jsonToNumber,
} from "../codec/index.ts";
import { type Frame, type FrameHeader, type LinkKind, encodeFrame } from "../cluster/frame/format.ts";
import { FrameDecoder } from "../cluster/frame/decoder.ts";
import type { Family, OpEntry } from "../messages/ops.ts";
import { messageTypes, opTables } from "../messages/registry.ts";

/** Bad flags or unparseable input: the CLI exits 2, as for commander's own usage errors. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface TargetOptions {
  type?: string;
  op?: string;
  family?: string;
}

export interface Target {
  codec: Codec<unknown>;
  entry?: OpEntry;
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** Hex with an optional 0x; spaces and `|` are allowed so PROTOCOL.md's annotated frames paste as they are. */
export function parseHex(input: string): Buffer {
  const s = input.replace(/[\s|]/g, "").replace(/^0x/i, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new UsageError(`not an even-length hex string: ${input}`);
  return Buffer.from(s, "hex");
}

export function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new UsageError(`invalid JSON input: ${(e as Error).message}`);
  }
}

function parseFamily(family: string | undefined): Family | undefined {
  if (family === undefined || family === "cluster" || family === "p2p") return family;
  throw new UsageError(`unknown family ${family} (cluster or p2p)`);
}

function opEntry(family: Family, op: Json): OpEntry {
  const table = opTables[family];
  const entry =
    typeof op === "number"
      ? table.byOp(op)
      : typeof op === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(op)
        ? table.byOp(Number(op))
        : typeof op === "string"
          ? table.byName(op.toUpperCase())
          : undefined;
  if (!entry) throw new UsageError(`no ${family} op ${JSON.stringify(op)}`);
  return entry;
}

/** The codec named by --type, or by --op with --family. */
export function resolveTarget(opts: TargetOptions): Target {
  if ((opts.type === undefined) === (opts.op === undefined)) {
    throw new UsageError("give exactly one of --type NAME or --op N|NAME");
  }
  if (opts.type !== undefined) {
    if (opts.family !== undefined) throw new UsageError("--family goes with --op (or --frame), not --type");
    const codec = messageTypes.get(opts.type);
    if (!codec) throw new UsageError(`unknown type ${opts.type} (pyquarkchain class names, e.g. Ping, MinorBlock)`);
    return { codec };
  }
  const family = parseFamily(opts.family);
  if (!family) throw new UsageError("--op needs --family cluster|p2p (the op numbers and names overlap)");
  const entry = opEntry(family, opts.op!);
  return { codec: entry.message, entry };
}

/** Decodes one message; bytes after it are ignored, as pyquarkchain does, and counted. */
export function decodeMessage(bytes: Uint8Array, target: Target): { json: Json; trailing: number } {
  const { value, consumed } = decodePrefix(target.codec, bytes);
  return { json: target.codec.toJson(value), trailing: bytes.length - consumed };
}

export function encodeMessage(json: Json, target: Target): string {
  return toHex(encode(target.codec, target.codec.fromJson(json)));
}

/** Frames on the master link with a cluster_peer_id carry p2p ops (forwarded, PROTOCOL.md §7.6). */
function frameFamily(link: LinkKind, clusterPeerId: bigint, given: Family | undefined): Family {
  if (given) return given;
  if (link === "p2p") return "p2p";
  return link === "master" && clusterPeerId !== 0n ? "p2p" : "cluster";
}

/** One decoded frame as JSON: header fields, op name and payload (`given` forces the op family). */
export function frameToJson(link: LinkKind, f: Frame, given?: Family): Json {
  const family = frameFamily(link, f.clusterPeerId, given);
  const entry = opTables[family].byOp(f.op);
  if (!entry) throw new DecodeError("unknown-op", `unknown ${family} op ${f.op}`);
  const { value, consumed } = decodePrefix(entry.message, f.payload);
  const out: { [key: string]: Json } = { link, size: f.payload.length };
  if (link !== "slave") out["branch"] = f.branch;
  if (link === "master") out["cluster_peer_id"] = intToJson(f.clusterPeerId);
  Object.assign(out, { op: f.op, op_name: entry.name, family, kind: entry.kind, rpc_id: intToJson(f.rpcId) });
  out["payload"] = entry.message.toJson(value);
  if (consumed < f.payload.length) out["ignored_payload_bytes"] = bytesToJson(f.payload.subarray(consumed));
  return out;
}

/** Every frame in the bytes; a partial frame at the end is an error, as an EOF there is for pyquarkchain. */
export function decodeFrames(bytes: Buffer, link: LinkKind, family?: string): Json[] {
  const given = parseFamily(family);
  const out: Json[] = [];
  // A debugging tool should show any frame, however large: no size limit.
  const decoder = new FrameDecoder(link, { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
  decoder.push(bytes, (f) => out.push(frameToJson(link, f, given)));
  decoder.end();
  return out;
}

/** The inverse of decodeFrames for one frame: `size`, `kind` and `link` in the JSON are ignored. */
export function encodeFrameJson(json: Json, link: LinkKind, family?: string): string {
  const o = jsonObject(json);
  const num = (k: string): Json => o[k] ?? 0;
  const header: FrameHeader = {
    branch: jsonToNumber(num("branch")),
    clusterPeerId: jsonToBigInt(num("cluster_peer_id")),
    op: 0,
    rpcId: jsonToBigInt(num("rpc_id")),
  };
  const fam = frameFamily(link, header.clusterPeerId, parseFamily(family ?? (o["family"] as string | undefined)));
  const op = o["op"] ?? o["op_name"];
  if (op === undefined) throw new JsonShapeError("a frame needs op or op_name");
  const entry = opEntry(fam, op);
  if (o["op_name"] !== undefined && o["op_name"] !== entry.name) {
    throw new JsonShapeError(`op ${entry.op} is ${entry.name}, not ${String(o["op_name"])}`);
  }
  header.op = entry.op;
  const payload = o["payload"];
  if (payload === undefined) throw new JsonShapeError("a frame needs a payload");
  return toHex(encodeFrame(link, header, entry.message, entry.message.fromJson(payload)));
}
