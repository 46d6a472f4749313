/**
 * The pyquarkchain fixture checker (README in the fixture directory): every record is
 * replayed through our codecs, op tables, frame codec and EVM decoder.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  type Codec,
  DecodeError,
  EncodeError,
  type Json,
  JsonShapeError,
  decodePrefix,
  encode,
  intToJson,
  jsonToBigInt,
} from "../codec/index.ts";
import {
  type Frame,
  FrameError,
  type LinkKind,
  METADATA_SIZE,
  encodeFrame,
  headerSize,
} from "../cluster/frame/format.ts";
import { FrameDecoder } from "../cluster/frame/decoder.ts";
import { decodeEvmTransaction, encodeEvmTransaction, evmTransactionToJson, unsignedHash } from "../tx/transaction.ts";
import { ClusterMetadata, P2PMetadata } from "../messages/core.ts";
import type { Family, OpEntry } from "../messages/ops.ts";
import { decodeOpPayload, messageTypes, opTables } from "../messages/registry.ts";
import { jsonDiff } from "./json-diff.ts";
import { hex } from "../codec/bytes.ts";

export interface CheckResult {
  label: string;
  ok: boolean;
  reason?: string;
}

type Rec = { [key: string]: Json };

/** A mismatch found by a check; anything else thrown is reported as unexpected. */
class Mismatch extends Error {}

