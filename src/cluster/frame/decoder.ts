/** TCP chunks in, whole frames out: the one decoder of every socket. */
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Frame,
  FrameError,
  type LinkKind,
  METADATA_SIZE,
  headerSize,
  u32At,
  u64At,
} from "./format.ts";

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
  private cur: Buffer | undefined; // a chunk fed with nothing pending, read in place by next()
  private curAt = 0; // read position inside cur

  constructor(link: LinkKind, opts: FrameDecoderOptions = {}) {
    this.link = link;
    this.metaSize = METADATA_SIZE[link];
    this.headSize = headerSize(link);
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.queued + (this.cur === undefined ? 0 : this.cur.length - this.curAt);
  }

  /** Whether a frame has started but not finished (the slow-loris deadline watches this). */
  get inFrame(): boolean {
    return this.buffered > 0;
  }

  /**
   * Feeds one chunk and hands each whole frame to `onFrame`, in order. Throws a
   * FrameError as soon as a length field exceeds the limit; the decoder is then unusable.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.feed(chunk);
    for (let frame = this.next(); frame !== undefined; frame = this.next()) onFrame(frame);
  }

  /**
   * Takes one chunk; `next()` then reads its frames. The pull form lets a socket's reader hand each
   * frame on from its own loop (socket -> decoder -> dispatcher), without a callback back into it.
   */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.cur === undefined && this.queued === 0) {
      // Nothing pending (the usual case): the frames are read straight from this chunk,
      // and only a trailing partial frame joins the queue.
      this.cur = chunk;
      this.curAt = 0;
      return;
    }
    this.queueRestOfCur();
    this.chunks.push(chunk);
    this.queued += chunk.length;
  }

  /** The next whole frame fed so far, or undefined until more bytes arrive. Throws like push. */
  next(): Frame | undefined {
    const cur = this.cur;
    if (cur !== undefined) {
      const at = this.curAt;
      if (cur.length - at >= 4) {
        const size = u32At(cur, at);
        if (size > this.maxPayloadBytes) throw this.tooLarge(size);
        const total = this.headSize + size;
        if (cur.length - at >= total) {
          this.curAt = at + total;
          return this.parse(cur, at, total);
        }
      }
      this.queueRestOfCur();
    }
    if (this.payloadSize < 0) {
      if (this.queued < 4) return undefined;
      const size = this.peekU32();
      if (size > this.maxPayloadBytes) throw this.tooLarge(size);
      this.payloadSize = size;
    }
    const total = this.headSize + this.payloadSize;
    if (this.queued < total) return undefined;
    this.payloadSize = -1;
    const c = this.chunks[this.first]!;
    if (c.length - this.offset >= total) {
      // The whole frame is in this chunk: its header read in place, its payload a view.
      const at = this.offset;
      this.advance(total);
      return this.parse(c, at, total);
    }
    return this.parse(this.take(total), 0, total);
  }

  /** What is left of the chunk being read in place joins the queue (a partial frame, or a new chunk behind it). */
  private queueRestOfCur(): void {
    const cur = this.cur;
    if (cur === undefined) return;
    this.cur = undefined;
    if (this.curAt === cur.length) return;
    const rest = this.curAt > 0 ? cur.subarray(this.curAt) : cur;
    this.chunks.push(rest);
    this.queued += rest.length;
  }

  /** Called at end of stream: bytes of an unfinished frame are an error ("read unexpected EOF"). */
  end(): void {
    if (this.buffered > 0) {
      throw new FrameError("truncated", `connection closed inside a frame (${this.buffered} bytes of it received)`);
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
