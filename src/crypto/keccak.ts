import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { keccak_256 as pureKeccak256, keccak_512 as pureKeccak512 } from "@noble/hashes/sha3.js";

/**
 * Keccak-256 (Ethereum's, not NIST SHA3-256): every block, transaction and trie hash, and Keccak-512
 * (ethash's, qkchash's). The WebAssembly permutation is about 9x faster than pure JS. We call it
 * directly (issue 17): hash-wasm's own wrapper cost about as much as the permutation on 32-136 byte
 * inputs and allocated on every call (a view of the input, whose `.buffer` moves a small on-heap
 * array off V8's heap, and a fresh off-heap ArrayBuffer for each digest). Here the input is copied
 * into the module's memory, one exported call hashes it, and the digest is copied into a fresh
 * Uint8Array(32), which stays on V8's heap (<= 64 bytes). Where WebAssembly cannot load (node
 * --jitless, say), the pure-JS one gives the same bytes.
 */

/** The exports of hash-wasm's sha3.c module (Keccak and SHA-3 share it; the padding byte tells them apart). */
interface KeccakExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  /** Where its 16 KB input/output buffer starts in `memory`. */
  Hash_GetBuffer(): number;
  /** Start a hash of `bits` output bits (the capacity is twice that). */
  Hash_Init(bits: number): void;
  /** Absorb the first `length` bytes of the buffer. */
  Hash_Update(length: number): void;
  /** Pad (Keccak's 0x01), permute and write the digest at the buffer's start. */
  Hash_Final(padding: number): void;
  /** Init, Update(length), Final(padding) in one call. */
  Hash_Calculate(length: number, bits: number, padding: number): void;
}

/** The part of the WebAssembly global used here (the project's TypeScript libs declare none). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** hash-wasm's buffer size (hash-wasm.h MAIN_BUFFER_SIZE): longer inputs are absorbed in pieces. */
const BUFFER = 16 * 1024;
/** Keccak's domain padding (SHA-3's is 0x06). */
const KECCAK = 0x01;
const EMPTY_KECCAK256 = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

/**
 * hash-wasm (pinned in package.json) ships its Keccak module base64-encoded inside its bundles and
 * exports no way to reach the instance, so we take the bytes from its Keccak bundle. A build that
 * moved them or answers wrong is refused (pure JS then, with one warning).
 */
function loadKeccakWasm(api: WebAssemblyApi): KeccakExports {
  const bundle = readFileSync(createRequire(import.meta.url).resolve("hash-wasm/dist/keccak.umd.min.js"), "latin1");
  const found = /name:"sha3",data:"([A-Za-z0-9+/=]+)"/.exec(bundle);
  if (found === null) throw new Error("hash-wasm's keccak bundle holds no sha3 module");
  const instance = new api.Instance(new api.Module(Buffer.from(found[1]!, "base64")), {});
  const exports = instance.exports as unknown as KeccakExports;
  for (const name of ["Hash_GetBuffer", "Hash_Init", "Hash_Update", "Hash_Final", "Hash_Calculate"] as const)
    if (typeof exports[name] !== "function") throw new Error(`hash-wasm's sha3 module has no ${name}`);
  // A known answer: keccak256 of nothing.
  exports.Hash_Calculate(0, 256, KECCAK);
  const empty = new Uint8Array(exports.memory.buffer, exports.Hash_GetBuffer(), 32);
  if (Buffer.from(empty).toString("hex") !== EMPTY_KECCAK256) throw new Error("hash-wasm's sha3 module answers wrong");
  return exports;
}

function tryLoad(): KeccakExports | undefined {
  if (webAssembly === undefined) return undefined; // --jitless: pure JS, as expected
  try {
    return loadKeccakWasm(webAssembly);
  } catch (e) {
    process.emitWarning(
      `the Keccak WebAssembly did not load (${e instanceof Error ? e.message : String(e)}); hashing in pure JS`,
      {
        code: "QKC_KECCAK_FALLBACK",
      },
    );
    return undefined;
  }
}

