import t from "tap";
import { type RlpItem, rlpDecode, rlpEncode, rlpInt } from "../../src/tx/rlp.ts";
import { mulberry32 } from "../../harness/random.ts";

/*
 * RLP encoding as the Yellow Paper writes it, one level at a time: the reference the
 * single-buffer encoder must match byte for byte, on short and long strings and lists.
 */
function reference(item: RlpItem): Uint8Array {
  const prefix = (n: number, offset: number): number[] => {
    if (n < 56) return [offset + n];
    const be: number[] = [];
    for (let l = n; l > 0; l = Math.floor(l / 256)) be.unshift(l % 256);
    return [offset + 55 + be.length, ...be];
  };
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return Uint8Array.from(item);
    return Uint8Array.from([...prefix(item.length, 0x80), ...item]);
  }
  const payload = item.flatMap((c) => [...reference(c)]);
  return Uint8Array.from([...prefix(payload.length, 0xc0), ...payload]);
}

t.test("nested items of every length class encode as the reference does, and decode back", async (t) => {
  const random = mulberry32(0x41f);
  const item = (depth: number): RlpItem => {
    if (depth > 3 || random.int(2) === 0) return random.bytes(random.pick([0, 1, 1, 2, 55, 56, 300, 1024]));
    return Array.from({ length: random.int(12) }, () => item(depth + 1));
  };
  // A string and a list whose lengths take three bytes.
  const long = [random.bytes(70000), [random.bytes(70000)]];
  t.equal(Buffer.compare(rlpEncode(long), reference(long)), 0, "70000-byte string and list");
  for (let i = 0; i < 200; i++) {
    const it = item(0);
    const enc = rlpEncode(it);
    t.equal(Buffer.compare(enc, reference(it)), 0, `item ${i}`);
    t.equal(Buffer.compare(rlpEncode(rlpDecode(enc)), enc), 0);
  }
});

t.test("integers are big-endian without leading zeros at every byte boundary", async (t) => {
  const viaHex = (v: bigint): string =>
    v === 0n ? "" : v.toString(16).padStart(Math.ceil(v.toString(16).length / 2) * 2, "0");
  for (let bits = 0; bits <= 260; bits++) {
    for (const v of [(1n << BigInt(bits)) - 1n, 1n << BigInt(bits), (1n << BigInt(bits)) + 1n]) {
      t.equal(Buffer.from(rlpInt(v)).toString("hex"), viaHex(v), `2^${bits} neighbourhood: ${v}`);
      if (v <= BigInt(Number.MAX_SAFE_INTEGER)) t.equal(Buffer.from(rlpInt(Number(v))).toString("hex"), viaHex(v));
    }
  }
  t.throws(() => rlpInt(-1n), RangeError);
});
