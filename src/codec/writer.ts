import { EncodeError } from "./errors.ts";

/**
 * A growable output buffer. Frames reserve their header in the same buffer as the
 * payload, so a whole frame leaves as one contiguous Buffer with no concatenation.
 */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  u8(v: number): void {
    checkUint(v, 0xff, 1);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    checkUint(v, 0xffff, 2);
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    checkUint(v, 0xffffffff, 4);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  u64(v: bigint): void {
    checkBigUint(v, 8);
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** An unsigned big-endian integer in exactly `size` bytes. */
  uintBig(v: bigint, size: number): void {
    checkBigUint(v, size);
    this.ensure(size);
    const hex = v.toString(16);
    const start = this.pos + size - ((hex.length + 1) >> 1);
    this.buf.fill(0, this.pos, start);
    this.buf.write(hex.length & 1 ? "0" + hex : hex, start, "hex");
    this.pos += size;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The bytes written so far, as a view (no copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function checkUint(v: number, max: number, size: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw overflow(v, size);
}

function checkBigUint(v: bigint, size: number): void {
  if (typeof v !== "bigint" || v < 0n || v >> BigInt(size * 8) !== 0n) throw overflow(v, size);
}

function overflow(v: unknown, size: number): EncodeError {
  const negative = (typeof v === "number" || typeof v === "bigint") && v < 0;
  return new EncodeError(
    "overflow",
    negative
      ? `can't convert negative int to unsigned (${String(v)})`
      : `int too big to convert: ${String(v)} in ${size} bytes`,
  );
}
