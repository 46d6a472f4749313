/**
 * Strict RLP (Yellow Paper appendix B), with pyrlp 1.x strictness: canonical lengths only,
 * single bytes < 0x80 never wrapped, no trailing bytes. The checks run in the order of the
 * harness rlp shim (shims/rlp/codec.py) so that the first error found, and its message,
 * are the ones pyquarkchain's fixtures record.
 */

export type RlpItem = Uint8Array | RlpItem[];

/** pyrlp's DecodingError; fixtures render it as "DecodingError: <message>". */
export class RlpDecodingError extends Error {
  override name = "DecodingError";
}

/** Bytes of the big-endian length in a long prefix. */
function bytesOf(length: number): number {
  let n = 0;
  for (let l = length; l > 0; l = Math.floor(l / 256)) n++;
  return n;
}

/** The size of the prefix of a string or list whose payload is `length` bytes. */
export const rlpPrefixSize = (length: number): number => (length < 56 ? 1 : 1 + bytesOf(length));
const prefixSize = rlpPrefixSize;

/** Writes the prefix of a payload of `length` bytes at `pos` (offset 0x80: a string, 0xc0: a list); the position after it. */
export function writeRlpPrefix(out: Uint8Array, pos: number, length: number, offset: 0x80 | 0xc0): number {
  return writePrefix(out, pos, length, offset);
}

/** A string item's encoded size: a single byte below 0x80 is its own item. */
export const rlpStringSize = (b: Uint8Array): number =>
  b.length === 1 && b[0]! < 0x80 ? 1 : rlpPrefixSize(b.length) + b.length;

/** Writes `b` as an RLP string item at `pos`; the position after it. */
export function writeRlpString(out: Uint8Array, pos: number, b: Uint8Array): number {
  if (b.length === 1 && b[0]! < 0x80) {
    out[pos] = b[0]!;
    return pos + 1;
  }
  pos = writePrefix(out, pos, b.length, 0x80);
  out.set(b, pos);
  return pos + b.length;
}

function writePrefix(out: Uint8Array, pos: number, length: number, offset: number): number {
  if (length < 56) {
    out[pos] = offset + length;
    return pos + 1;
  }
  const ll = bytesOf(length);
  out[pos] = offset + 55 + ll;
  for (let i = ll, l = length; i > 0; i--, l = Math.floor(l / 256)) out[pos + i] = l % 256;
  return pos + 1 + ll;
}

/** An unsigned integer as RLP's big-endian string: no leading zeros, 0 is the empty string. */
export function rlpInt(v: bigint | number): Uint8Array {
  if (v < 0) throw new RangeError(`negative integer ${v} has no big-endian form`);
  if (v === 0 || v === 0n) return new Uint8Array(0);
  if (v <= Number.MAX_SAFE_INTEGER) {
    // Most integers (nonces, gas, small values) fit a double: no hex round trip.
    let n = Number(v);
    const out = new Uint8Array(bytesOf(n));
    for (let i = out.length - 1; i >= 0; i--, n = Math.floor(n / 256)) out[i] = n % 256;
    return out;
  }
  const h = v.toString(16);
  return new Uint8Array(Buffer.from(h.length % 2 ? "0" + h : h, "hex"));
}

/*
 * Encoding in two passes over the item: the payload length of every list, in visiting order,
 * then each byte written once into one buffer (no copy per nesting level). Not reentrant,
 * and never called from inside itself.
 */
let listLengths: number[] = [];
let nextList = 0;

function measure(item: RlpItem): number {
  if (item instanceof Uint8Array) {
    const n = item.length;
    return n === 1 && item[0]! < 0x80 ? 1 : prefixSize(n) + n;
  }
  const slot = listLengths.length;
  listLengths.push(0);
  let payload = 0;
  for (const child of item) payload += measure(child);
  listLengths[slot] = payload;
  return prefixSize(payload) + payload;
}

function write(item: RlpItem, out: Uint8Array, pos: number): number {
  if (item instanceof Uint8Array) {
    const n = item.length;
    if (n === 1 && item[0]! < 0x80) {
      out[pos] = item[0]!;
      return pos + 1;
    }
    pos = writePrefix(out, pos, n, 0x80);
    out.set(item, pos);
    return pos + n;
  }
  pos = writePrefix(out, pos, listLengths[nextList++]!, 0xc0);
  for (const child of item) pos = write(child, out, pos);
  return pos;
}

export function rlpEncode(item: RlpItem): Uint8Array {
  listLengths = [];
  nextList = 0;
  const out = new Uint8Array(measure(item));
  write(item, out, 0);
  return out;
}

interface Prefix {
  isList: boolean;
  length: number;
  payloadStart: number;
}

function longLength(rlp: Uint8Array, start: number, lengthOfLength: number, what: string): number {
  // The shim said "Length prefix too short" here; the fixtures were made with this wording.
  if (start + 1 + lengthOfLength > rlp.length) throw new RlpDecodingError("Truncated length-of-length");
  if (rlp[start + 1] === 0) throw new RlpDecodingError("Length starts with zero bytes");
  let length = 0;
  // Up to 8 bytes: a double may round, but any length that large exceeds the input anyway.
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + rlp[start + i]!;
  if (length < 56) throw new RlpDecodingError(`Long ${what} prefix used for short ${what}`);
  return length;
}

function consumeLengthPrefix(rlp: Uint8Array, start: number): Prefix {
  if (start >= rlp.length) throw new RlpDecodingError("Input too short");
  const b0 = rlp[start]!;
  if (b0 < 0x80) return { isList: false, length: 1, payloadStart: start };
  if (b0 < 0xb8) {
    const length = b0 - 0x80;
    // Like the shim, this looks at the next input byte even if the item would be truncated.
    if (length === 1 && start + 1 < rlp.length && rlp[start + 1]! < 0x80) {
      throw new RlpDecodingError("Encoded as short string although single byte was possible");
    }
    return { isList: false, length, payloadStart: start + 1 };
  }
  if (b0 < 0xc0) {
    const ll = b0 - 0xb7;
    return { isList: false, length: longLength(rlp, start, ll, "string"), payloadStart: start + 1 + ll };
  }
  if (b0 < 0xf8) return { isList: true, length: b0 - 0xc0, payloadStart: start + 1 };
  const ll = b0 - 0xf7;
  return { isList: true, length: longLength(rlp, start, ll, "list"), payloadStart: start + 1 + ll };
}

function consumeItem(rlp: Uint8Array, start: number): [RlpItem, number] {
  const { isList, length, payloadStart } = consumeLengthPrefix(rlp, start);
  const end = payloadStart + length;
  if (end > rlp.length) throw new RlpDecodingError("Payload longer than input");
  if (!isList) return [rlp.slice(payloadStart, end), end];
  const items: RlpItem[] = [];
  let pos = payloadStart;
  // Children are bounded by the input, not the list; an overrun shows up as a mismatch.
  while (pos < end) {
    const [item, next] = consumeItem(rlp, pos);
    items.push(item);
    pos = next;
  }
  if (pos !== end) throw new RlpDecodingError("List payload length mismatch");
  return [items, end];
}

export function rlpDecode(rlp: Uint8Array): RlpItem {
  const [item, end] = consumeItem(rlp, 0);
  if (end !== rlp.length) {
    throw new RlpDecodingError(`RLP string ends with ${rlp.length - end} superfluous bytes`);
  }
  return item;
}