const wasm = tryLoad();
/** The module's buffer: inputs are written here, digests read from its start (its memory never grows). */
const buffer =
  wasm === undefined ? new Uint8Array(0) : new Uint8Array(wasm.memory.buffer, wasm.Hash_GetBuffer(), BUFFER);
const digest32 = buffer.subarray(0, 32);
const digest64 = buffer.subarray(0, 64);

/** Which implementation hashes here (tests, diagnostics). */
export const keccakImplementation: "wasm" | "js" = wasm === undefined ? "js" : "wasm";

/** Copy `data` into the buffer at `at` (a loop beats TypedArray#set's call below ~40 bytes). */
function put(data: Uint8Array, at: number): void {
  const n = data.length;
  if (n > 40) buffer.set(data, at);
  else for (let i = 0; i < n; i++) buffer[at + i] = data[i]!;
}

/** Absorb `data` of any length into a hash begun with Hash_Init (in buffer-sized pieces). */
function absorb(w: KeccakExports, data: Uint8Array): void {
  for (let at = 0; at < data.length; at += BUFFER) {
    const piece = data.subarray(at, at + BUFFER);
    buffer.set(piece);
    w.Hash_Update(piece.length);
  }
}

/** Hash a ‖ b ‖ c (b, c optional) into the buffer's first bytes (`bits` out). */
function hashInto(w: KeccakExports, bits: number, a: Uint8Array, b?: Uint8Array, c?: Uint8Array): void {
  const lb = b === undefined ? 0 : b.length;
  const total = a.length + lb + (c === undefined ? 0 : c.length);
  if (total <= BUFFER) {
    put(a, 0);
    if (b !== undefined) put(b, a.length);
    if (c !== undefined) put(c, a.length + lb);
    w.Hash_Calculate(total, bits, KECCAK);
    return;
  }
  w.Hash_Init(bits);
  absorb(w, a);
  if (b !== undefined) absorb(w, b);
  if (c !== undefined) absorb(w, c);
  w.Hash_Final(KECCAK);
}

/** A fresh 32-byte digest (never a view of the hasher's memory). */
export function keccak256(data: Uint8Array): Uint8Array {
  if (wasm === undefined) return pureKeccak256(data);
  hashInto(wasm, 256, data);
  const out = new Uint8Array(32);
  out.set(digest32);
  return out;
}

/** keccak256 of a ‖ b ‖ c (c optional), without building the concatenation. */
export function keccak256Of(a: Uint8Array, b: Uint8Array, c?: Uint8Array): Uint8Array {
  if (wasm === undefined) return pureKeccak256(c === undefined ? concat(a, b) : concat(concat(a, b), c));
  hashInto(wasm, 256, a, b, c);
  const out = new Uint8Array(32);
  out.set(digest32);
  return out;
}

/**
 * keccak256 of a ‖ b ‖ c (b, c optional) written into out[at..at+32] (no digest array: a shared
 * buffer's slot, a scratch a native call reads). `out` may hold an input too: the inputs are read first.
 */
export function keccak256To(out: Uint8Array, at: number, a: Uint8Array, b?: Uint8Array, c?: Uint8Array): void {
  if (wasm === undefined) {
    const parts = b === undefined ? a : c === undefined ? concat(a, b) : concat(concat(a, b), c);
    out.set(pureKeccak256(parts), at);
    return;
  }
  hashInto(wasm, 256, a, b, c);
  out.set(digest32, at);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Keccak-512 (ethash's and qkchash's sha3_512): a fresh 64-byte digest. */
export function keccak512(data: Uint8Array): Uint8Array {
  if (wasm === undefined) return pureKeccak512(data);
  hashInto(wasm, 512, data);
  const out = new Uint8Array(64);
  out.set(digest64);
  return out;
}
