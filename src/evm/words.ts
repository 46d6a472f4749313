/** 256-bit words as bigints, and their byte forms (vm.py's utils.to_signed, int_to_addr, encode_int32). */

export const TT256 = 1n << 256n;
export const TT256M1 = TT256 - 1n;
export const TT255 = 1n << 255n;

/** Two's-complement reading of a word (utils.to_signed). */
export const toSigned = (x: bigint): bigint => (x >= TT255 ? x - TT256 : x);

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Where words and addresses are read through native 64-bit loads. Copying the bytes in beats a DataView
 * over the source: most sources (hashes, addresses) are fresh arrays of 64 bytes or less, which V8 keeps
 * on its heap, and a DataView would first move each one's bytes out to a new backing store.
 */
const SCRATCH = new Uint8Array(128);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

/** Big-endian bytes (any length, empty = 0) to an unsigned bigint (utils.big_endian_to_int). */
export function bytesToBigint(b: Uint8Array, start = 0, end = b.length): bigint {
  const n = end - start;
  if (n === 32) {
    for (let i = 0; i < 32; i++) SCRATCH[i] = b[start + i]!;
    return readWordAt(SCRATCH_VIEW, 0);
  }
  if (n === 20) {
    for (let i = 0; i < 20; i++) SCRATCH[i] = b[start + i]!;
    const v = SCRATCH_VIEW;
    return (((BigInt(v.getUint32(0)) << 64n) | v.getBigUint64(4)) << 64n) | v.getBigUint64(12);
  }
  if (n <= 6) {
    let v = 0;
    for (let i = start; i < end; i++) v = v * 256 + b[i]!;
    return BigInt(v);
  }
  if (n <= 32) {
    // 6-byte limbs: exact as doubles, so one bigint step per limb.
    let i = start;
    let head = 0;
    const headLen = n % 6;
    for (; i < start + headLen; i++) head = head * 256 + b[i]!;
    let v = BigInt(head);
    for (; i < end; i += 6) {
      const limb =
        ((((b[i]! * 256 + b[i + 1]!) * 256 + b[i + 2]!) * 256 + b[i + 3]!) * 256 + b[i + 4]!) * 256 + b[i + 5]!;
      v = (v << 48n) | BigInt(limb);
    }
    return v;
  }
  let s = "0x";
  for (let i = start; i < end; i++) s += HEX[b[i]!];
  return BigInt(s);
}

/** Write `v` (0 ≤ v < 2^256) as 32 big-endian bytes at `out[off..off+32)` (utils.encode_int32). */
export function writeWord(out: Uint8Array, off: number, v: bigint): void {
  // Through the scratch view, not a DataView over `out` (a small fresh array: see SCRATCH).
  writeWordAt(SCRATCH_VIEW, 0, v);
  for (let i = 0; i < 32; i++) out[off + i] = SCRATCH[i]!;
}

/** writeWord through a view the caller keeps (memory): four native 64-bit stores. */
export function writeWordAt(dv: DataView, off: number, v: bigint): void {
  if (v < 0x100000000n) {
    dv.setBigUint64(off, 0n);
    dv.setBigUint64(off + 8, 0n);
    dv.setBigUint64(off + 16, 0n);
    dv.setUint32(off + 24, 0);
    dv.setUint32(off + 28, Number(v));
    return;
  }
  if (v <= 0xffffffffffffffffn) {
    // An amount: one store of the word's low limb, no shifted copies.
    dv.setBigUint64(off, 0n);
    dv.setBigUint64(off + 8, 0n);
    dv.setBigUint64(off + 16, 0n);
    dv.setBigUint64(off + 24, v);
    return;
  }
  // setBigUint64 stores its argument modulo 2^64: no BigInt.asUintN copies.
  if (v < 0x1000000000000000000000000000000000000000000000000n) {
    // An address or anything below 2^192: no top limb to cut.
    dv.setBigUint64(off, 0n);
    dv.setBigUint64(off + 8, v >> 128n);
    dv.setBigUint64(off + 16, v >> 64n);
    dv.setBigUint64(off + 24, v);
    return;
  }
  dv.setBigUint64(off, v >> 192n);
  dv.setBigUint64(off + 8, v >> 128n);
  dv.setBigUint64(off + 16, v >> 64n);
  dv.setBigUint64(off + 24, v);
}

/** The 32-byte big-endian word at `off` of a view (MLOAD). */
export function readWordAt(dv: DataView, off: number): bigint {
  // Leading zero limbs (amounts, addresses) are told by 32-bit reads: no BigInt made for them.
  if ((dv.getUint32(off) | dv.getUint32(off + 4)) === 0) {
    if ((dv.getUint32(off + 8) | dv.getUint32(off + 12)) === 0) {
      if ((dv.getUint32(off + 16) | dv.getUint32(off + 20)) === 0) return dv.getBigUint64(off + 24);
      return (dv.getBigUint64(off + 16) << 64n) | dv.getBigUint64(off + 24);
    }
    return (dv.getBigUint64(off + 8) << 128n) | (dv.getBigUint64(off + 16) << 64n) | dv.getBigUint64(off + 24);
  }
  return (
    (dv.getBigUint64(off) << 192n) |
    (dv.getBigUint64(off + 8) << 128n) |
    (dv.getBigUint64(off + 16) << 64n) |
    dv.getBigUint64(off + 24)
  );
}

/** A fresh 32-byte big-endian encoding. */
export function word32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  writeWord(out, 0, v);
  return out;
}

/** The low 160 bits of a word as a 20-byte address (utils.int_to_addr). */
export function addrFromWord(w: bigint): Uint8Array {
  const out = new Uint8Array(20);
  if (w < 0x100000000n) {
    // A small word (a precompile, a test address): the low four bytes.
    const x = Number(w);
    out[16] = x >>> 24;
    out[17] = (x >>> 16) & 0xff;
    out[18] = (x >>> 8) & 0xff;
    out[19] = x & 0xff;
    return out;
  }
  // Bits 0..191 as three 64-bit stores (each modulo 2^64); the address is bytes 4..23 of them.
  const v = SCRATCH_VIEW;
  v.setBigUint64(0, w >> 128n);
  v.setBigUint64(8, w >> 64n);
  v.setBigUint64(16, w);
  for (let i = 0; i < 20; i++) out[i] = SCRATCH[i + 4]!;
  return out;
}

/** An address as a word (utils.coerce_to_int). */
export const wordFromAddr = (a: Uint8Array): bigint => bytesToBigint(a);

/** Bytes of the minimal big-endian form (len(utils.encode_int(x))): 0 for 0. */
export function byteLength(x: bigint): number {
  if (x === 0n) return 0;
  return (x.toString(16).length + 1) >> 1;
}

/** Lowercase hex of an address, the key of `BlockEnv.senderDisallowMap`. */
export function addrKey(a: Uint8Array): string {
  let s = "";
  for (let i = 0; i < a.length; i++) s += HEX[a[i]!];
  return s;
}

/** Byte-wise equality of two addresses. */
export function sameAddr(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
