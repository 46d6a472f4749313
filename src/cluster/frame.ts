import { type Codec, Writer, ownsItsBuffer } from "../codec/index.ts";

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

/** Appends one frame to `w`; on an encoding error `w` is left as it was and the error thrown. */
function appendFrame<T>(w: Writer, link: LinkKind, head: number, h: FrameHeader, codec: Codec<T>, value: T): void {
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

/** From this size on, a frame that does not fit the batch's buffer gets a buffer of its own. */
const LARGE_FRAME_BYTES = 16 * 1024;

/**
 * The size of the last frame of each message type: the next one starts in a buffer that
 * size, so a frame is encoded in place, without regrowing its buffer or copying it out.
 */
const sizeHints = new WeakMap<object, number>();

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

export interface FrameBatchOptions {
  /** A batch this large is handed over at once, without waiting for the end of the tick. */
  flushBytes?: number;
}

/**
 * The frames one socket sends, encoded back to back into one buffer and handed to `send`
 * once per tick (process.nextTick after the first frame), or as soon as `flushBytes` are
 * waiting. The answers to a chunk of 64 requests then cost one write system call, not 64,
 * and no per-frame buffer. Frames leave in the order they were added, raw ones included.
 */
export class FrameBatch {
  readonly link: LinkKind;
  private readonly head: number;
  private readonly send: (bytes: Buffer) => void;
  private readonly flushBytes: number;
  private w: Writer | undefined;
  private scheduled = false;
  private sizeHint = 256;
  private count = 0;
  private readonly onTick: () => void;

  constructor(link: LinkKind, send: (bytes: Buffer) => void, opts: FrameBatchOptions = {}) {
    this.link = link;
    this.head = headerSize(link);
    this.send = send;
    this.flushBytes = opts.flushBytes ?? 64 * 1024;
    this.onTick = () => {
      this.scheduled = false;
      this.flush();
    };
  }

  /** Bytes waiting to be handed over. */
  get pendingBytes(): number {
    return this.w?.pos ?? 0;
  }

  /** Frames waiting to be handed over. */
  get pendingFrames(): number {
    return this.count;
  }

  /** Encodes one frame at the end of the batch; its size in bytes. An encoding error throws and adds nothing. */
  add<T>(h: FrameHeader, codec: Codec<T>, value: T): number {
    // Room for the frame before encoding it (its type's last size), not by doubling midway;
    // a large one that does not fit after what is waiting starts a buffer of its own.
    const need = sizeHints.get(codec) ?? 0;
    let w = this.w;
    if (w !== undefined && need >= LARGE_FRAME_BYTES && w.pos + need > w.buf.length) {
      this.flush();
      w = undefined;
    }
    if (w === undefined) w = this.w = new Writer(Math.max(this.sizeHint, need));
    else w.ensure(need);
    const start = w.pos;
    appendFrame(w, this.link, this.head, h, codec, value);
    const size = w.pos - start;
    if (size !== need) sizeHints.set(codec, size);
    this.added(w);
    return size;
  }

  /** Appends a frame that is already encoded. */
  addRaw(frame: Uint8Array): void {
    const w = (this.w ??= new Writer(Math.max(this.sizeHint, frame.length)));
    w.bytes(frame);
    this.added(w);
  }

  /** Hands over whatever is waiting now (before a close, say). */
  flush(): void {
    const w = this.w;
    if (w === undefined || w.pos === 0) return;
    this.w = undefined;
    this.count = 0;
    // The next batch starts at about this one's size (small ones come from Buffer's pool).
    this.sizeHint = Math.min(Math.max(w.pos, 256), this.flushBytes);
    this.send(w.finish());
  }

  private added(w: Writer): void {
    this.count++;
    if (w.pos >= this.flushBytes) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.onTick);
    }
  }
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
    if (this.queued === 0) {
      // Nothing pending (the usual case): the frames are read straight from this chunk,
      // and only a trailing partial frame joins the queue.
      const head = this.headSize;
      const len = chunk.length;
      let at = 0;
      while (len - at >= 4) {
        const size = u32At(chunk, at);
        if (size > this.maxPayloadBytes) throw this.tooLarge(size);
        const total = head + size;
        if (len - at < total) break;
        at += total;
        onFrame(this.parse(chunk, at - total, total));
      }
      if (at === len) return;
      if (at > 0) chunk = chunk.subarray(at);
    }
    this.chunks.push(chunk);
    this.queued += chunk.length;
    for (;;) {
      if (this.payloadSize < 0) {
        if (this.queued < 4) return;
        const size = this.peekU32();
        if (size > this.maxPayloadBytes) throw this.tooLarge(size);
        this.payloadSize = size;
      }
      const total = this.headSize + this.payloadSize;
      if (this.queued < total) return;
      this.payloadSize = -1;
      const c = this.chunks[this.first]!;
      if (c.length - this.offset >= total) {
        // The whole frame is in this chunk: its header read in place, its payload a view.
        const at = this.offset;
        this.advance(total);
        onFrame(this.parse(c, at, total));
      } else {
        onFrame(this.parse(this.take(total), 0, total));
      }
    }
  }

  /** Called at end of stream: bytes of an unfinished frame are an error ("read unexpected EOF"). */
  end(): void {
    if (this.queued > 0) {
      throw new FrameError("truncated", `connection closed inside a frame (${this.queued} bytes of it received)`);
    }
  }

  private tooLarge(size: number): FrameError {
    return new FrameError("too-large", `frame payload of ${size} bytes exceeds the limit of ${this.maxPayloadBytes}`);
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

  /** Removes `n` bytes that span chunks from the front of the queue, copied once into their own buffer. */
  private take(n: number): Buffer {
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

  /** The frame in b[at, at + total). */
  private parse(b: Buffer, at: number, total: number): Frame {
    let p = at + 4;
    let branch = 0;
    let clusterPeerId = 0n;
    if (this.metaSize >= 4) {
      branch = u32At(b, p);
      p += 4;
    }
    if (this.metaSize === 12) {
      clusterPeerId = u64At(b, p);
      p += 8;
    }
    const op = b[p]!;
    const rpcId = u64At(b, p + 1);
    // An empty payload (most polls) needs no view of its own.
    const payload = total === this.headSize ? EMPTY_PAYLOAD : b.subarray(at + this.headSize, at + total);
    return { branch, clusterPeerId, op, rpcId, payload };
  }
}

const EMPTY_PAYLOAD = Buffer.alloc(0);

function u32At(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** A u64 as a bigint: no bigint arithmetic for the usual small ids (0n is the constant). */
function u64At(b: Uint8Array, p: number): bigint {
  const hi = u32At(b, p);
  const lo = u32At(b, p + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return hi < 0x200000 ? BigInt(hi * 2 ** 32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
