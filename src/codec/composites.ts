import type { Codec, Infer, Json } from "./codec.ts";
import { DecodeError, EncodeError, JsonShapeError } from "./errors.ts";
import { jsonArray, jsonObject } from "./json.ts";
import { type PrefixSize, prefixName, readPrefix, writePrefix } from "./primitives.ts";

/** PrependedSizeListSerializer(k, T): a k-byte element count, then the elements. */
export function list<T>(size: PrefixSize, item: Codec<T>): Codec<T[]> {
  return {
    schema: `list(len=${prefixName(size)}, ${item.schema})`,
    read(r) {
      const n = readPrefix(r, size);
      // A count can claim more than the payload holds; fail before allocating for it.
      if (n > r.remaining) throw new DecodeError("truncated", "buffer is shorter than expected");
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r));
      return out;
    },
    write(w, v) {
      writePrefix(w, size, v.length);
      for (const x of v) item.write(w, x);
    },
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
    read: (r) => (r.u8() === 0 ? null : inner.read(r)),
    write(w, v) {
      if (v === null) return w.u8(0);
      w.u8(1);
      inner.write(w, v);
    },
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
  return {
    name,
    schema: name,
    fields,
    read: (r) => build((c) => c.read(r)),
    write(w, v) {
      const rec = v as Record<string, unknown>;
      for (const [k, c] of fields) c.write(w, rec[k]);
    },
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
