import t from "tap";
import {
  type Codec,
  DecodeError,
  EncodeError,
  Reader,
  Writer,
  biguint,
  decode,
  encode,
  list,
  map,
  optional,
  struct,
  uint128,
  uint16,
  uint2048,
  uint256,
  uint32,
  uint64,
  uint8,
  varBytes,
} from "../../src/codec/index.ts";
import { makeRandom } from "../../harness/random.ts";

/**
 * The codec's fast paths (integers through numbers, 64-bit halves, generated struct and
 * list functions) against the plain definitions they replace: the same bytes and the
 * same errors, value by value, across every width where a path changes.
 */

const rand = makeRandom("codec fast paths");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** The reference: pyquarkchain's int.to_bytes(size, "big") through a hex string. */
function refUint(v: bigint, size: number): string {
  if (v < 0n || v >> BigInt(size * 8) !== 0n) return "overflow";
  return size === 0 ? "" : v.toString(16).padStart(size * 2, "0");
}

function refBiguint(v: bigint): string {
  if (v === 0n) return "00";
  const h = v.toString(16);
  const body = h.length & 1 ? "0" + h : h;
  return (body.length / 2).toString(16).padStart(2, "0") + body;
}

/** A value of exactly `bytes` significant bytes (0 gives 0n), edges included. */
function valueOf(bytes: number): bigint {
  if (bytes === 0) return 0n;
  const pick = rand.int(4);
  if (pick === 0) return 1n << BigInt(bytes * 8 - 1); // the smallest of that width
  if (pick === 1) return (1n << BigInt(bytes * 8)) - 1n; // the largest
  const b = rand.bytes(bytes);
  b[0] = b[0]! | 1;
  return BigInt("0x" + hex(b));
}

function outcome<T>(codec: Codec<T>, v: T): string {
  try {
    return hex(encode(codec, v));
  } catch (e) {
    if (e instanceof EncodeError) return e.kind;
    throw e;
  }
}

t.test("fixed-width big integers: every significant width, both ways", async (t) => {
  const widths: Array<[string, Codec<bigint>, number]> = [
    ["uint64", uint64, 8],
    ["uint128", uint128, 16],
    ["uint256", uint256, 32],
    ["uint2048", uint2048, 256],
  ];
  for (const [name, codec, size] of widths) {
    let bad = 0;
    for (let bytes = 0; bytes <= Math.min(size + 1, 40); bytes++) {
      for (let k = 0; k < 8; k++) {
        const v = valueOf(bytes);
        const got = outcome(codec, v);
        if (got !== refUint(v, size)) {
          bad++;
          t.equal(got, refUint(v, size), `${name} encodes ${v}`);
        }
        if (got.length === size * 2 && decode(codec, Buffer.from(got, "hex")) !== v) {
          bad++;
          t.fail(`${name} does not decode ${v}`);
        }
      }
    }
    t.equal(bad, 0, `${name}: every width agrees with the reference`);
  }
  t.equal(outcome(uint256, -1n), "overflow", "negative refused");
  t.equal(outcome(uint64, 1n << 64n), "overflow", "2^64 does not fit uint64");
  t.equal(outcome(uint64, Number.MAX_SAFE_INTEGER as unknown as bigint), "overflow", "a number is not a bigint");
});

t.test("biguint: minimal length byte and magnitude at every width", async (t) => {
  let bad = 0;
  for (let bytes = 0; bytes <= 40; bytes++) {
    for (let k = 0; k < 8; k++) {
      const v = valueOf(bytes);
      const got = outcome(biguint, v);
      if (got !== refBiguint(v)) {
        bad++;
        t.equal(got, refBiguint(v), `biguint ${v}`);
      }
      if (decode(biguint, Buffer.from(got, "hex")) !== v) {
        bad++;
        t.fail(`biguint does not decode ${v}`);
      }
    }
  }
  t.equal(bad, 0, "every width agrees with the reference");
  t.equal(decode(biguint, Buffer.from("0a0000000000000000012a", "hex")), 0x12an, "leading zero bytes are accepted");
  t.equal(outcome(biguint, 1n << 2040n), "too-long", "256 bytes do not fit the length byte");
});

