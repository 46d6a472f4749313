import { ConfigError } from "./slave-options.ts";
import { type ConfigJson, JsonFloat } from "./json.ts";

/** A bad cluster config value; `field` is its JSON path, e.g. `QUARKCHAIN.CHAINS[1].GENESIS.DIFFICULTY`. */
export class ClusterConfigError extends ConfigError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export type JsonObject = { [key: string]: ConfigJson };

/** Reads one config field (undefined when absent) into its typed value, or throws naming `path`. */
export type Field<T> = (json: ConfigJson | undefined, path: string) => T;
export type Section<S> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export function show(j: ConfigJson | undefined): string {
  if (j === undefined) return "nothing";
  if (j instanceof JsonFloat) return j.text;
  if (typeof j === "bigint") return j.toString();
  return JSON.stringify(j, (_k, v: unknown) =>
    typeof v === "bigint" ? Number(v) : v instanceof JsonFloat ? Number(v.text) : v,
  );
}

export function fail(path: string, problem: string): never {
  throw new ClusterConfigError(path, problem);
}

export function isObject(j: ConfigJson | undefined): j is JsonObject {
  return typeof j === "object" && j !== null && !Array.isArray(j) && !(j instanceof JsonFloat);
}

export function asObject(j: ConfigJson | undefined, path: string): JsonObject {
  if (j === undefined) fail(path, "missing (an object is required here)");
  if (!isObject(j)) fail(path, `expected an object, got ${show(j)}`);
  return j;
}

export function asArray(j: ConfigJson | undefined, path: string): ConfigJson[] {
  if (!Array.isArray(j)) fail(path, `expected an array, got ${show(j)}`);
  return j;
}

export function asString(j: ConfigJson | undefined, path: string): string {
  if (typeof j !== "string") fail(path, `expected a string, got ${show(j)}`);
  return j;
}

/** A JSON integer in [min, max] (floats such as 1.0 are refused: pyquarkchain would carry a float). */
export function asInt(j: ConfigJson | undefined, path: string, min = 0n, max?: bigint): bigint {
  if (typeof j !== "bigint") fail(path, `expected an integer, got ${show(j)}`);
  if (j < min) fail(path, `must be at least ${min}, got ${j}`);
  if (max !== undefined && j > max) fail(path, `must be at most ${max}, got ${j}`);
  return j;
}

/** Python's bytes.fromhex: pairs of hex digits, ASCII whitespace allowed between pairs, no 0x. */
export function fromHex(text: string, path: string, length?: number): Uint8Array {
  if (!/^(?:[ \t\n\v\f\r]*[0-9a-fA-F]{2})*[ \t\n\v\f\r]*$/.test(text)) {
    fail(path, `expected hex digits (no 0x prefix), got ${JSON.stringify(text)}`);
  }
  const bytes = Buffer.from(text.replace(/[ \t\n\v\f\r]/g, ""), "hex");
  if (length !== undefined && bytes.length !== length)
    fail(path, `expected ${length} bytes of hex, got ${bytes.length}`);
  return new Uint8Array(bytes);
}

const u = (bits: number) => (1n << BigInt(bits)) - 1n;

/** Field constructors: each takes pyquarkchain's class default, used when the key is absent. */
export const field = {
  int:
    (dflt: number, max = Number(u(32)), min = 0): Field<number> =>
    (j, p) =>
      j === undefined ? dflt : Number(asInt(j, p, BigInt(min), BigInt(max))),
  big:
    (dflt: bigint, bits?: number): Field<bigint> =>
    (j, p) =>
      j === undefined ? dflt : asInt(j, p, 0n, bits === undefined ? undefined : u(bits)),
  /** An integer or null (pyquarkchain's optional timestamps and heights). */
  optBig:
    (dflt: bigint | null = null): Field<bigint | null> =>
    (j, p) =>
      j === undefined ? dflt : j === null ? null : asInt(j, p, 0n, u(64)),
  optInt:
    (dflt: number | null = null, max = Number(u(32))): Field<number | null> =>
    (j, p) =>
      j === undefined ? dflt : j === null ? null : Number(asInt(j, p, 0n, BigInt(max))),
  /** An int or a float (Python accepts either where it does arithmetic or division). */
  num:
    (dflt: number): Field<number> =>
    (j, p) => {
      if (j === undefined) return dflt;
      if (typeof j === "bigint") return Number(j);
      if (j instanceof JsonFloat) return j.value;
      return fail(p, `expected a number, got ${show(j)}`);
    },
  bool:
    (dflt: boolean): Field<boolean> =>
    (j, p) => {
      if (j === undefined) return dflt;
      if (typeof j !== "boolean") fail(p, `expected true or false, got ${show(j)}`);
      return j;
    },
  str:
    (dflt: string): Field<string> =>
    (j, p) =>
      j === undefined ? dflt : asString(j, p),
  optStr:
    (dflt: string | null = null): Field<string | null> =>
    (j, p) =>
      j === undefined ? dflt : j === null ? null : asString(j, p),
  /** Hex text (bytes.fromhex), optionally of a fixed byte length. */
  hex:
    (dflt: string, length?: number): Field<Uint8Array> =>
    (j, p) =>
      fromHex(j === undefined ? dflt : asString(j, p), p, length),
};

/** Reads every field of `spec` from `json` (absent keys take defaults; unknown keys are ignored, as in pyquarkchain). */
export function readSection<S extends Record<string, Field<unknown>>>(
  spec: S,
  json: JsonObject,
  path: string,
): Section<S> {
  const out: Record<string, unknown> = {};
  for (const [key, read] of Object.entries(spec))
    out[key] = read(Object.hasOwn(json, key) ? json[key] : undefined, `${path}.${key}`);
  return out as Section<S>;
}
