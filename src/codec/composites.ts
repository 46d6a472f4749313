import type { Codec, Infer, Json } from "./codec.ts";
import { DecodeError, EncodeError, JsonShapeError } from "./errors.ts";
import { jsonArray, jsonObject } from "./json.ts";
import { type PrefixSize, prefixName, readPrefix, writePrefix } from "./primitives.ts";

/**
 * Hot read/write functions are generated per codec instance (`new Function`), never shared:
 * a closure made by a factory such as `list()` shares its inline caches with every other
 * list, so `item.read(r)` inside it would see every element type of the protocol and stay
 * megamorphic. A generated function has its own caches: each call site sees one codec and
 * V8 inlines it. The generated code makes the same calls, in the same order, as the plain
 * versions it replaces, so bytes and errors are unchanged.
 */
function compile<F>(params: Record<string, unknown>, body: string): F {
  const names = Object.keys(params);
  return new Function(...names, `"use strict";\n${body}`)(...names.map((n) => params[n])) as F;
}

const prefixRead = { 1: "r.u8()", 2: "r.u16()", 4: "r.u32()" } as const;
const prefixWrite = { 1: "w.u8(n)", 2: "w.u16(n)", 4: "w.u32(n)" } as const;

function truncated(): DecodeError {
  return new DecodeError("truncated", "buffer is shorter than expected");
}

function tooLong(): EncodeError {
  return new EncodeError("too-long", "bytes size exceeds limit");
}

/** PrependedSizeListSerializer(k, T): a k-byte element count, then the elements. */
export function list<T>(size: PrefixSize, item: Codec<T>): Codec<T[]> {
  const limit = 2 ** (size * 8);
  return {
    schema: `list(len=${prefixName(size)}, ${item.schema})`,
    // A count can claim more than the payload holds; fail before allocating for it.
    read: compile(
      { item, truncated },
      `return function read(r) {
        const n = ${prefixRead[size]};
        if (n > r.end - r.pos) throw truncated();
        const out = [];
        for (let i = 0; i < n; i++) out.push(item.read(r));
        return out;
      };`,
    ),
    write: compile(
      { item, tooLong },
      `return function write(w, v) {
        const n = v.length;
        if (n >= ${limit}) throw tooLong();
        ${prefixWrite[size]};
        for (let i = 0; i < n; i++) item.write(w, v[i]);
      };`,
    ),
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson: (j) => jsonArray(j).map((x) => item.fromJson(x)),
    zero: () => [],
    arbitrary: (rand) => Array.from({ length: rand.int(4) }, () => item.arbitrary(rand)),
  };
}

/** Optional(T): a flag byte, then T. Any non-zero flag means present, as in pyquarkchain. */
export function optional<T>(inner: Codec<T>): Codec<T | null> {
  return {
    schema: `optional(${inner.schema})`,
    read: compile({ inner }, `return function read(r) { return r.u8() === 0 ? null : inner.read(r); };`),
    write: compile(
      { inner },
      `return function write(w, v) {
        if (v === null) return w.u8(0);
        w.u8(1);
        inner.write(w, v);
      };`,
    ),
    toJson: (v) => (v === null ? null : inner.toJson(v)),
    fromJson: (j) => (j === null ? null : inner.fromJson(j)),
    zero: () => null,
    arbitrary: (rand) => (rand.int(3) === 0 ? null : inner.arbitrary(rand)),
  };
}

export type MapEntries<K, V> = Array<[K, V]>;

export interface MapOptions<V> {
  /** Entries for which this is true are neither written nor kept when read (zero balances). */
  skip?: (value: V) => boolean;
  skipDescription?: string;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  throw new TypeError("map keys must be integers or bytes");
}

/**
 * A Python dict as pyquarkchain sees it: sorted by key, one entry per key (the last
 * one read wins), with the skipped values dropped. Stable sort keeps "last wins".
 */
function normalize<K, V>(entries: MapEntries<K, V>, skip?: (v: V) => boolean): MapEntries<K, V> {
  // What pyquarkchain writes is already in strictly ascending key order: nothing to sort or
  // merge, and no copy (callers only read the result).
  let ascending = true;
  for (let i = 1; i < entries.length && ascending; i++) ascending = compareKeys(entries[i - 1]![0], entries[i]![0]) < 0;
  if (ascending) return skip && entries.some((e) => skip(e[1])) ? entries.filter((e) => !skip(e[1])) : entries;
  const sorted = entries.map((e, i) => [e, i] as const).sort((a, b) => compareKeys(a[0][0], b[0][0]) || a[1] - b[1]);
  const out: MapEntries<K, V> = [];
  for (const [e] of sorted) {
    const last = out[out.length - 1];
    if (last && compareKeys(last[0], e[0]) === 0) out[out.length - 1] = e;
    else out.push(e);
  }
  return skip ? out.filter((e) => !skip(e[1])) : out;
}