function fail(reason: string): never {
  throw new Mismatch(reason);
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const show = (v: unknown): string => (typeof v === "bigint" ? v.toString() : JSON.stringify(v));

function same(what: string, expected: unknown, actual: unknown): void {
  if (expected !== actual) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function sameJson(what: string, expected: Json | undefined, actual: Json): void {
  const d = jsonDiff(expected === undefined ? null : expected, actual);
  if (d) fail(`${what}: ${d}`);
}

function field(rec: Rec, key: string): Json {
  const v = rec[key];
  if (v === undefined) fail(`record has no ${key}`);
  return v;
}

function str(rec: Rec, key: string): string {
  const v = field(rec, key);
  return typeof v === "string" ? v : fail(`${key} is not a string`);
}

function unhex(rec: Rec, key: string): Buffer {
  const s = str(rec, key);
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) fail(`${key} is not hex`);
  return Buffer.from(s, "hex");
}

function obj(v: Json | undefined, what: string): Rec {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : fail(`${what} is not an object`);
}

function run(label: string, check: () => void): CheckResult {
  try {
    check();
    return { label, ok: true };
  } catch (e) {
    return { label, ok: false, reason: e instanceof Mismatch ? e.message : `unexpected ${describe(e)}` };
  }
}

/** The codec a record names, after checking that op, op_name, class and family agree with our tables. */
function codecFor(rec: Rec): { codec: Codec<unknown>; entry?: OpEntry } {
  const type = str(rec, "type");
  const family = rec["family"];
  if (family === "core") {
    if (rec["op"] !== null && rec["op"] !== undefined) fail(`core type with op ${show(rec["op"])}`);
    return { codec: messageTypes.get(type) ?? fail(`no codec for core type ${type}`) };
  }
  if (family !== "cluster" && family !== "p2p") fail(`unknown family ${show(family)}`);
  const op = rec["op"];
  if (typeof op !== "number") fail(`op is ${show(op)}`);
  const entry = opTables[family].byOp(op) ?? fail(`op ${op} is not in our ${family} op table`);
  if (rec["op_name"] !== undefined) same(`name of ${family} op ${op}`, rec["op_name"], entry.name);
  same(`byName(${entry.name}).op`, op, opTables[family].byName(entry.name)?.op);
  same(`class of ${family} op ${op}`, type, entry.message.name);
  if (messageTypes.get(type) !== entry.message) fail(`messageTypes.get(${type}) is not the codec of op ${op}`);
  return { codec: entry.message, entry };
}

/** decode, render, re-encode: the core of payload, frame and malformed-accept checks. */
function checkDecoded(codec: Codec<unknown>, value: unknown, expected: Json | undefined, payloadHex: string): void {
  sameJson("decoded", expected, codec.toJson(value));
  same("encode(decoded)", payloadHex, hex(encode(codec, value)));
}

function decodeOrFail(codec: Codec<unknown>, bytes: Uint8Array): { value: unknown; consumed: number } {
  try {
    return decodePrefix(codec, bytes);
  } catch (e) {
    fail(`decode threw ${describe(e)}`);
  }
}

const expectedValue = (rec: Rec): Json | undefined => ("decoded_value" in rec ? rec["decoded_value"] : rec["value"]);

function checkEvm(rec: Rec, payload: Buffer): void {
  const tx = decodeEvmTransaction(payload);
  sameJson("decoded", rec["value"], evmTransactionToJson(tx));
  same("re-encoded", hex(payload), hex(encodeEvmTransaction(tx)));
  if ("unsigned_hash" in rec) same("unsigned_hash", rec["unsigned_hash"], "0x" + hex(unsignedHash(tx)));
}

function checkPayload(rec: Rec): void {
  const payload = unhex(rec, "payload_hex");
  if ("payload_len" in rec) same("payload_len", rec["payload_len"], payload.length);
  if (rec["type"] === "EvmTransaction") return checkEvm(rec, payload);
  const { codec } = codecFor(rec);
  const { value, consumed } = decodeOrFail(codec, payload);
  same("bytes consumed", payload.length, consumed);
  checkDecoded(codec, value, expectedValue(rec), hex(payload));
  same("encode(fromJson(value))", hex(payload), hex(encode(codec, codec.fromJson(field(rec, "value")))));
}

const transportLinks: Record<string, LinkKind> = {
  cluster: "master",
  p2p_forwarded_over_cluster: "master",
  p2p: "p2p",
};
const metadataCodecs = { master: ClusterMetadata, p2p: P2PMetadata, slave: undefined } as const;

function readFrames(link: LinkKind, bytes: Buffer, onFrame: (f: Frame) => void = () => {}): FrameDecoder {
  const decoder = new FrameDecoder(link);
  decoder.push(bytes, onFrame);
  decoder.end();
  return decoder;
}

function checkFrame(rec: Rec): void {
  const transport = str(rec, "transport");
  const link = Object.hasOwn(transportLinks, transport)
    ? transportLinks[transport]!
    : fail(`unknown transport ${transport}`);
  const bytes = unhex(rec, "frame_hex");
  const frames: Frame[] = [];
  let decoder: FrameDecoder | undefined;
  const error = attempt(() => (decoder = readFrames(link, bytes, (f) => frames.push(f))));
  if (error !== null || !decoder) fail(`reading the frame threw ${describe(error)}`);
  same("frames read", 1, frames.length);
  same("bytes left over", 0, decoder.buffered);
  const f = frames[0]!;
  const m = METADATA_SIZE[link];

  const metaCodec: Codec<unknown> & { name: string } = metadataCodecs[link]!;
  same("metadata_class", metaCodec.name, rec["metadata_class"]);
  const metaBytes = unhex(rec, "metadata_hex");
  const meta = decodeOrFail(metaCodec, metaBytes);
  same("metadata_hex bytes consumed", metaBytes.length, meta.consumed);
  sameJson("metadata_hex decoded", rec["metadata"], metaCodec.toJson(meta.value));
  const header: Rec = { branch: { value: f.branch } };
  if (link === "master") header["cluster_peer_id"] = intToJson(f.clusterPeerId);
  sameJson("frame metadata", rec["metadata"], header);
  same("metadata bytes", hex(metaBytes), hex(bytes.subarray(4, 4 + m)));

  const entry = codecFor(rec).entry ?? fail("a frame record needs a cluster or p2p op");
  // Forwarded frames are p2p frames re-framed by the master; cluster_peer_id 0 would mean "parse as cluster".
  same(`family on ${transport}`, transport === "cluster" ? "cluster" : "p2p", entry.family);
  if (transport === "p2p_forwarded_over_cluster" && f.clusterPeerId === 0n)
    fail("forwarded frame with cluster_peer_id 0");
  same("op", rec["op"], f.op);
  same("rpc_id", jsonToBigInt(field(rec, "rpc_id")), f.rpcId);
  same("kind", rec["kind"], entry.kind);

  const layout = obj(rec["layout"], "layout");
  same("layout.size_field", layout["size_field"], f.payload.length);
  same("size field", layout["size_field"], bytes.readUInt32BE(0));
  same("layout.metadata_offset", layout["metadata_offset"], 4);
  same("layout.op_offset", layout["op_offset"], 4 + m);
  same("layout.rpc_id_offset", layout["rpc_id_offset"], 5 + m);
  same("layout.payload_offset", layout["payload_offset"], headerSize(link));
  same("layout.frame_len", layout["frame_len"], bytes.length);

  same("payload", str(rec, "payload_hex"), hex(f.payload));
  const family = entry.family;
  let decoded: unknown;
  try {
    decoded = decodeOpPayload(family, f.op, f.payload).value;
  } catch (e) {
    fail(`decodeOpPayload threw ${describe(e)}`);
  }
  same("payload bytes consumed", f.payload.length, decodeOrFail(entry.message, f.payload).consumed);
  checkDecoded(entry.message, decoded, expectedValue(rec), hex(f.payload));
  same("encodeFrame(decoded)", hex(bytes), hex(encodeFrame(link, f, entry.message, decoded)));
}

const isTyped = (e: unknown): boolean => e instanceof DecodeError || e instanceof FrameError;

function pyError(rec: Rec): string {
  const e = rec["error"];
  return e && typeof e === "object" && !Array.isArray(e) ? `${String(e["type"])}: ${String(e["message"])}` : "an error";
}

function expectRaise(rec: Rec, error: unknown, typed: (e: unknown) => boolean): void {
  if (error === null) fail(`accepted, but pyquarkchain raises ${pyError(rec)}`);
  if (!typed(error)) fail(`threw untyped ${describe(error)} (pyquarkchain: ${pyError(rec)})`);
}

function attempt(fn: () => void): unknown {
  try {
    fn();
    return null;
  } catch (e) {
    return e ?? new Error("threw a nullish value");
  }
}

function checkToEvmTx(rec: Rec, value: unknown): void {
  const expected = obj(rec["to_evm_tx"], "to_evm_tx");
  if (rec["type"] !== "TypedTransaction") fail(`to_evm_tx on a ${show(rec["type"])}`);
  const rlp = (value as { tx: { serialized_tx: Uint8Array } }).tx.serialized_tx;
  const error = attempt(() => decodeEvmTransaction(rlp));
  if (expected["outcome"] === "accept") {
    if (error !== null) fail(`to_evm_tx: raised ${describe(error)}, pyquarkchain accepts`);
    return;
  }
  const e = obj(expected["error"], "to_evm_tx.error");
  if (error === null) fail(`to_evm_tx: accepted, pyquarkchain raises ${String(e["type"])}`);
  same("to_evm_tx error", `${String(e["type"])}: ${String(e["message"])}`, describe(error));
}

function checkMalformed(rec: Rec): void {
  const outcome = rec["outcome"];
  if (outcome !== "raise" && outcome !== "accept") fail(`unknown outcome ${show(outcome)}`);
  const direction = rec["direction"];
  if (direction === "deserialize") {
    const { codec } = codecFor(rec);
    const payload = unhex(rec, "payload_hex");
    let got: { value: unknown; consumed: number } | undefined;
    const error = attempt(() => (got = decodePrefix(codec, payload)));
    if (outcome === "raise") return expectRaise(rec, error, (e) => e instanceof DecodeError);
    if (error !== null || !got) fail(`raised ${describe(error)}, pyquarkchain accepts`);
    same("consumed_bytes", rec["consumed_bytes"], got.consumed);
    same("trailing_bytes_ignored", rec["trailing_bytes_ignored"], payload.length - got.consumed);
    checkDecoded(codec, got.value, rec["decoded_value"], str(rec, "reserialized_hex"));
    if ("to_evm_tx" in rec) checkToEvmTx(rec, got.value);
  } else if (direction === "serialize") {
    const { codec } = codecFor(rec);
    let out: Buffer | undefined;
    const error = attempt(() => (out = encode(codec, codec.fromJson(field(rec, "value")))));
    if (outcome === "raise") {
      return expectRaise(rec, error, (e) => e instanceof EncodeError || e instanceof JsonShapeError);
    }
    if (error !== null || !out) fail(`raised ${describe(error)}, pyquarkchain accepts`);
    same("serialized", rec["payload_hex"] ?? rec["reserialized_hex"], hex(out));
  } else if (direction === "frame_read") {
    const frames: Array<{ frame: Frame; entry: OpEntry; value: unknown }> = [];
    let decoder: FrameDecoder | undefined;
    const error = attempt(() => {
      decoder = readFrames("master", unhex(rec, "frame_hex"), (frame) => {
        frames.push({ frame, ...decodeOpPayload("cluster", frame.op, frame.payload) });
      });
    });
    if (outcome === "raise") return expectRaise(rec, error, isTyped);
    if (error !== null || !decoder) fail(`raised ${describe(error)}, pyquarkchain accepts`);
    same("frames read", 1, frames.length);
    const { frame, entry, value } = frames[0]!;
    same("op_read", rec["op_read"], frame.op);
    same("rpc_id_read", jsonToBigInt(field(rec, "rpc_id_read")), frame.rpcId);
    sameJson("decoded", rec["decoded_value"], entry.message.toJson(value));
    same("unread bytes", rec["unread_bytes_left_in_stream"], decoder.buffered);
  } else {
    fail(`unknown direction ${show(direction)}`);
  }
}

function recordLabel(file: string, i: number, rec: Json): string {
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) return `${file}#${i}`;
  const transport = typeof rec["transport"] === "string" ? ` ${rec["transport"]}` : "";
  return `${file}#${i} ${String(rec["type"])}/${String(rec["case"])}${transport}`;
}

