import { JsonShapeError } from "./errors.ts";
import type { Json } from "./codec.ts";
import { hex } from "./bytes.ts";

/** Integers render as JSON numbers while exact, as decimal strings beyond 2^53 - 1. */
export function intToJson(v: number | bigint): Json {
  if (typeof v === "number") return v;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function jsonToBigInt(j: Json): bigint {
  if (typeof j === "number" && Number.isInteger(j)) return BigInt(j);
  if (typeof j === "string" && /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(j)) {
    return j.startsWith("-") ? -BigInt(j.slice(1)) : BigInt(j);
  }
  throw new JsonShapeError(`expected an integer, got ${JSON.stringify(j)}`);
}

export function jsonToNumber(j: Json): number {
  const v = jsonToBigInt(j);
  // Out-of-range values are kept (as an inexact number if need be) so that encoding, not parsing, refuses them.
  return Number(v);
}

export function bytesToJson(b: Uint8Array): string {
  return "0x" + hex(b);
}

export function jsonToBytes(j: Json): Buffer {
  if (typeof j !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(j)) {
    throw new JsonShapeError(`expected a 0x-prefixed hex string, got ${JSON.stringify(j)}`);
  }
  return Buffer.from(j.slice(2), "hex");
}

export function jsonArray(j: Json): Json[] {
  if (!Array.isArray(j)) throw new JsonShapeError(`expected an array, got ${JSON.stringify(j)}`);
  return j;
}

export function jsonObject(j: Json): { [key: string]: Json } {
  if (j === null || typeof j !== "object" || Array.isArray(j)) {
    throw new JsonShapeError(`expected an object, got ${JSON.stringify(j)}`);
  }
  return j;
}
