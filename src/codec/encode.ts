import type { Codec } from "./codec.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

/**
 * The size of the last value each codec encoded: the next one starts in a buffer that size,
 * so a value of a steady size (a stored deposit list, a block) is written without regrowing
 * and copying its buffer, and does not keep a buffer twice its size alive.
 */
const sizeHints = new WeakMap<object, number>();

export function encode<T>(codec: Codec<T>, value: T): Buffer {
  const hint = sizeHints.get(codec);
  const w = new Writer(hint === undefined ? 256 : Math.max(hint, 16));
  codec.write(w, value);
  if (w.pos !== hint) sizeHints.set(codec, w.pos);
  return w.finish();
}

/** Decodes one value; like pyquarkchain, bytes after it are ignored. */
export function decode<T>(codec: Codec<T>, input: Uint8Array): T {
  return codec.read(new Reader(input));
}

/** Decodes one value and says how many bytes it took (the rest is trailing). */
export function decodePrefix<T>(codec: Codec<T>, input: Uint8Array): { value: T; consumed: number } {
  const r = new Reader(input);
  const value = codec.read(r);
  return { value, consumed: r.pos };
}
