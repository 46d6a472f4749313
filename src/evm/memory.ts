import { GMEMORY, GQUADRATICMEMDENOM } from "./gas.ts";

/** Past this many bytes no gas a frame can hold pays for the expansion (2^32 bytes cost over 2^45 gas). */
const MAX_MEMORY = 0x100000000n;
const MAX_MEMORY_BYTES = 0x100000000;

/** Total fee of `words` 32-byte words (vm.py:mem_extend): words·3 + words²/512, exact. */
export function memoryFee(words: number): number {
  if (words <= 0x4000000) return words * GMEMORY + Math.floor((words * words) / GQUADRATICMEMDENOM);
  const w = BigInt(words);
  return Number(w * BigInt(GMEMORY) + (w * w) / BigInt(GQUADRATICMEMDENOM));
}

/** A frame's memory: grows in 32-byte words, backed by a buffer that doubles. */
export class Memory {
  buf = new Uint8Array(0);
  /** A view of `buf` for word loads and stores (replaced with the buffer). */
  view = new DataView(this.buf.buffer);
  /** Bytes in use (vm.py's len(mem)), always a multiple of 32. */
  length = 0;

  /**
   * The gas to make `[start, start+size)` addressable, 0 if it already is or size is 0 (vm.py:mem_extend
   * skips those); -1 when it cannot be paid by any frame.
   */
  expansionCost(start: bigint, size: bigint): number {
    if (size === 0n) return 0;
    // Either operand at 2^32 or more puts the end past MAX_MEMORY (both are unsigned).
    if (start >= MAX_MEMORY || size >= MAX_MEMORY) return -1;
    const end = Number(start) + Number(size);
    if (end <= this.length) return 0;
    if (end > MAX_MEMORY_BYTES) return -1;
    const oldWords = this.length >>> 5;
    const newWords = Math.ceil(end / 32);
    return memoryFee(newWords) - memoryFee(oldWords);
  }

  /** Empty again, the buffer kept and zeroed (growTo relies on zeros past `length`). */
  reset(): void {
    this.buf.fill(0, 0, this.length);
    this.length = 0;
  }

  /** Grow to cover `end` bytes (rounded up to a word); call after paying `expansionCost`. */
  growTo(end: number): void {
    const len = Math.ceil(end / 32) * 32;
    if (len <= this.length) return;
    if (len > this.buf.length) {
      const next = new Uint8Array(Math.max(len, this.buf.length * 2, 1024));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = len;
  }
}
