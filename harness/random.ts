import type { Random } from "../src/codec/codec.ts";

/**
 * Deterministic randomness for property tests. One seed drives every run; set QKC_SEED
 * (decimal or 0x-hex) to replay a failure. Each named stream gets its own generator, so
 * adding draws to one test does not change the values another test sees.
 */

const DEFAULT_SEED = 0x51ab_c0de;

function parseSeed(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_SEED;
  const n = Number(raw); // accepts decimal and 0x-hex
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`QKC_SEED must be a non-negative integer, got ${raw}`);
  return n >>> 0;
}

export const seed: number = parseSeed(process.env["QKC_SEED"]);

/** FNV-1a, to turn a stream name into 32 bits that are mixed into the seed. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface Mulberry32 extends Random {
  /** A uniformly random unsigned 32-bit integer. */
  u32(): number;
  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32 from an explicit seed: tiny, fast, and good enough to explore encodings (not for
 * cryptography). The property tests (makeRandom) and the fuzzers (fuzzRandom) both draw from it.
 */
export function mulberry32(seed: number): Mulberry32 {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return (x ^ (x >>> 14)) >>> 0;
  };
  const int = (n: number): number => {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`Random.int needs a positive integer, got ${n}`);
    if (n <= 0x1_0000_0000) return Math.floor((u32() / 0x1_0000_0000) * n);
    // Wider ranges: 53 random bits (the most a double holds exactly).
    const unit = ((u32() >>> 5) * 0x400_0000 + (u32() >>> 6)) / 2 ** 53;
    return Math.floor(unit * n);
  };
  return {
    u32,
    int,
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        let w = u32();
        for (let j = i; j < Math.min(n, i + 4); j++, w >>>= 8) out[j] = w & 0xff;
      }
      return out;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("pick from an empty array");
      return items[int(items.length)]!;
    },
  };
}

export interface SeededRandom extends Mulberry32 {
  readonly stream: string;
}

/** The generator of one named stream of the suite's seed. */
export function makeRandom(stream = "default"): SeededRandom {
  return { stream, ...mulberry32(seed ^ fnv1a(stream)) };
}

/** The subset of a tap test this module needs (kept structural so helpers do not import tap). */
interface TeardownTest {
  teardown(fn: () => void): void;
  passing(): boolean;
}

/** Prints the seed when the test fails, so the failure can be replayed with QKC_SEED. */
export function reportSeedOnFailure(t: TeardownTest): void {
  t.teardown(() => {
    if (!t.passing()) console.error(`# random values came from QKC_SEED=${seed} (replay with QKC_SEED=${seed})`);
  });
}
