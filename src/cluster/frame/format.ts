import { type Codec, Writer, ownsItsBuffer } from "../../codec/index.ts";

/**
 * pyquarkchain's frame: [u32 payload size][metadata][u8 op][u64 rpc_id][payload], big-endian.
 * The size counts the payload only. The metadata width depends on the link.
 */
export type LinkKind = "master" | "slave" | "p2p";

export const METADATA_SIZE: Readonly<Record<LinkKind, number>> = { master: 12, slave: 0, p2p: 4 };

/** pyquarkchain's P2P_COMMAND_SIZE_LIMIT; cluster links in pyquarkchain have no limit at all. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 128 * 1024 * 1024;

export interface FrameHeader {
  /** ClusterMetadata/P2PMetadata branch (a full shard id); 0 where the link has no metadata. */
  branch: number;
  /** ClusterMetadata cluster_peer_id; 0 (RESERVED_CLUSTER_PEER_ID) where the link has none. */
  clusterPeerId: bigint;
  op: number;
  rpcId: bigint;
}

export interface Frame extends FrameHeader {
  /** Exactly `size` bytes. A view into the received data: do not keep it past decoding if memory matters. */
  payload: Buffer;
}

export type FrameErrorKind = "too-large" | "truncated";

export class FrameError extends Error {
  override readonly name = "FrameError";
  constructor(
    readonly kind: FrameErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function headerSize(link: LinkKind): number {
  return 4 + METADATA_SIZE[link] + 9;
}

/** The header of a frame whose payload fills w.buf[start + header, w.pos): written in place, at `start`. */
function writeHeader(w: Writer, start: number, link: LinkKind, h: FrameHeader, payloadSize: number): void {
  const end = w.pos;
  w.pos = start;
  w.u32(payloadSize);
  if (link !== "slave") w.u32(h.branch);
  if (link === "master") w.u64(h.clusterPeerId);
  w.u8(h.op);
  w.u64(h.rpcId);
  w.pos = end;
}

/**
 * Appends one frame to `w`; on an encoding error `w` is left as it was and the error thrown.
 * Exported for batch.ts (frames appended back to back), not by src/index.ts.
 */
export function appendFrame<T>(
  w: Writer,
  link: LinkKind,
  head: number,
  h: FrameHeader,
  codec: Codec<T>,
  value: T,
): void {
  const start = w.pos;
  try {
    w.ensure(head);
    w.pos = start + head;
    codec.write(w, value);
    writeHeader(w, start, link, h, w.pos - start - head);
  } catch (err) {
    w.pos = start;
    throw err;
  }
}

/**
 * The size of the last frame of each message type: the next one starts in a buffer that
 * size, so a frame is encoded in place, without regrowing its buffer or copying it out.
 * One map for encodeFrame and FrameBatch: a type sized by one is sized for the other.
 */
export const sizeHints = new WeakMap<object, number>();

/** Encodes a message straight after its header, so the frame is one Buffer written once. */
export function encodeFrame<T>(link: LinkKind, h: FrameHeader, codec: Codec<T>, value: T): Buffer {
  const hint = sizeHints.get(codec);
  const w = new Writer(hint === undefined ? 256 : hint);
  appendFrame(w, link, headerSize(link), h, codec, value);
  if (w.pos !== hint) sizeHints.set(codec, w.pos);
  return w.finish();
}

/** A frame around payload bytes that are already encoded (forwarding, tests). */
export function encodeRawFrame(link: LinkKind, h: FrameHeader, payload: Uint8Array): Buffer {
  const w = new Writer(headerSize(link) + payload.length);
  w.pos = headerSize(link);
  w.bytes(payload);
  writeHeader(w, 0, link, h, payload.length);
  return w.finish();
}

/**
 * A frame to be kept past its chunk (queued, held): the decoder may hand out a view of a
 * large chunk, so a payload that is a view gets its own copy; one that already owns its
 * buffer (a frame the decoder joined across chunks) is kept as it is.
 */
export function detached(frame: Frame): Frame {
  return ownsItsBuffer(frame.payload) ? frame : { ...frame, payload: Buffer.from(frame.payload) };
}

/** The cluster_peer_id and op in the header of a whole encoded frame (for counting what leaves). */
export function rawFrameHeader(link: LinkKind, frame: Uint8Array): { clusterPeerId: bigint; op: number } {
  const clusterPeerId = link === "master" ? u64At(frame, 8) : 0n;
  return { clusterPeerId, op: frame[4 + METADATA_SIZE[link]]! };
}

/** Big-endian header fields, read by decoder.ts too. */
export function u32At(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** A u64 as a bigint: no bigint arithmetic for the usual small ids (0n is the constant). */
export function u64At(b: Uint8Array, p: number): bigint {
  const hi = u32At(b, p);
  const lo = u32At(b, p + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return hi < 0x200000 ? BigInt(hi * 2 ** 32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
