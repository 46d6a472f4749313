/**
 * keccak256 in ns per call at the sizes the slave hashes most: 20 (an address: the secure-trie key),
 * 32 (a word, a storage key), 64 (a public key: the sender), 136 (Keccak's rate: one more
 * permutation), 532 (a long trie node). Contenders: src/crypto/keccak.ts (hash-wasm's module called
 * directly), hash-wasm's own wrapper (init/update/digest: what keccak.ts did before issue 17), the
 * bare module call (Hash_Calculate on input already in its memory: the permutation's own cost), and
 * @noble/hashes (pure JS). Prints CPU ns per call, the best of rounds taken in turns (the machine is
 * shared), and the young-generation bytes each call leaves behind (sampled from V8's new space with
 * scavenges counted out). `npx tsx bench/keccak.bench.ts`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { getHeapSpaceStatistics } from "node:v8";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createKeccak } from "hash-wasm";
import { keccak256 } from "../src/crypto/keccak.ts";
import { mulberry32 } from "../harness/random.ts";

const SIZES = [20, 32, 64, 136, 532];
const ROUNDS = 9;
const CALLS = 200_000;

const wrapper = await createKeccak(256);
const viaWrapper = (data: Uint8Array): Uint8Array => {
  wrapper.init();
  wrapper.update(data);
  return wrapper.digest("binary");
};

// The bare module: what is left when neither copy in nor copy out is paid.
const bundle = readFileSync(createRequire(import.meta.url).resolve("hash-wasm/dist/keccak.umd.min.js"), "latin1");
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } };
};
const bare = new wasm.Instance(
  new wasm.Module(Buffer.from(/name:"sha3",data:"([A-Za-z0-9+/=]+)"/.exec(bundle)![1]!, "base64")),
).exports as unknown as { Hash_Calculate(n: number, bits: number, padding: number): void };

const random = mulberry32(0x6b656363);
type Contender = [string, (data: Uint8Array) => unknown];
const contenders: Contender[] = [
  ["keccak256 (module called directly)", keccak256],
  ["hash-wasm wrapper (before)", viaWrapper],
  ["bare Hash_Calculate (permutation)", (data) => bare.Hash_Calculate(data.length, 256, 1)],
  ["@noble/hashes keccak_256", keccak_256],
];

const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_used_size;

/** CPU ns per call over `calls` calls cycling through `inputs`. */
function nsPerCall(hash: (data: Uint8Array) => unknown, inputs: Uint8Array[], calls: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) hash(inputs[i & 63]!);
  const { user, system } = process.cpuUsage(t0);
  return ((user + system) * 1000) / calls;
}

/** Bytes of V8's new space a call leaves (median of short runs that saw no scavenge: the used size only grows between them). */
function bytesPerCall(hash: (data: Uint8Array) => unknown, inputs: Uint8Array[]): number {
  const seen: number[] = [];
  for (let k = 0; k < 40 && seen.length < 9; k++) {
    const before = newSpaceUsed();
    for (let i = 0; i < 1000; i++) hash(inputs[i & 63]!);
    const after = newSpaceUsed();
    if (after >= before) seen.push((after - before) / 1000);
  }
  return seen.sort((a, b) => a - b)[seen.length >> 1] ?? NaN;
}

console.log(
  `keccak256: CPU ns per call, best of ${ROUNDS} rounds of ${CALLS} calls taken in turns; new-space bytes per call`,
);
for (const size of SIZES) {
  const inputs = Array.from({ length: 64 }, () => random.bytes(size));
  for (const [, hash] of contenders) nsPerCall(hash, inputs, 20_000); // warm-up: JIT
  const rounds = contenders.map((): number[] => []);
  for (let r = 0; r < ROUNDS; r++)
    contenders.forEach(([name, hash], i) =>
      rounds[i]!.push(nsPerCall(hash, inputs, name.startsWith("@noble") ? CALLS / 10 : CALLS)),
    );
  console.log(`${size} bytes`);
  contenders.forEach(([name, hash], i) =>
    console.log(
      `  ${name.padEnd(36)} ${Math.min(...rounds[i]!)
        .toFixed(0)
        .padStart(6)} ns   ${bytesPerCall(hash, inputs).toFixed(0).padStart(4)} B`,
    ),
  );
}
