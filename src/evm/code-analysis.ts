/**
 * Jump destinations, found once per code (vm.py:preprocess_code): a JUMPDEST byte counts only where an
 * opcode starts, never inside PUSH data.
 */
const cache = new WeakMap<Uint8Array, Uint8Array>();

/** 1 where `code[i]` is a JUMPDEST opcode. Cached by code object (the world hands out the same array). */
export function jumpDests(code: Uint8Array): Uint8Array {
  let d = cache.get(code);
  if (d === undefined) {
    d = new Uint8Array(code.length);
    for (let i = 0; i < code.length; i++) {
      const op = code[i]!;
      if (op === 0x5b) d[i] = 1;
      else if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
    }
    cache.set(code, d);
  }
  return d;
}
