/**
 * What is worked out once per code (vm.py:preprocess_code): the jump destinations (a JUMPDEST byte counts
 * only where an opcode starts, never inside PUSH data) and, filled as they are first executed, the PUSH
 * values (bytes past the end read as zero), so a loop allocates no bigint for its constants.
 */
import { addrKey, bytesToBigint } from "./words.ts";
import type { Address } from "./world.ts";

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

/** The account code a frame runs, as the world knows it (for the code hash). */
export interface CodeSource {
  getCode(addr: Address): Uint8Array;
  getCodeHash(addr: Address): Uint8Array;
}

/** By code object: the world hands out the same array for an account while its state is open. */
const byCode = new WeakMap<Uint8Array, CodeAnalysis>();
/**
 * By code hash, least recently used first: a state opened per block reads each contract's code afresh, and
 * the analysis (a byte and a slot per code byte, and the PUSH values met so far) outlives the block.
 * Bounded by the code it covers; an analysis costs about 9 bytes per code byte.
 */
const byHash = new Map<string, CodeAnalysis>();
const MAX_CACHED_CODE_BYTES = 2 * 1024 * 1024;
let cachedCodeBytes = 0;

/**
 * The analysis of `code`. `at` names the account whose code it is (omitted for init code, which has no
 * hash and runs once): an analysis is then shared by every array holding that account's code.
 */
export function analyse(code: Uint8Array, world?: CodeSource, at?: Address): CodeAnalysis {
  let a = byCode.get(code);
  if (a !== undefined) return a;
  // Only the account's current code has its hash (a caller may hold code read before a change).
  if (world !== undefined && at !== undefined && world.getCode(at) === code) {
    const key = addrKey(world.getCodeHash(at));
    a = byHash.get(key);
    if (a !== undefined) {
      byHash.delete(key); // most recently used goes last
      byHash.set(key, a);
    } else {
      a = new CodeAnalysis(code);
      remember(key, a);
    }
  } else a = new CodeAnalysis(code);
  byCode.set(code, a);
  return a;
}

function remember(key: string, a: CodeAnalysis): void {
  const size = a.code.length;
  if (size > MAX_CACHED_CODE_BYTES) return;
  byHash.set(key, a);
  cachedCodeBytes += size;
  for (const [k, old] of byHash) {
    if (cachedCodeBytes <= MAX_CACHED_CODE_BYTES) break;
    byHash.delete(k);
    cachedCodeBytes -= old.code.length;
  }
}

/** How much the code-hash cache holds (tests). */
export function analysisCacheSize(): { entries: number; codeBytes: number } {
  return { entries: byHash.size, codeBytes: cachedCodeBytes };
}
