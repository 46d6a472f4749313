import type { Codec } from "./codec.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export function encode<T>(codec: Codec<T>, value: T): Buffer {
  const w = new Writer();
  codec.write(w, value);
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