/** PrependedSizeMapSerializer(k, K, V): a count, then (K, V) pairs in ascending key order. */
export function map<K, V>(
  size: PrefixSize,
  key: Codec<K>,
  value: Codec<V>,
  opts: MapOptions<V> = {},
): Codec<MapEntries<K, V>> {
  const skipNote = opts.skipDescription ? `, ${opts.skipDescription}` : "";
  return {
    schema: `map(len=${prefixName(size)}, ${key.schema} -> ${value.schema}${skipNote})`,
    read(r) {
      const n = readPrefix(r, size);
      if (n > r.remaining) throw new DecodeError("truncated", "buffer is shorter than expected");
      const entries: MapEntries<K, V> = [];
      for (let i = 0; i < n; i++) {
        const k = key.read(r);
        entries.push([k, value.read(r)]);
      }
      return normalize(entries, opts.skip);
    },
    write(w, v) {
      const entries = normalize(v, opts.skip);
      writePrefix(w, size, entries.length);
      for (const [k, x] of entries) {
        key.write(w, k);
        value.write(w, x);
      }
    },
    toJson: (v) => normalize(v, opts.skip).map(([k, x]) => [key.toJson(k), value.toJson(x)]),
    fromJson: (j) =>
      jsonArray(j).map((pair) => {
        const [k, x] = jsonArray(pair);
        if (k === undefined || x === undefined) throw new JsonShapeError("map entries are [key, value] pairs");
        return [key.fromJson(k), value.fromJson(x)];
      }),
    zero: () => [],
    arbitrary: (rand) =>
      normalize(
        Array.from({ length: rand.int(4) }, () => [key.arbitrary(rand), value.arbitrary(rand)]),
        opts.skip,
      ),
  };
}

export type Fields = Record<string, Codec<unknown>>;
export type StructValue<F extends Fields> = { [K in keyof F]: Infer<F[K]> };
export type DerivedJson<T> = (value: T) => { [key: string]: Json };

export interface StructCodec<F extends Fields> extends Codec<StructValue<F>> {
  /** pyquarkchain's class name. */
  readonly name: string;
  /** The fields in wire order (pyquarkchain's FIELDS). */
  readonly fields: ReadonlyArray<readonly [string, Codec<unknown>]>;
}

/**
 * A Serializable: its FIELDS back to back, in declaration order (object key order).
 * `derive` adds pyquarkchain's derived, non-wire keys (`_hash`, ...) to the JSON rendering.
 */
export function struct<F extends Fields>(name: string, shape: F, derive?: DerivedJson<StructValue<F>>): StructCodec<F> {
  const fields = Object.entries(shape) as Array<[string, Codec<unknown>]>;
  type T = StructValue<F>;
  const build = (each: (c: Codec<unknown>, k: string) => unknown): T => {
    const out: Record<string, unknown> = {};
    for (const [k, c] of fields) out[k] = each(c, k);
    return out as T;
  };
  // One generated function per struct: an object literal in wire order, one call per field.
  const codecs: Record<string, Codec<unknown>> = {};
  fields.forEach(([, c], i) => (codecs[`c${i}`] = c));
  const key = (k: string): string => JSON.stringify(k);
  const literal = fields.every(([k]) => k !== "__proto__");
  return {
    name,
    schema: name,
    fields,
    read: literal
      ? compile(
          codecs,
          `return function read(r) { return { ${fields.map(([k], i) => `${key(k)}: c${i}.read(r)`).join(", ")} }; };`,
        )
      : (r) => build((c) => c.read(r)),
    write: compile(
      codecs,
      `return function write(w, v) { ${fields.map(([k], i) => `c${i}.write(w, v[${key(k)}]);`).join(" ")} };`,
    ),
    toJson(v) {
      const rec = v as Record<string, unknown>;
      const out: { [key: string]: Json } = {};
      for (const [k, c] of fields) out[k] = c.toJson(rec[k]);
      return derive ? Object.assign(out, derive(v)) : out;
    },
    fromJson(j) {
      const obj = jsonObject(j);
      return build((c, k) => {
        const x = obj[k];
        if (x === undefined) throw new JsonShapeError(`${name}: missing field ${k}`);
        return c.fromJson(x);
      });
    },
    zero: () => build((c) => c.zero()),
    arbitrary: (rand) => build((c) => c.arbitrary(rand)),
  };
}

/**
 * EnumSerializer: peek a uint8 tag, then decode the variant from the tag onward (the
 * variant's first field is the tag itself). An unknown tag is refused both ways.
 */
export function tagged<T extends { type: number }>(
  variants: Record<number, Codec<T> & { readonly name: string }>,
): Codec<T> {
  const variant = (tag: number) => {
    const c = variants[tag];
    if (!c) throw new DecodeError("invalid", `Cannot recognize enum value: ${tag}`);
    return c;
  };
  const list = Object.entries(variants).map(([tag, c]) => `${tag}:${c.name}`);
  const first = Object.values(variants)[0]!;
  return {
    schema: `enum(tag=uint8 at offset 0, ${list.join(", ")})`,
    read(r) {
      r.need(1);
      return variant(r.buf[r.pos]!).read(r);
    },
    write(w, v) {
      const c = variants[v.type];
      if (!c) throw new EncodeError("overflow", `Cannot recognize enum value: ${v.type}`);
      c.write(w, v);
    },
    toJson: (v) => variant(v.type).toJson(v),
    fromJson(j) {
      const tag = jsonObject(j)["type"];
      if (typeof tag !== "number") throw new JsonShapeError("a tagged value needs a numeric type");
      return variant(tag).fromJson(j);
    },
    zero: () => first.zero(),
    // The variant's own tag field is a plain uint8; pin it to the variant's tag.
    arbitrary: (rand) => ({ ...first.arbitrary(rand), type: Number(Object.keys(variants)[0]) }),
  };
}

/**
 * A field whose decoded value a pyquarkchain constructor overwrites
 * (CrossShardTransactionList.version): read and discarded, always the constant.
 */
export function forced<T>(inner: Codec<T>, constant: T): Codec<T> {
  return {
    ...inner,
    read(r) {
      inner.read(r);
      return constant;
    },
    // The constructor also runs before serializing and on JSON input: the constant is always what goes out.
    write: (w) => inner.write(w, constant),
    toJson: () => inner.toJson(constant),
    fromJson: (j) => (inner.fromJson(j), constant),
    zero: () => constant,
    arbitrary: () => constant,
  };
}
