import { type Codec, Writer } from "../codec/index.ts";

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

function writeHeader(w: Writer, link: LinkKind, h: FrameHeader, payloadSize: number): void {
  w.u32(payloadSize);
  if (link !== "slave") w.u32(h.branch);
  if (link === "master") w.u64(h.clusterPeerId);
  w.u8(h.op);
  w.u64(h.rpcId);
}

/** Encodes a message straight after its header, so the frame is one Buffer written once. */
export function encodeFrame<T>(link: LinkKind, h: FrameHeader, codec: Codec<T>, value: T): Buffer {
  const w = new Writer(512);
  const start = headerSize(link);
  w.ensure(start);
  w.pos = start;
  codec.write(w, value);
  const payloadSize = w.pos - start;
  const end = w.pos;
  w.pos = 0;
  writeHeader(w, link, h, payloadSize);
  w.pos = end;
  return w.finish();
}

/** A frame around payload bytes that are already encoded (forwarding, tests). */
export function encodeRawFrame(link: LinkKind, h: FrameHeader, payload: Uint8Array): Buffer {
  const w = new Writer(headerSize(link) + payload.length);
  writeHeader(w, link, h, payload.length);
  w.bytes(payload);
  return w.finish();
}

export interface FrameDecoderOptions {
  maxPayloadBytes?: number;
}

/**
 * Turns arbitrary TCP chunks into whole frames. Chunks are queued, never re-concatenated:
 * a frame inside one chunk is a view of it, and a frame that spans chunks is copied
 * once into its own buffer, so the work is linear in the bytes received.
 */
export class FrameDecoder {
  readonly link: LinkKind;
  readonly maxPayloadBytes: number;
  private readonly metaSize: number;
  private readonly headSize: number;
  private readonly chunks: Array<Buffer | undefined> = []; // consumed chunks are cleared to let them go
  private first = 0; // index of the first live chunk
  private offset = 0; // read position inside chunks[first]
  private queued = 0; // bytes not yet consumed
  private payloadSize = -1; // size of the frame in progress, once its length field is read

  constructor(link: LinkKind, opts: FrameDecoderOptions = {}) {
    this.link = link;
    this.metaSize = METADATA_SIZE[link];
    this.headSize = headerSize(link);
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.queued;
  }

  /** Whether a frame has started but not finished (the slow-loris deadline watches this). */
  get inFrame(): boolean {
    return this.queued > 0;
  }

  /**
   * Feeds one chunk and hands each whole frame to `onFrame`, in order. Throws a
   * FrameError as soon as a length field exceeds the limit; the decoder is then unusable.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    for (;;) {
      if (this.payloadSize < 0) {
        if (this.queued < 4) return;
        const size = this.peekU32();
        if (size > this.maxPayloadBytes) {
          throw new FrameError(
            "too-large",
            `frame payload of ${size} bytes exceeds the limit of ${this.maxPayloadBytes}`,
          );
        }
        this.payloadSize = size;
      }
      const total = this.headSize + this.payloadSize;
      if (this.queued < total) return;
      const bytes = this.take(total);
      this.payloadSize = -1;
      onFrame(this.parse(bytes));
    }
  }

  /** Called at end of stream: bytes of an unfinished frame are an error ("read unexpected EOF"). */
  end(): void {
    if (this.queued > 0) {
      throw new FrameError("truncated", `connection closed inside a frame (${this.queued} bytes of it received)`);
    }
  }

  private peekU32(): number {
    const c = this.chunks[this.first]!;
    if (c.length - this.offset >= 4) return c.readUInt32BE(this.offset);
    let v = 0;
    let i = this.first;
    let o = this.offset;
    for (let n = 0; n < 4; n++) {
      while (o >= this.chunks[i]!.length) {
        i++;
        o = 0;
      }
      v = v * 256 + this.chunks[i]![o++]!;
    }
    return v;
  }

  /** Removes `n` bytes from the front of the queue: a view if they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    const c = this.chunks[this.first]!;
    if (c.length - this.offset >= n) {
      const out = c.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const cur = this.chunks[this.first]!;
      const k = Math.min(n - filled, cur.length - this.offset);
      cur.copy(out, filled, this.offset, this.offset + k);
      filled += k;
      this.advance(k);
    }
    return out;
  }

  private advance(n: number): void {
    this.queued -= n;
    this.offset += n;
    const c = this.chunks[this.first]!;
    if (this.offset === c.length) {
      this.chunks[this.first] = undefined;
      this.first++;
      this.offset = 0;
      if (this.first === this.chunks.length) {
        this.chunks.length = 0;
        this.first = 0;
      } else if (this.first > 1024) {
        this.chunks.splice(0, this.first);
        this.first = 0;
      }
    }
  }

  private parse(b: Buffer): Frame {
    let p = 4;
    let branch = 0;
    let clusterPeerId = 0n;
    if (this.metaSize >= 4) {
      branch = b.readUInt32BE(p);
      p += 4;
    }
    if (this.metaSize === 12) {
      clusterPeerId = b.readBigUInt64BE(p);
      p += 8;
    }
    const op = b[p]!;
    const rpcId = b.readBigUInt64BE(p + 1);
    return { branch, clusterPeerId, op, rpcId, payload: b.subarray(this.headSize) };
  }
}
