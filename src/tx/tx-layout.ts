/**
 * The well-formed EVM transaction read in one pass, straight into its fields. Only strict,
 * canonical RLP of the shape decodeEvmTransaction accepts is read here; anything else (a list item,
 * a non-canonical length, a wrong field size, a leading zero, trailing bytes) is left to the generic
 * decoder, which refuses it with pyquarkchain's message. So a transaction read here is exactly what
 * the generic path reads, and its fields' encodings are exactly what encoding its values gives back:
 * hash_unsigned's preimage is a window on the signed bytes (no re-encoding).
 *
 * Every block's every transaction is read here on the main thread, so it allocates little: the
 * item bounds go to one reused scratch array, the integers that fit in 6 bytes go through a
 * number, r and s through one hex string, and where the windows lie is kept in the transaction
 * itself (private fields: a copy such as { ...tx, r } is a plain object without them).
 */

const ITEMS = 15;
/** Sizes a field must have: -1 any, -2 0 or 20 (to), else exact (the shard keys). */
const SIZE = [-1, -1, -1, -2, -1, -1, -1, 4, 4, -1, -1, -1, -1, -1, -1];
/** The integer fields (BigEndianInt: no leading zero byte). */
const INT = [true, true, true, false, true, false, true, false, false, true, true, true, true, true, true];

/**
 * Item i's head at [3i], payload start at [3i+1], end at [3i+2], then the list's own head length
 * at [45]. Reused by every read: a read completes before the next starts (no await in between).
 */
const at = new Uint32Array(3 * ITEMS + 1);

/** The long-form length at raw[at+1 .. at+1+ll], or -1 when it is not canonical (left to the generic path). */
function longLength(raw: Uint8Array, at: number, ll: number): number {
  if (at + 1 + ll > raw.length || raw[at + 1] === 0 || ll > 4) return -1;
  let n = 0;
  for (let i = 1; i <= ll; i++) n = n * 256 + raw[at + i]!;
  return n < 56 ? -1 : n;
}

/** Fills `at` with the items' bounds; false when the bytes are not a well-formed transaction. */
function scan(raw: Uint8Array): boolean {
  const b0 = raw[0];
  if (b0 === undefined || b0 < 0xc0) return false;
  let pos: number;
  let listEnd: number;
  if (b0 < 0xf8) {
    pos = 1;
    listEnd = 1 + b0 - 0xc0;
  } else {
    const n = longLength(raw, 0, b0 - 0xf7);
    if (n < 0) return false;
    pos = 1 + b0 - 0xf7;
    listEnd = pos + n;
  }
  if (listEnd !== raw.length) return false;
  at[3 * ITEMS] = pos;
  for (let i = 0; i < ITEMS; i++) {
    if (pos >= listEnd) return false;
    const b = raw[pos]!;
    let start: number;
    let end: number;
    if (b < 0x80) {
      start = pos;
      end = pos + 1;
    } else if (b < 0xb8) {
      start = pos + 1;
      end = start + b - 0x80;
      if (b === 0x81 && start < listEnd && raw[start]! < 0x80) return false;
    } else if (b < 0xc0) {
      const n = longLength(raw, pos, b - 0xb7);
      if (n < 0) return false;
      start = pos + 1 + b - 0xb7;
      end = start + n;
    } else {
      return false; // a list where a field is
    }
    if (end > listEnd) return false;
    const size = end - start;
    const want = SIZE[i]!;
    if (want === -2 ? size !== 0 && size !== 20 : want >= 0 && size !== want) return false;
    if (INT[i] && size > 0 && raw[start] === 0) return false;
    at[3 * i] = pos;
    at[3 * i + 1] = start;
    at[3 * i + 2] = end;
    pos = end;
  }
  return pos === listEnd;
}

/** Where the items lie: item i's payload is raw[starts[i] .. ends[i]], its encoding from heads[i]. */
export interface TxLayout {
  readonly raw: Uint8Array;
  readonly heads: Uint32Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
}

/** A TxLayout whose arrays are rewritten by each txLayoutInto (one per reader that reads one at a time). */
export interface ScratchTxLayout extends TxLayout {
  raw: Uint8Array;
}

/** A layout to pass to txLayoutInto, again and again. */
export function scratchTxLayout(): ScratchTxLayout {
  return {
    raw: new Uint8Array(0),
    heads: new Uint32Array(ITEMS + 1),
    starts: new Uint32Array(ITEMS),
    ends: new Uint32Array(ITEMS),
  };
}

/**
 * The layout of a well-formed transaction written into `out` (true), or false for the generic decoder
 * to judge, `out` then left as it was. What the sender threads read every transaction with: nothing
 * allocated per transaction (a fresh layout was four objects, ~0.3 kB, each time).
 */
export function txLayoutInto(raw: Uint8Array, out: ScratchTxLayout): boolean {
  if (!scan(raw)) return false;
  const { heads, starts, ends } = out;
  for (let i = 0; i < ITEMS; i++) {
    heads[i] = at[3 * i]!;
    starts[i] = at[3 * i + 1]!;
    ends[i] = at[3 * i + 2]!;
  }
  heads[ITEMS] = raw.length;
  out.raw = raw;
  return true;
}

/**
 * The layout of a well-formed transaction as arrays of its own, or undefined for the generic decoder
 * to judge (what reads a transaction's bytes without decoding it).
 */
export function txLayout(raw: Uint8Array): TxLayout | undefined {
  const out = scratchTxLayout();
  return txLayoutInto(raw, out) ? out : undefined;
}

const hexSlice = (Buffer.prototype as unknown as { hexSlice: (this: Uint8Array, start: number, end: number) => string })
  .hexSlice;

