import type { Json } from "../codec/codec.ts";

function show(v: Json | undefined): string {
  if (v === undefined) return "(missing)";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const isObject = (v: Json): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * The first difference between two JSON values, as `path: expected X, got Y`, or null.
 * Key order counts: the fixtures render fields in wire (FIELDS) order, and so must we.
 */
export function jsonDiff(expected: Json, actual: Json, path = ""): string | null {
  const at = path === "" ? "(root)" : path;
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual))
      return `${at}: expected ${show(expected)}, got ${show(actual)}`;
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const d = jsonDiff(expected[i]!, actual[i]!, `${path}[${i}]`);
      if (d) return d;
    }
    if (expected.length !== actual.length) {
      return `${at}: expected ${expected.length} elements, got ${actual.length}`;
    }
    return null;
  }
  if (isObject(expected) || isObject(actual)) {
    if (!isObject(expected) || !isObject(actual)) return `${at}: expected ${show(expected)}, got ${show(actual)}`;
    const ek = Object.keys(expected);
    const ak = Object.keys(actual);
    for (const k of ek)
      if (!Object.hasOwn(actual, k)) return `${join(path, k)}: expected ${show(expected[k])}, got (missing)`;
    for (const k of ak)
      if (!Object.hasOwn(expected, k)) return `${join(path, k)}: unexpected key, got ${show(actual[k])}`;
    for (const k of ek) {
      const d = jsonDiff(expected[k]!, actual[k]!, join(path, k));
      if (d) return d;
    }
    if (ek.join() !== ak.join()) return `${at}: keys in order ${ak.join(",")}, expected ${ek.join(",")}`;
    return null;
  }
  return expected === actual ? null : `${at}: expected ${show(expected)}, got ${show(actual)}`;
}
