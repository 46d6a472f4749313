import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Codec } from "../codec/index.ts";
import { type Frame, FrameDecoder, FrameError, type FrameHeader, type LinkKind, encodeFrame } from "./frame.ts";
import type { FrameSink } from "./rpc-connection.ts";

export interface SocketLinkOptions {
  link: LinkKind;
  name: string;
  log: Logger;
  maxPayloadBytes?: number;
}

/**
 * One TCP socket: one decoder in, one writer out. Each frame is one `write` of one
 * buffer, and reading pauses while the socket's write buffer is over its high-water
 * mark, so a peer that does not read cannot make us queue without bound.
 */
export class SocketLink implements FrameSink {
  readonly socket: Socket;
  readonly link: LinkKind;
  readonly name: string;
  readonly log: Logger;
  private readonly decoder: FrameDecoder;
  private onFrame: (frame: Frame) => void = () => {};
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private closedReason: string | undefined;
  private congested = false;

  constructor(socket: Socket, opts: SocketLinkOptions) {
    this.socket = socket;
    this.link = opts.link;
    this.name = opts.name;
    this.log = opts.log;
    this.decoder = new FrameDecoder(opts.link, { maxPayloadBytes: opts.maxPayloadBytes });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.data(chunk));
    socket.on("end", () => this.ended());
    socket.on("error", (err) => this.close(`socket error: ${err.message}`));
    socket.on("close", () => this.close("socket closed"));
    socket.on("drain", () => {
      if (this.congested) {
        this.congested = false;
        socket.resume();
      }
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }

  /** Starts delivering frames (set once, after the owner has its handlers ready). */
  start(onFrame: (frame: Frame) => void): void {
    this.onFrame = onFrame;
  }

  onClose(fn: (reason: string) => void): void {
    if (this.closedReason !== undefined) fn(this.closedReason);
    else this.closeListeners.push(fn);
  }

  writeFrame<T>(header: FrameHeader, codec: Codec<T>, value: T): void {
    this.write(encodeFrame(this.link, header, codec, value));
  }

  /** Writes one whole frame. Writes after close are dropped, as nothing can carry them. */
  write(frame: Buffer): void {
    if (this.closedReason !== undefined) return;
    if (!this.socket.write(frame) && !this.congested) {
      this.congested = true;
      this.socket.pause();
    }
  }

  /** Closes the socket (once); `reason` is what the logs and close listeners see. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.socket.destroy();
    for (const fn of this.closeListeners.splice(0)) fn(reason);
  }

  private data(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, this.onFrame);
    } catch (err) {
      // Whatever one link sends, only that link pays for it: the process stays up.
      if (err instanceof FrameError) {
        this.log.warn({ conn: this.name, remote: this.remote, kind: err.kind, reason: err.message }, "bad frame");
        this.close(err.message);
      } else {
        this.log.error({ conn: this.name, remote: this.remote, err }, "internal error while handling a frame");
        this.close(`internal error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private ended(): void {
    try {
      this.decoder.end();
      this.close("closed by peer");
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.warn({ conn: this.name, remote: this.remote, reason }, "bad frame");
      this.close(reason);
    }
  }
}