function checkRecord(rec: Json): void {
  const r = obj(rec, "record");
  if ("direction" in r) return checkMalformed(r);
  if ("frame_hex" in r && "transport" in r) return checkFrame(r);
  if ("payload_hex" in r && "type" in r) return checkPayload(r);
  fail("not a payload, frame or malformed record");
}

/** The EVM transaction's field order as our decoder renders it (the fixtures' all-zero tx). */
function evmFieldOrder(): string[] {
  const zero = Buffer.from("d78080808080808084000000008400000000808080808080", "hex");
  return Object.keys(evmTransactionToJson(decodeEvmTransaction(zero))).filter((k) => !k.startsWith("_"));
}

function checkType(name: string, def: Json): void {
  const fields = field(obj(def, name), "fields");
  if (!Array.isArray(fields)) fail("fields is not a list");
  const theirs = fields.map((f) => (Array.isArray(f) ? f.map(String) : fail(`field ${show(f)} is not a pair`)));
  if (name === "EvmTransaction") {
    same("EvmTransaction field names", theirs.map((f) => f[0]).join(","), evmFieldOrder().join(","));
    return;
  }
  const codec = messageTypes.get(name) ?? fail("no codec of ours");
  const ours = codec.fields.map(([k, c]) => [k, c.schema]);
  for (let i = 0; i < Math.max(theirs.length, ours.length); i++) {
    const t = theirs[i]?.join(": ") ?? "(none)";
    const o = ours[i]?.join(": ") ?? "(none)";
    if (t !== o) fail(`field ${i}: expected ${t}, got ${o}`);
  }
}

