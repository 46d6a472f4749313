import type { Codec, Json, Random } from "./codec.ts";
import { EncodeError } from "./errors.ts";
import { bytesToJson, intToJson, jsonToBigInt, jsonToBytes, jsonToNumber } from "./json.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

function randomBigUint(rand: Random, bytes: number): bigint {
  // Edges first: zero, the maximum, and then a random width so small values appear too.
  const pick = rand.int(8);
  if (pick === 0) return 0n;
  if (pick === 1) return (1n << BigInt(bytes * 8)) - 1n;
  const width = 1 + rand.int(bytes);
  return BigInt("0x" + Buffer.from(rand.bytes(width)).toString("hex"));
}

/** uint8, uint16, uint32: exact in a JS number. */
function smallUint(bytes: 1 | 2 | 4): Codec<number> {
  const read: (r: Reader) => number = bytes === 1 ? (r) => r.u8() : bytes === 2 ? (r) => r.u16() : (r) => r.u32();
  const write: (w: Writer, v: number) => void =
    bytes === 1 ? (w, v) => w.u8(v) : bytes === 2 ? (w, v) => w.u16(v) : (w, v) => w.u32(v);
  return {
    schema: `uint${bytes * 8}`,
    read,
    write,
    toJson: (v) => v,
    fromJson: jsonToNumber,
    zero: () => 0,
    arbitrary: (rand) => Number(randomBigUint(rand, bytes)),
  };
}

/** uint64 and wider: always bigint, so no precision is ever lost. */
function bigUintFixed(bytes: number): Codec<bigint> {
  const read: (r: Reader) => bigint = bytes === 8 ? (r) => r.u64() : (r) => r.uintBig(bytes);
  const write: (w: Writer, v: bigint) => void = bytes === 8 ? (w, v) => w.u64(v) : (w, v) => w.uintBig(v, bytes);
  return {
    schema: `uint${bytes * 8}`,
    read,
    write,
    toJson: intToJson,
    fromJson: jsonToBigInt,
    zero: () => 0n,
    arbitrary: (rand) => randomBigUint(rand, bytes),
  };
}

export const uint8 = smallUint(1);
export const uint16 = smallUint(2);
export const uint32 = smallUint(4);
export const uint64 = bigUintFixed(8);
export const uint128 = bigUintFixed(16);
export const uint256 = bigUintFixed(32);
export const uint2048 = bigUintFixed(256);

const U64_MAX = (1n << 64n) - 1n;

/** Bytes in the minimal big-endian form of a non-negative integer number. */
function byteLength(n: number): number {
  let size = 0;
  for (; n > 0; n = Math.floor(n / 256)) size++;
  return size;
}

/** pyquarkchain's BigUintSerializer: a 1-byte length, then the minimal big-endian magnitude. */
export const biguint: Codec<bigint> = {
  schema: "biguint",
  read: (r) => r.uintBig(r.u8()), // non-minimal input (leading zeros) is accepted, as in pyquarkchain
  write(w, v) {
    if (typeof v !== "bigint" || v < 0n)
      throw new EncodeError("overflow", `can't convert negative int to unsigned (${String(v)})`);
    if (v === 0n) return w.u8(0);
    if (v <= 0xffffffffn) {
      const n = Number(v);
      const size = byteLength(n);
      w.u8(size);
      w.uintNumber(n, size);
      return;
    }
    if (v <= U64_MAX) {
      // Amounts, difficulties: two 32-bit halves as numbers, no hex string.
      const hi = Number(v >> 32n);
      const lo = Number(v & 0xffffffffn);
      const size = byteLength(hi);
      w.u8(size + 4);
      w.uintNumber(hi, size);
      w.u32(lo);
      return;
    }
    const size = (v.toString(16).length + 1) >> 1;
    if (size > 255) throw tooLong();
    w.u8(size);
    w.uintBig(v, size);
  },
  toJson: intToJson,
  fromJson: jsonToBigInt,
  zero: () => 0n,
  arbitrary: (rand) => randomBigUint(rand, 1 + rand.int(40)),
};

/** BooleanSerializer: written 0/1, and any non-zero byte reads as true. */
export const boolean: Codec<boolean> = {
  schema: "boolean",
  read: (r) => r.u8() !== 0,
  write: (w, v) => w.u8(v ? 1 : 0),
  toJson: (v) => v,
  fromJson(j: Json) {
    if (typeof j !== "boolean") return jsonToNumber(j) !== 0;
    return j;
  },
  zero: () => false,
  arbitrary: (rand) => rand.int(2) === 1,
};

/** FixedSizeBytesSerializer(n): exactly n raw bytes (hash256 is bytes(32)). */
export function bytes(n: number): Codec<Uint8Array> {
  return {
    schema: `bytes[${n}]`,
    read: (r) => r.bytes(n),
    write(w, v) {
      if (v.length !== n)
        throw new EncodeError("length", `FixedSizeBytesSerializer input bytes size ${v.length} expect ${n}`);
      w.bytes(v);
    },
    toJson: bytesToJson,
    fromJson: jsonToBytes,
    zero: () => new Uint8Array(n),
    arbitrary: (rand) => rand.bytes(n),
  };
}

const prefixNames = { 1: "uint8", 2: "uint16", 4: "uint32" } as const;
export type PrefixSize = keyof typeof prefixNames;

export function readPrefix(r: Reader, size: PrefixSize): number {
  return size === 1 ? r.u8() : size === 2 ? r.u16() : r.u32();
}

const prefixLimit = { 1: 2 ** 8, 2: 2 ** 16, 4: 2 ** 32 } as const;

export function writePrefix(w: Writer, size: PrefixSize, n: number): void {
  if (n >= prefixLimit[size]) throw tooLong();
  if (size === 1) w.u8(n);
  else if (size === 2) w.u16(n);
  else w.u32(n);
}

export function prefixName(size: PrefixSize): string {
  return prefixNames[size];
}

function tooLong(): EncodeError {
  return new EncodeError("too-long", "bytes size exceeds limit");
}

// One function per prefix width (not one closure for all three): each call site stays simple.
const varBytesRead: { [K in PrefixSize]: (r: Reader) => Uint8Array } = {
  1: (r) => r.bytes(r.u8()),
  2: (r) => r.bytes(r.u16()),
  4: (r) => r.bytes(r.u32()),
};
const varBytesWrite: { [K in PrefixSize]: (w: Writer, v: Uint8Array) => void } = {
  1: (w, v) => {
    if (v.length >= 2 ** 8) throw tooLong();
    w.u8(v.length);
    w.bytes(v);
  },
  2: (w, v) => {
    if (v.length >= 2 ** 16) throw tooLong();
    w.u16(v.length);
    w.bytes(v);
  },
  4: (w, v) => {
    if (v.length >= 2 ** 32) throw tooLong();
    w.u32(v.length);
    w.bytes(v);
  },
};

/** PrependedSizeBytesSerializer(k): a k-byte length, then the bytes. */
export function varBytes(size: PrefixSize): Codec<Uint8Array> {
  return {
    schema: `varbytes(len=${prefixName(size)})`,
    read: varBytesRead[size],
    write: varBytesWrite[size],
    toJson: bytesToJson,
    fromJson: jsonToBytes,
    zero: () => new Uint8Array(0),
    arbitrary: (rand) => rand.bytes(rand.int(size === 1 ? 40 : 300)),
  };
}
