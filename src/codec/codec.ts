import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A source of random values, so every schema can produce its own test inputs. */
export interface Random {
  /** An integer in [0, n). */
  int(n: number): number;
  bytes(n: number): Uint8Array;
}

/**
 * One wire type: its pyquarkchain serializer, its JSON rendering (the fixtures'
 * rules) and its random values. Methods (not function properties) keep
 * `Codec<number>` assignable to `Codec<unknown>`, which lets schemas be data.
 */
export interface Codec<T> {
  /** The type in schema.json's notation, e.g. `list(len=uint32, Address)`. */
  readonly schema: string;
  read(r: Reader): T;
  write(w: Writer, value: T): void;
  toJson(value: T): Json;
  fromJson(json: Json): T;
  /** The all-zero value: zero, empty, false or absent in every field. */
  zero(): T;
  arbitrary(rand: Random): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;
