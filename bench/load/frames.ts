/**
 * Frame boundaries and answers straight from the header, decoding nothing: the hot path of
 * the ideal slave and of the sibling stand-ins. A header is size (u32), metadata, op (u8),
 * rpc id (u64); `head` is its length on the link (25 on the master link, 13 between slaves).
 */

/** Gives each whole frame of the stream to `onFrame(buf, at)`, keeping a partial one for the next chunk. */
export class FrameSplitter {
  private rest: Buffer | undefined;

  constructor(readonly head: number) {}

  push(chunk: Buffer, onFrame: (buf: Buffer, at: number) => void): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const head = this.head;
    let at = 0;
    while (buf.length - at >= head) {
      const total = head + buf.readUInt32BE(at);
      if (buf.length - at < total) break;
      onFrame(buf, at);
      at += total;
    }
    this.rest = at < buf.length ? buf.subarray(at) : undefined;
  }

  op(buf: Buffer, at: number): number {
    return buf[at + this.head - 9]!;
  }

  /** rpc id 0 is a command (no answer). */
  isCommand(buf: Buffer, at: number): boolean {
    return buf.readUInt32BE(at + this.head - 8) === 0 && buf.readUInt32BE(at + this.head - 4) === 0;
  }

  /** The low 32 bits of the rpc id (the load generator's and the slaves' ids stay below 2^32). */
  rpcId(buf: Buffer, at: number): number {
    return buf.readUInt32BE(at + this.head - 4);
  }

  frame(buf: Buffer, at: number): Buffer {
    return buf.subarray(at, at + this.head + buf.readUInt32BE(at));
  }

  /** A copy of a recorded request frame with another rpc id. */
  withRpcId(frame: Buffer, rpcId: number): Buffer {
    const f = Buffer.from(frame);
    f.writeUInt32BE(0, this.head - 8);
    f.writeUInt32BE(rpcId, this.head - 4);
    return f;
  }

  /** The answer to the request at `at`: op + 1, its metadata and rpc id, then `payload` (two buffers, for one write). */
  answer(buf: Buffer, at: number, payload: Buffer): [Buffer, Buffer] {
    const h = Buffer.from(buf.subarray(at, at + this.head));
    h.writeUInt32BE(payload.length, 0);
    h[this.head - 9] = buf[at + this.head - 9]! + 1;
    return [h, payload];
  }
}
