import { keccak_256 } from "@noble/hashes/sha3.js";
import t from "tap";
import { keccak256, keccakImplementation } from "../../src/crypto/keccak.ts";
import { mulberry32 } from "../../harness/random.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

t.test("Keccak-256 is Ethereum's (not NIST SHA3-256), from WebAssembly here", async (t) => {
  t.equal(keccakImplementation, "wasm", "the WebAssembly hasher loaded");
  t.equal(hex(keccak256(new Uint8Array(0))), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  t.equal(hex(keccak256(Buffer.from("abc"))), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
});

t.test("the same digest as the pure-JS Keccak at every length around the 136-byte rate", async (t) => {
  const random = mulberry32(0x6b656363);
  const lengths = [1, 31, 32, 33, 135, 136, 137, 271, 272, 273, 1000, 65_536];
  for (let i = 0; i < 300; i++) lengths.push(random.int(600));
  for (const n of lengths) {
    const data = random.bytes(n + 8).subarray(3, 3 + n); // a view at an odd offset
    if (hex(keccak256(data)) !== hex(keccak_256(data))) return t.fail(`length ${n}`);
  }
  t.pass(`${lengths.length} inputs`);
});

t.test("each digest is a fresh array: the next hash does not overwrite it", async (t) => {
  const a = keccak256(Buffer.from("a"));
  const copy = hex(a);
  keccak256(Buffer.from("b"));
  t.equal(hex(a), copy);
  t.equal(a.length, 32);
});
