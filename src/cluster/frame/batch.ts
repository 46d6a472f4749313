/** Frames written back to back for one socket: one buffer, one write per tick. */
import { type Codec, Writer } from "../../codec/index.ts";
import { type FrameHeader, type LinkKind, appendFrame, headerSize, sizeHints } from "./format.ts";

/** From this size on, a frame that does not fit the batch's buffer gets a buffer of its own. */
const LARGE_FRAME_BYTES = 16 * 1024;

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
