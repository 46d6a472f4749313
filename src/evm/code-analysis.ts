/**
 * What is worked out once per code (vm.py:preprocess_code): the jump destinations (a JUMPDEST byte counts
 * only where an opcode starts, never inside PUSH data) and, filled as they are first executed, the PUSH
 * values (bytes past the end read as zero), so a loop allocates no bigint for its constants.
 */
import { bytesToBigint } from "./words.ts";

export class CodeAnalysis {
  /** 1 where `code[i]` is a JUMPDEST opcode. */
  readonly dests: Uint8Array;
  /** The value of the PUSH at each pc, once executed. */
  private readonly pushes: (bigint | undefined)[];

  constructor(readonly code: Uint8Array) {
    const d = new Uint8Array(code.length);
    for (let i = 0; i < code.length; i++) {
      const op = code[i]!;
      if (op === 0x5b) d[i] = 1;
      else if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
    }
    this.dests = d;
    this.pushes = new Array<bigint | undefined>(code.length).fill(undefined);
  }

  /** The operand of the PUSHn at `pc` (n bytes from pc + 1). */
  pushValue(pc: number, n: number): bigint {
    let v = this.pushes[pc];
    if (v === undefined) {
      const code = this.code;
      const start = pc + 1;
      const end = start + n;
      if (end <= code.length) v = bytesToBigint(code, start, end);
      else {
        const padded = new Uint8Array(n);
        padded.set(code.subarray(start));
        v = bytesToBigint(padded);
      }
      this.pushes[pc] = v;
    }
    return v;
  }
}

const cache = new WeakMap<Uint8Array, CodeAnalysis>();

/** The analysis of `code`, cached by code object (the world hands out the same array for an account). */
export function analyse(code: Uint8Array): CodeAnalysis {
  let a = cache.get(code);
  if (a === undefined) {
    a = new CodeAnalysis(code);
    cache.set(code, a);
  }
  return a;
}
