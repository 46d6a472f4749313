import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FrameError, type LinkKind, encodeRawFrame, headerSize } from "../src/cluster/frame/format.ts";
import { FrameDecoder } from "../src/cluster/frame/decoder.ts";
import { DecodeError, encode } from "../src/codec/index.ts";
import type { Random } from "../src/codec/codec.ts";
import { type Mulberry32, mulberry32 } from "./random.ts";
import { decode } from "../src/codec/index.ts";
import { clusterOps } from "../src/messages/cluster.ts";
import type { OpEntry, OpTable } from "../src/messages/ops.ts";
import { p2pOps } from "../src/messages/p2p.ts";

/**
 * Fuzzing inputs and the decoder-level oracle, shared by test/hardening/fuzz.test.ts
 * (fixed seed, bounded count) and scripts/fuzz.ts (long runs). Inputs are random bytes
 * and mutated valid frames: pyquarkchain's fixture frames when ../shared/fixtures is
 * there, plus frames of every op built from each message's own random values.
 */

export interface FuzzRandom extends Mulberry32 {
  chance(p: number): boolean;
}

/** mulberry32 with an explicit seed (the scripts take --seed; tests use a constant). */
export function fuzzRandom(seed: number): FuzzRandom {
  const r = mulberry32(seed);
  return { ...r, chance: (p: number) => r.u32() / 0x1_0000_0000 < p };
}