/** 0n..255n made once: version, v, network id, often value and gas price, need no new bigint. */
const SMALL: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/**
 * One 32-byte scratch word read as 64-bit words: r, s and a value in wei come out of it without the
 * hex string and its parse (~2x faster per integer; a DataView over a fresh small array would make
 * V8 move that array off its heap first).
 */
const word = new DataView(new ArrayBuffer(32));
const wordBytes = new Uint8Array(word.buffer);

/** The big-endian unsigned integer at raw[start..end] (empty is 0). */
export function intAt(raw: Uint8Array, start: number, end: number): bigint {
  const n = end - start;
  if (n <= 6) {
    let x = 0;
    for (let i = start; i < end; i++) x = x * 256 + raw[i]!;
    return x < 256 ? SMALL[x]! : BigInt(x);
  }
  if (n > 32) return BigInt("0x" + hexSlice.call(raw, start, end));
  wordBytes.fill(0, 0, 32 - n);
  for (let i = 0; i < n; i++) wordBytes[32 - n + i] = raw[start + i]!;
  if (n <= 8) return word.getBigUint64(24);
  if (n <= 16) return (word.getBigUint64(16) << 64n) | word.getBigUint64(24);
  return (
    (word.getBigUint64(0) << 192n) |
    (word.getBigUint64(8) << 128n) |
    (word.getBigUint64(16) << 64n) |
    word.getBigUint64(24)
  );
}

/** The 4-byte shard key at raw[start..start+4]. */
export const uint32At = (raw: Uint8Array, start: number): number =>
  ((raw[start]! << 24) | (raw[start + 1]! << 16) | (raw[start + 2]! << 8) | raw[start + 3]!) >>> 0;

const EMPTY = new Uint8Array(0);

/** A fresh copy of raw[start..end] (never a view: a field outlives the block's frame). */
function bytesAt(raw: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return EMPTY;
  const out = new Uint8Array(n);
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = raw[start + i]!;
  else out.set(raw.subarray(start, end));
  return out;
}

/**
 * A transaction read from its well-formed bytes: the fields (transaction.ts's EvmTransaction, by
 * shape: that file imports this one), and where its windows lie in those bytes.
 */
export class WireTransaction {
  nonce: bigint;
  gasprice: bigint;
  startgas: bigint;
  to: Uint8Array;
  value: bigint;
  data: Uint8Array;
  network_id: bigint;
  from_full_shard_key: number;
  to_full_shard_key: number;
  gas_token_id: bigint;
  transfer_token_id: bigint;
  version: bigint;
  v: bigint;
  r: bigint;
  s: bigint;
  readonly #raw: Uint8Array;
  /** Where the first item, the 8th (from_full_shard_key) and the 12th (version) begin. */
  readonly #head0: number;
  readonly #head7: number;
  readonly #head11: number;
  /** r's and s's payloads. */
  readonly #r0: number;
  readonly #r1: number;
  readonly #s0: number;
  readonly #s1: number;

  /** From `raw` once scan(raw) has filled `at`. */
  private constructor(raw: Uint8Array) {
    const a = at;
    this.nonce = intAt(raw, a[1]!, a[2]!);
    this.gasprice = intAt(raw, a[4]!, a[5]!);
    this.startgas = intAt(raw, a[7]!, a[8]!);
    this.to = bytesAt(raw, a[10]!, a[11]!);
    this.value = intAt(raw, a[13]!, a[14]!);
    this.data = bytesAt(raw, a[16]!, a[17]!);
    this.network_id = intAt(raw, a[19]!, a[20]!);
    this.from_full_shard_key = uint32At(raw, a[22]!);
    this.to_full_shard_key = uint32At(raw, a[25]!);
    this.gas_token_id = intAt(raw, a[28]!, a[29]!);
    this.transfer_token_id = intAt(raw, a[31]!, a[32]!);
    this.version = intAt(raw, a[34]!, a[35]!);
    this.v = intAt(raw, a[37]!, a[38]!);
    this.r = intAt(raw, a[40]!, a[41]!);
    this.s = intAt(raw, a[43]!, a[44]!);
    this.#raw = raw;
    this.#head0 = a[45]!;
    this.#head7 = a[21]!;
    this.#head11 = a[33]!;
    this.#r0 = a[40]!;
    this.#r1 = a[41]!;
    this.#s0 = a[43]!;
    this.#s1 = a[44]!;
  }

  /** The transaction in `raw`, or undefined for the generic decoder to judge. */
  static read(raw: Uint8Array): WireTransaction | undefined {
    return scan(raw) ? new WireTransaction(raw) : undefined;
  }

  /** Whether `tx` is one read here (not a copy of one: its fields may differ from its bytes). */
  static is(tx: object): tx is WireTransaction {
    return #raw in tx;
  }

  /** The encodings of the first 7 items (through network_id) or 11 (through transfer_token_id). */
  unsignedWindow(items: 7 | 11): Uint8Array {
    return this.#raw.subarray(this.#head0, items === 7 ? this.#head7 : this.#head11);
  }

  /** r ‖ s as 64 bytes (r and s are below n when asked, so at most 32 bytes each). */
  compactSignature(): Uint8Array {
    const raw = this.#raw;
    const sig = new Uint8Array(64);
    for (let i = this.#r0, j = 32 - (this.#r1 - this.#r0); i < this.#r1; i++, j++) sig[j] = raw[i]!;
    for (let i = this.#s0, j = 64 - (this.#s1 - this.#s0); i < this.#s1; i++, j++) sig[j] = raw[i]!;
    return sig;
  }
}