type OpRow = [name: string, cls: string, kind: string];

function checkOp(family: Family, op: number, row: Json, table: Rec): void {
  if (!Array.isArray(row) || row.length !== 3) fail(`op row ${show(row)} is not [name, class, kind]`);
  const [name, cls, kind] = row.map(String) as OpRow;
  const entry = opTables[family].byOp(op) ?? fail("missing from our op table");
  same("name", name, entry.name);
  same("class", cls, entry.message.name);
  same("kind", kind, entry.kind);
  if (messageTypes.get(cls) !== entry.message) fail(`messageTypes.get(${cls}) is not the codec of this op`);
  // pyquarkchain pairs request N with response N + 1 in every op_rpc_map a slave uses (PROTOCOL.md §2.3).
  const response = kind === "request" ? op + 1 : undefined;
  if (response !== undefined) {
    const pair = table[String(response)];
    if (!Array.isArray(pair) || pair[2] !== "response") fail(`op ${response} (the response) is not a response`);
  }
  same("response op", response, entry.responseOp);
}

function checkSchema(file: string, types: Rec): CheckResult[] {
  const results: CheckResult[] = [];
  const ops = obj(types["_ops"], "_ops");
  for (const [name, def] of Object.entries(types)) {
    if (name !== "_ops") results.push(run(`${file} type ${name}`, () => checkType(name, def)));
  }
  for (const name of messageTypes.keys()) {
    if (!(name in types))
      results.push({ label: `${file} type ${name}`, ok: false, reason: "ours only, not in schema" });
  }
  for (const family of Object.keys(ops)) {
    if (family !== "cluster" && family !== "p2p") {
      results.push({ label: `${file} ${family} ops`, ok: false, reason: "an op family we do not have" });
      continue;
    }
    const table = obj(ops[family], `_ops.${family}`);
    for (const [op, row] of Object.entries(table)) {
      const label = `${file} ${family} op ${op} ${Array.isArray(row) ? String(row[0]) : ""}`.trimEnd();
      results.push(run(label, () => checkOp(family, Number(op), row, table)));
    }
    for (const e of opTables[family].entries()) {
      if (!(String(e.op) in table)) {
        results.push({
          label: `${file} ${family} op ${e.op} ${e.name}`,
          ok: false,
          reason: "ours only, not in schema",
        });
      }
    }
  }
  for (const family of Object.keys(opTables)) {
    if (!(family in ops)) results.push({ label: `${file} ${family} ops`, ok: false, reason: "missing from schema" });
  }
  return results;
}

/** Checks one parsed fixture document; `file` only names the results. */
export function checkDocument(file: string, doc: unknown): CheckResult[] {
  const d = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Rec) : {};
  const types = d["types"];
  if (types && typeof types === "object" && !Array.isArray(types) && "_ops" in types) return checkSchema(file, types);
  const records = d["records"];
  if (Array.isArray(records)) return records.map((rec, i) => run(recordLabel(file, i, rec), () => checkRecord(rec)));
  return [
    { label: file, ok: false, reason: "unknown file shape: neither {records: [...]} nor a schema with types._ops" },
  ];
}

export function checkFile(path: string): CheckResult[] {
  const file = basename(path);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return [{ label: file, ok: false, reason: `cannot read: ${describe(e)}` }];
  }
  return checkDocument(file, doc);
}