/** One valid message: its op and payload bytes, independent of the link's metadata. */
export interface Sample {
  family: "cluster" | "p2p";
  op: number;
  name: string;
  payload: Buffer;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const framesFixture = join(
  process.env["QKC_FIXTURES"] ?? join(repoRoot, "..", "shared", "fixtures"),
  "pyquarkchain",
  "frames.json",
);

interface FixtureFrame {
  family: string;
  op: number;
  op_name: string;
  transport: string;
  payload_hex: string;
}

/**
 * The corpus: every op of both families, from pyquarkchain's fixture payloads (if found)
 * and `perOp` random values of each message. Payloads over `maxPayload` are left out.
 */
export function buildCorpus(
  rand: Random,
  opts: { perOp?: number; maxPayload?: number } = {},
): { samples: Sample[]; fromFixtures: number } {
  const perOp = opts.perOp ?? 2;
  const maxPayload = opts.maxPayload ?? 64 * 1024;
  const samples: Sample[] = [];
  let fromFixtures = 0;
  if (existsSync(framesFixture)) {
    const records = (JSON.parse(readFileSync(framesFixture, "utf8")) as { records: FixtureFrame[] }).records;
    for (const r of records) {
      if (r.transport === "p2p") continue; // same payloads as the forwarded ones
      const payload = Buffer.from(r.payload_hex, "hex");
      if (payload.length > maxPayload) continue;
      samples.push({ family: r.family === "p2p" ? "p2p" : "cluster", op: r.op, name: r.op_name, payload });
      fromFixtures++;
    }
  }
  for (const table of [clusterOps, p2pOps] as Array<OpTable<never>>) {
    for (const entry of table.entries()) {
      for (let i = 0; i < perOp; i++) {
        const payload = Buffer.from(encode(entry.message, entry.message.arbitrary(rand)));
        if (payload.length > maxPayload) continue;
        samples.push({ family: table.family, op: entry.op, name: entry.name, payload });
      }
    }
  }
  return { samples, fromFixtures };
}

export interface FrameMeta {
  branch: number;
  clusterPeerId: bigint;
  rpcId: bigint;
}

export type Mutation =
  | "none"
  | "random-bytes"
  | "bit-flip"
  | "truncate"
  | "inflate-length"
  | "shrink-length"
  | "swap-op"
  | "rpc-id"
  | "payload-noise"
  | "splice"
  | "duplicate"
  | "insert-bytes";

export const MUTATIONS: readonly Mutation[] = [
  "random-bytes",
  "bit-flip",
  "truncate",
  "inflate-length",
  "shrink-length",
  "swap-op",
  "rpc-id",
  "payload-noise",
  "splice",
  "duplicate",
  "insert-bytes",
];

/** The bytes of one whole frame of `sample` on `link`. */
export function frameOf(link: LinkKind, sample: Sample, meta: FrameMeta): Buffer {
  return encodeRawFrame(link, { ...meta, op: sample.op }, sample.payload);
}

const allOps = [...clusterOps.entries(), ...p2pOps.entries()].map((e) => e.op);

/**
 * A hostile input: `frame` (a whole valid frame on `link`) mutated one way, or random
 * bytes. `other` is a second valid frame for splices.
 */
export function mutate(rand: FuzzRandom, link: LinkKind, frame: Buffer, other: Buffer, m: Mutation): Buffer {
  const head = headerSize(link);
  const opAt = head - 9;
  const b = Buffer.from(frame);
  if (b.length === 0 && m !== "random-bytes" && m !== "splice") return b;
  const needsHeader = m === "inflate-length" || m === "shrink-length" || m === "swap-op" || m === "rpc-id";
  if (needsHeader && b.length < head) return b;
  switch (m) {
    case "none":
      return b;
    case "random-bytes":
      return Buffer.from(rand.bytes(rand.int(rand.chance(0.5) ? 64 : 2048) + 1));
    case "bit-flip": {
      const flips = 1 + rand.int(8);
      for (let i = 0; i < flips; i++) {
        const at = rand.int(b.length);
        b[at] = b[at]! ^ (1 << rand.int(8));
      }
      return b;
    }
    case "truncate":
      return b.subarray(0, rand.int(b.length));
    case "inflate-length": {
      const size = b.readUInt32BE(0);
      const choice = rand.int(4);
      const v =
        choice === 0
          ? 0xffffffff
          : choice === 1
            ? size + 1 + rand.int(16)
            : choice === 2
              ? size + rand.int(1 << 20)
              : rand.u32();
      b.writeUInt32BE(v >>> 0, 0);
      return b;
    }
    case "shrink-length": {
      const size = b.readUInt32BE(0);
      b.writeUInt32BE(size === 0 ? 0 : rand.int(size), 0);
      return b;
    }
    case "swap-op":
      b[opAt] = rand.chance(0.7) ? rand.pick(allOps) : rand.int(256);
      return b;
    case "rpc-id": {
      const choice = rand.int(3);
      const v = choice === 0 ? 0n : choice === 1 ? 0xffffffffffffffffn : BigInt(rand.u32());
      b.writeBigUInt64BE(v, opAt + 1);
      return b;
    }
    case "payload-noise": {
      if (b.length <= head) return b;
      const n = 1 + rand.int(Math.min(32, b.length - head));
      const at = head + rand.int(b.length - head - n + 1);
      Buffer.from(rand.bytes(n)).copy(b, at);
      return b;
    }
    case "splice": {
      const cut = rand.int(b.length + 1);
      const from = rand.int(other.length + 1);
      return Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
    }
    case "duplicate": {
      const at = rand.int(b.length);
      const n = 1 + rand.int(Math.min(64, b.length - at));
      return Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]);
    }
    case "insert-bytes": {
      const at = rand.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(rand.bytes(1 + rand.int(16))), b.subarray(at)]);
    }
  }
}

