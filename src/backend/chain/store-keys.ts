/** The chain store's record keys: a tag of two letters (pyquarkchain's key prefixes), then the parts. */

const prefixes = new Map<string, Uint8Array>(); // each tag's bytes, made once: lookups make keys all the time

export function key(prefix: string, ...parts: Uint8Array[]): Uint8Array {
  let p = prefixes.get(prefix);
  if (p === undefined) prefixes.set(prefix, (p = new Uint8Array(Buffer.from(prefix, "latin1"))));
  let size = p.length;
  for (const x of parts) size += x.length;
  const out = new Uint8Array(size);
  out.set(p);
  let at = p.length;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

const U64_BYTES = new Uint8Array(8);
const U64_VIEW = new DataView(U64_BYTES.buffer);

/** A height as the canonical index's key part: 8 bytes, big-endian. */
export function u64(v: bigint): Uint8Array {
  U64_VIEW.setBigUint64(0, v);
  // A copy of the scratch bytes: a DataView over a fresh 8-byte array's `.buffer` would move it
  // out of V8's heap into a malloc'd store of its own (see kv.ts, SMALL_VALUE).
  return U64_BYTES.slice();
}