t.test("decoding skips leading zeros without changing the value", async (t) => {
  for (const size of [8, 9, 15, 16, 17, 32, 256]) {
    for (let bytes = 0; bytes <= Math.min(size, 34); bytes++) {
      const v = valueOf(bytes);
      const b = Buffer.from(refUint(v, size), "hex");
      const r = new Reader(b);
      t.equal(r.uintBig(size), v, `${bytes} significant bytes in ${size}`);
      t.equal(r.pos, size, "the cursor moves by the whole width");
    }
  }
});

t.test("uint8/16/32 and u64: exact ranges, the same errors as before", async (t) => {
  const cases: Array<[string, Codec<number>, number]> = [
    ["uint8", uint8, 0xff],
    ["uint16", uint16, 0xffff],
    ["uint32", uint32, 0xffffffff],
  ];
  for (const [name, codec, max] of cases) {
    for (const v of [0, 1, max >>> 1, max]) t.equal(decode(codec, encode(codec, v)), v, `${name} ${v}`);
    for (const v of [-1, max + 1, 1.5, NaN, Infinity]) t.equal(outcome(codec, v), "overflow", `${name} refuses ${v}`);
    t.equal(outcome(codec, 1n as unknown as number), "overflow", `${name} refuses a bigint`);
  }
  for (const v of [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
    t.equal(hex(encode(uint64, v)), refUint(v, 8), `uint64 ${v}`);
    t.equal(decode(uint64, encode(uint64, v)), v, `uint64 ${v} back`);
  }
  const w = new Writer(0);
  w.u32(0xdeadbeef);
  t.equal(hex(w.finish()), "deadbeef", "a zero-sized Writer grows");
});

t.test("generated struct, list, optional and map functions: same bytes, same errors", async (t) => {
  const Inner = struct("Inner", { a: uint8, b: varBytes(2) });
  const Outer = struct("Outer", {
    items: list(4, Inner),
    maybe: optional(uint64),
    small: list(1, uint16),
    balances: map(4, biguint, biguint, { skip: (v) => v === 0n }),
  });
  const v = {
    items: [
      { a: 1, b: Buffer.from("ab", "hex") },
      { a: 2, b: new Uint8Array(0) },
    ],
    maybe: 7n,
    small: [1, 65535],
    balances: [
      [5n, 1n],
      [3n, 0n],
      [3n, 2n],
    ] as Array<[bigint, bigint]>,
  };
  const bytes = encode(Outer, v);
  t.equal(
    hex(bytes),
    "00000002" +
      "01" +
      "0001ab" +
      "02" +
      "0000" +
      "01" +
      "0000000000000007" +
      "02" +
      "0001ffff" +
      "00000002" +
      "0103" +
      "0102" +
      "0105" +
      "0101",
    "wire order, prefixes, optional flag, map sorted with zeros dropped and the last duplicate kept",
  );
  t.same(
    decode(Outer, bytes),
    {
      ...v,
      balances: [
        [3n, 2n],
        [5n, 1n],
      ],
    },
    "decodes to the normalized value",
  );
  t.same(Object.keys(decode(Outer, bytes)), ["items", "maybe", "small", "balances"], "keys in wire order");
  const truncated = (input: Uint8Array): string => {
    try {
      decode(Outer, input);
      return "no error";
    } catch (e) {
      return e instanceof DecodeError ? e.kind : String(e);
    }
  };
  for (let cut = 0; cut < bytes.length; cut++) {
    if (truncated(bytes.subarray(0, cut)) !== "truncated") t.fail(`a cut at ${cut} is not "truncated"`);
  }
  t.equal(truncated(Buffer.from("ffffffff", "hex")), "truncated", "a count beyond the payload fails before allocating");
  t.equal(outcome(list(1, uint8), Array<number>(256).fill(0)), "too-long", "a count that does not fit its prefix");
  t.equal(outcome(varBytes(1), new Uint8Array(256)), "too-long", "bytes that do not fit their prefix");
  t.equal(outcome(Outer, { ...v, small: [70000] }), "overflow", "an element error comes through");
});