/** Cuts `input` into random chunks, as TCP may deliver it. */
export function chunks(rand: FuzzRandom, input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < input.length) {
    const n = rand.chance(0.5) ? input.length - at : 1 + rand.int(Math.max(1, input.length - at));
    out.push(input.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** What the decoders made of one input. */
export interface DecodeOutcome {
  frames: number;
  payloadsOk: number;
  /** "frame:too-large", "decode:truncated", "unknown-op", ... */
  errors: string[];
  /** An exception that is not a typed decode error: a finding. */
  crash?: { error: unknown; input: Buffer };
}

/**
 * The decoder-level oracle: `input` in random chunks through a FrameDecoder for `link`,
 * then every whole frame's payload through the codec of its op (cluster ops, or P2P ops
 * for a forwarded frame with a non-zero cluster_peer_id). Only FrameError and DecodeError
 * may come out.
 */
export function decodeInput(rand: FuzzRandom, link: LinkKind, input: Buffer, maxPayloadBytes: number): DecodeOutcome {
  const out: DecodeOutcome = { frames: 0, payloadsOk: 0, errors: [] };
  const decoder = new FrameDecoder(link, { maxPayloadBytes });
  try {
    for (const chunk of chunks(rand, input)) {
      decoder.push(chunk, (frame) => {
        out.frames++;
        const table: { byOp(op: number): OpEntry | undefined } =
          (link === "master" && frame.clusterPeerId !== 0n) || link === "p2p" ? p2pOps : clusterOps;
        const entry: OpEntry | undefined = table.byOp(frame.op);
        if (!entry) {
          out.errors.push("unknown-op");
          return;
        }
        try {
          decode(entry.message, frame.payload);
          out.payloadsOk++;
        } catch (err) {
          if (err instanceof DecodeError) out.errors.push(`decode:${err.kind}`);
          else throw err;
        }
      });
    }
    decoder.end();
  } catch (err) {
    if (err instanceof FrameError) out.errors.push(`frame:${err.kind}`);
    else out.crash = { error: err, input };
  }
  return out;
}

/** A generator of hostile inputs for one link kind. */
export class InputSource {
  readonly link: LinkKind;
  private readonly rand: FuzzRandom;
  private readonly samples: Sample[];
  private readonly focus: Sample[];
  private readonly controlRate: number;
  private readonly metaFor: (sample: Sample, rand: FuzzRandom) => FrameMeta;

  /**
   * `focus`: the ops this link serves; most inputs start from one of them (so mutations
   * reach the handlers) and the unmutated controls are always one of them.
   */
  constructor(
    link: LinkKind,
    rand: FuzzRandom,
    samples: Sample[],
    metaFor: (sample: Sample, rand: FuzzRandom) => FrameMeta,
    opts: { focus?: Sample[]; controlRate?: number } = {},
  ) {
    this.link = link;
    this.rand = rand;
    this.samples = samples;
    this.focus = opts.focus && opts.focus.length ? opts.focus : samples;
    this.controlRate = opts.controlRate ?? 0.05;
    this.metaFor = metaFor;
  }

  /** One input and how it was made; `mutation` "none" leaves a valid frame (a control). */
  next(mutation?: Mutation): { input: Buffer; mutation: Mutation; sample: Sample } {
    const r = this.rand;
    const m = mutation ?? (r.chance(this.controlRate) ? "none" : r.pick(MUTATIONS));
    const sample = m === "none" || r.chance(0.6) ? r.pick(this.focus) : r.pick(this.samples);
    const frame = frameOf(this.link, sample, this.metaFor(sample, r));
    const otherSample = r.pick(this.samples);
    const other = frameOf(this.link, otherSample, this.metaFor(otherSample, r));
    let input = mutate(r, this.link, frame, other, m);
    // Sometimes a second mutation on top.
    if (m !== "none" && m !== "random-bytes" && r.chance(0.2)) {
      input = mutate(r, this.link, input, other, r.pick(MUTATIONS));
    }
    return { input, mutation: m, sample };
  }
}

/** The samples of the named ops. */
export function only(samples: Sample[], family: "cluster" | "p2p", names: readonly string[]): Sample[] {
  return samples.filter((s) => s.family === family && names.includes(s.name));
}

/** Requests a sibling serves. */
export const SIBLING_OPS = ["ADD_XSHARD_TX_LIST_REQUEST", "BATCH_ADD_XSHARD_TX_LIST_REQUEST"] as const;
/** Requests and commands the master sends a slave (CONNECT_TO_SLAVES left out: it dials what it names). */
export const MASTER_OPS = clusterOps
  .entries()
  .filter(
    (e) =>
      (e.kind === "request" || e.kind === "command") &&
      ![
        "CONNECT_TO_SLAVES_REQUEST",
        "ADD_MINOR_BLOCK_HEADER_REQUEST",
        "ADD_MINOR_BLOCK_HEADER_LIST_REQUEST",
        ...SIBLING_OPS,
      ].includes(e.name),
  )
  .map((e) => e.name);
/** P2P ops a PeerConn serves. */
export const PEER_OPS = [
  "GET_MINOR_BLOCK_LIST_REQUEST",
  "GET_MINOR_BLOCK_HEADER_LIST_REQUEST",
  "GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST",
  "NEW_MINOR_BLOCK_HEADER_LIST",
  "NEW_TRANSACTION_LIST",
  "NEW_BLOCK_MINOR",
] as const;
