import { execFileSync } from "node:child_process";
import { keccak_256, keccak_512 } from "@noble/hashes/sha3.js";
import t from "tap";
import { keccak256, keccak256Of, keccak256To, keccak512, keccakImplementation } from "../../src/crypto/keccak.ts";
import { mulberry32 } from "../../harness/random.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

t.test("Keccak-256 is Ethereum's (not NIST SHA3-256), from WebAssembly here", async (t) => {
  t.equal(keccakImplementation, "wasm", "hash-wasm's Keccak module loaded and answered right");
  t.equal(hex(keccak256(new Uint8Array(0))), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  t.equal(hex(keccak256(Buffer.from("abc"))), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
});

/** Every length 0..1000 (each 136-byte rate boundary and the 40-byte copy switch among them), then pieces past the 16 KB buffer. */
function lengths(): number[] {
  const all = Array.from({ length: 1001 }, (_, n) => n);
  return all.concat([16_383, 16_384, 16_385, 32_768 + 135, 65_536]);
}

t.test("the same digest as the pure-JS Keccak at every length 0..1000 and past the 16 KB buffer", async (t) => {
  const random = mulberry32(0x6b656363);
  for (const n of lengths()) {
    const data = random.bytes(n + 8).subarray(3, 3 + n); // a view at an odd offset
    if (hex(keccak256(data)) !== hex(keccak_256(data))) return t.fail(`keccak256, length ${n}`);
    if (hex(keccak512(data)) !== hex(keccak_512(data))) return t.fail(`keccak512, length ${n}`);
  }
  t.pass(`${lengths().length} lengths, both widths`);
});

t.test("keccak256Of and keccak256To hash the concatenation of their parts, however it splits", async (t) => {
  const random = mulberry32(0x6b323536);
  const out = new Uint8Array(100);
  for (let i = 0; i < 600; i++) {
    const total = i < 300 ? random.int(420) : random.int(40_000);
    const cuts = [random.int(total + 1), random.int(total + 1)].sort((x, y) => x - y);
    const data = random.bytes(total);
    const [a, b, c] = [data.subarray(0, cuts[0]), data.subarray(cuts[0], cuts[1]), data.subarray(cuts[1])];
    const want = hex(keccak_256(data));
    if (hex(keccak256Of(a!, concat(b!, c!))) !== want) return t.fail(`keccak256Of(a, b), ${total} bytes`);
    if (hex(keccak256Of(a!, b!, c!)) !== want) return t.fail(`keccak256Of(a, b, c), ${total} bytes`);
    const at = random.int(68);
    keccak256To(out, at, a!, b!, c!);
    if (hex(out.subarray(at, at + 32)) !== want) return t.fail(`keccak256To(a, b, c), ${total} bytes`);
    keccak256To(out, at, data);
    if (hex(out.subarray(at, at + 32)) !== want) return t.fail(`keccak256To(data), ${total} bytes`);
  }
  t.pass("600 splits");
});

t.test("keccak256To reads its inputs before writing: the output may overlap an input", async (t) => {
  const buf = Uint8Array.from({ length: 64 }, (_, i) => i);
  const want = hex(keccak_256(buf.subarray(10, 30)));
  keccak256To(buf, 0, buf.subarray(10, 30));
  t.equal(hex(buf.subarray(0, 32)), want);
});

t.test("each digest is a fresh array: the next hash does not overwrite it", async (t) => {
  const a = keccak256(Buffer.from("a"));
  const b = keccak256Of(Buffer.from("a"), Buffer.from("b"));
  const c = keccak512(Buffer.from("c"));
  const copies = [hex(a), hex(b), hex(c)];
  keccak256(Buffer.from("b"));
  keccak512(Buffer.from("d"));
  t.strictSame([hex(a), hex(b), hex(c)], copies);
  t.equal(a.length, 32);
  t.equal(c.length, 64);
  t.equal(a.buffer.byteLength, 32, "its own ArrayBuffer, not the module's memory");
});

t.test("without WebAssembly (node --jitless) the pure-JS Keccak answers the same", async (t) => {
  const module = new URL("../../src/crypto/keccak.ts", import.meta.url).href;
  const script = `
    const k = await import(${JSON.stringify(module)});
    const h = (b) => Buffer.from(b).toString("hex");
    const out = new Uint8Array(40);
    k.keccak256To(out, 8, Buffer.from("a"), Buffer.from("b"), Buffer.from("c"));
    console.log(JSON.stringify([k.keccakImplementation, h(k.keccak256(Buffer.from("abc"))),
      h(k.keccak256Of(Buffer.from("a"), Buffer.from("bc"))), h(out.subarray(8)), h(k.keccak512(Buffer.from("abc")))]));`;
  const stdout = execFileSync(process.execPath, ["--jitless", "--import=tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const abc = hex(keccak256(Buffer.from("abc")));
  t.strictSame(JSON.parse(stdout), ["js", abc, abc, abc, hex(keccak512(Buffer.from("abc")))]);
});
