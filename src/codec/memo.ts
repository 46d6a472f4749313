import type { Codec, Infer } from "./codec.ts";
import type { Writer } from "./writer.ts";

/** A codec that can be told the bytes of a value, and then writes that value by copying them. */
export interface Remembering<T> {
  /** `bytes` are exactly this value's encoding, owned by the caller and never changed afterwards. */
  remember(value: T, bytes: Uint8Array): void;
  /** The bytes remembered for this value, if any. */
  remembered(value: T): Uint8Array | undefined;
}

/**
 * For values that are never changed once built or decoded (blocks and headers: a stored
 * block is served again and again, a header is hashed many times). The bytes of such a
 * value, once known, are kept with the object (a WeakMap: they go when it goes), and
 * writing it again, alone or inside a bigger message, is one copy instead of an encoding.
 * A value changed after its bytes were remembered would be written as it was: build a
 * value completely before storing or hashing it.
 */
export function remembering<C extends Codec<object>>(codec: C): C & Remembering<Infer<C>> {
  type T = Infer<C>;
  const known = new WeakMap<T, Uint8Array>();
  const write = codec.write.bind(codec) as (w: Writer, value: T) => void;
  return {
    ...codec,
    write(w: Writer, value: T) {
      const bytes = known.get(value);
      if (bytes === undefined) write(w, value);
      else w.bytes(bytes);
    },
    remember(value, bytes) {
      known.set(value, bytes);
    },
    remembered: (value) => known.get(value),
  };
}

/**
 * Bytes fit to be remembered: `bytes` itself when it is a whole buffer of its own, else a
 * copy (a view would keep alive a received chunk or a shared pool slab around it; and
 * Buffer's slice() is a view, hence the Uint8Array copy).
 */
export function owned(bytes: Uint8Array): Uint8Array {
  return ownsItsBuffer(bytes) ? bytes : new Uint8Array(bytes);
}

/** Whether `bytes` spans the whole of its ArrayBuffer (keeping it keeps nothing else alive). */
export function ownsItsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}
