import { DecodeError } from "./errors.ts";

/**
 * A cursor over one payload. Reads never copy: byte fields are views of the input,
 * which is why a payload buffer must not be reused after it is decoded.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(input: Uint8Array, start = 0, end = input.length) {
    this.buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.end - this.pos < n) throw new DecodeError("truncated", "buffer is shorter than expected");
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** An unsigned big-endian integer of `size` bytes, any size. */
  uintBig(size: number): bigint {
    this.need(size);
    const v = size === 0 ? 0n : BigInt("0x" + this.buf.toString("hex", this.pos, this.pos + size));
    this.pos += size;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}
