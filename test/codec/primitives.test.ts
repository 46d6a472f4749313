import t from "tap";
import {
  type Codec,
  DecodeError,
  EncodeError,
  type Reader,
  Writer,
  biguint,
  boolean,
  bytes,
  decode,
  decodePrefix,
  encode,
  list,
  optional,
  owned,
  remembering,
  struct,
  uint128,
  uint16,
  uint2048,
  uint256,
  uint32,
  uint64,
  uint8,
  varBytes,
  writePrefix,
} from "../../src/codec/index.ts";
import {
  Address,
  CrossShardTransactionList,
  MinorBlock,
  MinorBlockHeader,
  MinorBlockMeta,
  RootBlock,
  TokenBalanceMap,
  TransactionReceipt,
  TypedTransaction,
} from "../../src/messages/core.ts";
import { Ping, SlaveInfo } from "../../src/messages/cluster.ts";

/**
 * Hand-computed vectors from PROTOCOL.md §3, §4 and Appendix A.10. They live in this
 * file on purpose: the codec must be checkable with no pyquarkchain fixtures around.
 */

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ""), "hex");
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const norm = (s: string): string => toHex(hex(s)); // spaces and | in vectors are for reading only
const enc = <T>(codec: Codec<T>, v: T): string => toHex(encode(codec, v));
const zeros = (n: number): Uint8Array => new Uint8Array(n);

/**
 * What a call threw, as "EncodeError overflow" / "DecodeError truncated", so a test line
 * reads like the protocol rule and a failure shows what came out instead.
 */
function failure(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (e) {
    if (e instanceof EncodeError || e instanceof DecodeError) return `${e.name} ${e.kind}`;
    return `unexpected ${String(e)}`;
  }
}

/** How encoding `value` fails ("no error" if it does not). */
const encoding = <T>(codec: Codec<T>, value: T): string => failure(() => encode(codec, value));
/** How decoding `input` fails ("no error" if it does not). */
const decoding = (codec: Codec<unknown>, input: Uint8Array): string => failure(() => decode(codec, input));

t.test("fixed-width uints are big-endian, exactly their width (§3.1)", async (t) => {
  const small: Array<[string, Codec<number>, number, number]> = [
    ["uint8", uint8, 1, 0xff],
    ["uint16", uint16, 2, 0xffff],
    ["uint32", uint32, 4, 0xffffffff],
  ];
  for (const [name, codec, width, max] of small) {
    t.equal(enc(codec, 0), "00".repeat(width), `${name} 0`);
    t.equal(enc(codec, 1), "00".repeat(width - 1) + "01", `${name} 1`);
    t.equal(enc(codec, max), "ff".repeat(width), `${name} max`);
    t.equal(decode(codec, hex("ff".repeat(width))), max, `${name} max decodes unsigned`);
    t.equal(encoding(codec, max + 1), "EncodeError overflow", `${name} max+1 does not fit`);
    t.equal(encoding(codec, -1), "EncodeError overflow", `${name} -1 is negative`);
    t.equal(encoding(codec, 1.5), "EncodeError overflow", `${name} 1.5 is not an integer`);
  }
  // u16 receiving 70000 makes a whole AccountBranchData unserializable (§3.1, gotcha 24).
  t.equal(encoding(uint16, 70000), "EncodeError overflow", "uint16 70000");
  t.equal(enc(uint32, 0x00010001), "00010001", "uint32 full shard id 65537");

  const big: Array<[string, Codec<bigint>, number]> = [
    ["uint64", uint64, 8],
    ["uint128", uint128, 16],
    ["uint256", uint256, 32],
    ["uint2048", uint2048, 256],
  ];
  for (const [name, codec, width] of big) {
    const max = (1n << BigInt(width * 8)) - 1n;
    t.equal(enc(codec, 0n), "00".repeat(width), `${name} 0`);
    t.equal(enc(codec, 0x0102n), "00".repeat(width - 2) + "0102", `${name} 0x0102`);
    t.equal(enc(codec, max), "ff".repeat(width), `${name} max`);
    t.equal(decode(codec, hex("ff".repeat(width))), max, `${name} max decodes unsigned`);
    t.equal(encoding(codec, max + 1n), "EncodeError overflow", `${name} max+1 does not fit`);
    t.equal(encoding(codec, -1n), "EncodeError overflow", `${name} -1 is negative`);
  }
  t.equal(enc(uint64, 0x0102030405060708n), "0102030405060708", "uint64 is big-endian");
  t.equal(enc(uint256, 12_000_000n), "00".repeat(28) + "00b71b00", "uint256 evm_gas_limit 12,000,000");
});

t.test("words above 2^53 land where they belong, also after the buffer grew", async (t) => {
  // Small writers take slices of one shared pool: a grown buffer may sit in the same
  // ArrayBuffer at another offset, and a word written through a stale view would land there.
  const w = new Writer(16);
  const values = [2n ** 53n + 1n, 5_000_000_000_000_000_000n, 2n ** 64n - 1n, 2n ** 100n + 7n];
  let expected = "";
  for (let i = 0; i < 40; i++) {
    const v = values[i % values.length]!;
    w.uintBig(v, 32);
    w.u64(v & (2n ** 64n - 1n));
    w.u8(i);
    expected += v.toString(16).padStart(64, "0") + (v & (2n ** 64n - 1n)).toString(16).padStart(16, "0");
    expected += i.toString(16).padStart(2, "0");
  }
  t.equal(toHex(w.finish()), expected, "40 rounds of u256 and u64 words through five grows");
});

t.test("biguint: a 1-byte length, then the minimal magnitude (§3.3)", async (t) => {
  const vectors: Array<[bigint, string]> = [
    [0n, "00"], // zero is the empty magnitude, not 01 00 (gotcha 4)
    [1n, "0101"],
    [255n, "01ff"],
    [256n, "020100"],
    [10n ** 18n, "080de0b6b3a7640000"],
  ];
  for (const [v, h] of vectors) {
    t.equal(enc(biguint, v), h, `${v} encodes as ${h}`);
    t.equal(decode(biguint, hex(h)), v, `${h} decodes to ${v}`);
  }
  t.equal(decode(biguint, hex("020005")), 5n, "non-minimal 02 0005 is accepted and reads 5");
  t.equal(enc(biguint, decode(biguint, hex("020005"))), "0105", "re-encoding makes it minimal");
  t.equal(decode(biguint, hex("0100")), 0n, "non-minimal zero 01 00 reads 0");

  const largest = (1n << 2040n) - 1n; // 255 bytes of magnitude: the most a 1-byte length can announce
  t.equal(enc(biguint, largest), "ff" + "ff".repeat(255), "2^2040 - 1 is the largest biguint");
  t.equal(encoding(biguint, 1n << 2040n), "EncodeError too-long", "2^2040 needs 256 bytes and is refused");
  t.equal(encoding(biguint, -1n), "EncodeError overflow", "negative is refused");
  t.equal(decoding(biguint, hex("03 0102")), "DecodeError truncated", "length 3 with 2 bytes left");
});

t.test("boolean: written 0/1, any non-zero byte reads true (§3.2)", async (t) => {
  t.equal(enc(boolean, true), "01");
  t.equal(enc(boolean, false), "00");
  t.equal(decode(boolean, hex("00")), false, "00 is false");
  for (const b of ["01", "02", "7f", "80", "ff"]) t.equal(decode(boolean, hex(b)), true, `${b} is true`);
});

t.test("optional: flag 00 absent, any other flag present (§3.7)", async (t) => {
  const opt = optional(uint32);
  t.equal(enc(opt, null), "00", "absent is 00");
  t.equal(enc(opt, 7), "0100000007", "present is 01 then the value");
  t.equal(decode(opt, hex("00")), null, "00 is absent (and nothing more is read)");
  for (const flag of ["01", "02", "ff"]) t.equal(decode(opt, hex(flag + "00000007")), 7, `flag ${flag} is present`);
  t.equal(decoding(opt, hex("02")), "DecodeError truncated", "flag present but value missing");
});

t.test("bytes(n): exactly n raw bytes, no prefix (§3.4)", async (t) => {
  t.equal(enc(bytes(4), hex("deadbeef")), "deadbeef");
  t.equal(toHex(decode(bytes(4), hex("deadbeef00"))), "deadbeef", "reads exactly n");
  t.equal(encoding(bytes(32), zeros(31)), "EncodeError length", "31 bytes for a hash256");
  t.equal(encoding(bytes(32), zeros(33)), "EncodeError length", "33 bytes for a hash256");
  t.equal(encoding(bytes(65), zeros(64)), "EncodeError length", "64 bytes for a signature65");
  t.equal(decoding(bytes(32), zeros(31)), "DecodeError truncated", "31 bytes left for a hash256");
});

t.test("varBytes: a 1/2/4-byte length, then the bytes (§3.5)", async (t) => {
  t.equal(enc(varBytes(1), hex("abcd")), "02abcd", "1-byte prefix");
  t.equal(enc(varBytes(2), hex("abcd")), "0002abcd", "2-byte prefix");
  t.equal(enc(varBytes(4), hex("abcd")), "00000002abcd", "4-byte prefix");
  t.equal(enc(varBytes(4), zeros(0)), "00000000", "empty");
  t.equal(toHex(decode(varBytes(2), hex("0003 616263 ff"))), "616263", "reads exactly the announced length");

  t.equal(encode(varBytes(1), zeros(255)).length, 256, "255 bytes fit a 1-byte length");
  t.equal(encoding(varBytes(1), zeros(256)), "EncodeError too-long", "256 bytes under a 1-byte length");
  t.equal(encode(varBytes(2), zeros(65535)).length, 65537, "65535 bytes fit a 2-byte length");
  t.equal(encoding(varBytes(2), zeros(65536)), "EncodeError too-long", "65536 bytes under a 2-byte length");
  // 4 GiB cannot be allocated in a test; the prefix writer is what refuses it.
  t.equal(
    failure(() => writePrefix(new Writer(), 4, 2 ** 32)),
    "EncodeError too-long",
    "2^32 under a 4-byte length",
  );
  t.equal(decoding(varBytes(4), hex("00000005 0102")), "DecodeError truncated", "length 5 with 2 bytes left");
});

t.test("list: a count, then the elements (§3.6)", async (t) => {
  t.equal(enc(list(4, uint32), [1, 65537]), norm("00000002 00000001 00010001"));
  t.equal(enc(list(1, uint16), [1, 2]), norm("02 0001 0002"), "Log.topics style 1-byte count");
  t.equal(encoding(list(1, uint8), new Array<number>(256).fill(0)), "EncodeError too-long", "256 items, 1-byte count");

  // A hostile count must fail up front: no element is read and nothing sized by it is allocated.
  let reads = 0;
  const counted: Codec<number> = { ...uint32, read: (r: Reader) => (reads++, uint32.read(r)) };
  t.equal(decoding(list(4, counted), hex("ffffffff 000000")), "DecodeError truncated", "count 2^32-1, 3 bytes");
  t.equal(reads, 0, "no element was read for the impossible count");
  t.equal(decoding(list(4, uint32), hex("00000002 00000001")), "DecodeError truncated", "count 2, one element");
});

t.test("TokenBalanceMap: sorted keys, last duplicate wins, zero balances dropped (§3.8, §4.3)", async (t) => {
  const qkc = 0x8bb0n; // token id of "QKC"
  const example = "00000002 01 01 01 ff 02 8bb0 08 0de0b6b3a7640000";
  t.equal(
    enc(TokenBalanceMap, {
      balance_map: [
        [1n, 255n],
        [5n, 0n],
        [qkc, 10n ** 18n],
      ],
    }),
    norm(example),
    "the §4.3 example: {1: 255, 5: 0, 0x8bb0: 10^18}",
  );
  t.equal(
    enc(TokenBalanceMap, {
      balance_map: [
        [qkc, 10n ** 18n],
        [5n, 0n],
        [1n, 255n],
      ],
    }),
    norm(example),
    "keys are sorted numerically whatever the input order",
  );
  t.equal(
    enc(TokenBalanceMap, {
      balance_map: [
        [5n, 1n],
        [5n, 2n],
      ],
    }),
    norm("00000001 01 05 01 02"),
    "a duplicate key keeps the last value",
  );
  t.equal(enc(TokenBalanceMap, { balance_map: [[7n, 0n]] }), "00000000", "all-zero map is the empty map");
  t.equal(enc(TokenBalanceMap, { balance_map: [] }), "00000000", "empty map");

  t.strictSame(
    decode(TokenBalanceMap, hex(example)).balance_map,
    [
      [1n, 255n],
      [qkc, 10n ** 18n],
    ],
    "decodes the example",
  );
  t.strictSame(
    decode(TokenBalanceMap, hex("00000003 01 05 01 01  01 01 01 02  01 05 01 03")).balance_map,
    [
      [1n, 2n],
      [5n, 3n],
    ],
    "decoding accepts unsorted keys, keeps the last duplicate, and sorts",
  );
  t.strictSame(
    decode(TokenBalanceMap, hex("00000002 01 05 01 09  01 05 00")).balance_map,
    [],
    "a duplicate whose last value is zero is dropped after decoding",
  );
  t.strictSame(decode(TokenBalanceMap, hex("00000001 01 05 00")).balance_map, [], "zero is dropped after decoding");
  t.equal(decoding(TokenBalanceMap, hex("ffffffff 01")), "DecodeError truncated", "hostile count");
});

t.test("CrossShardTransactionList: version is always 1 on the wire (§4.12)", async (t) => {
  t.equal(enc(CrossShardTransactionList, { tx_list: [], version: 1 }), "0000000000000001", "empty list");
  t.equal(decode(CrossShardTransactionList, hex("00000000 00000007")).version, 1, "a decoded version is discarded");
  t.equal(
    enc(CrossShardTransactionList, { tx_list: [], version: 7 }),
    "0000000000000001",
    "the constructor forces 1 before serializing, whatever the caller passed",
  );
  t.equal(
    CrossShardTransactionList.fromJson({ tx_list: [], version: 7 }).version,
    1,
    "JSON input goes through the constructor too",
  );
});

t.test("TypedTransaction: tag 0 then bytes<L4> RLP; other tags refused (§3.9, §4.10)", async (t) => {
  const c0 = { tx: { type: 0, serialized_tx: hex("c0") } };
  t.equal(enc(TypedTransaction, c0), "0000000001c0", "RLP c0 → 00 00000001 c0");
  const back = decode(TypedTransaction, hex("00 00000001 c0"));
  t.equal(back.tx.type, 0);
  t.equal(toHex(back.tx.serialized_tx), "c0");
  t.equal(decoding(TypedTransaction, hex("01 00000001 c0")), "DecodeError invalid", "tag 1 is not a transaction type");
  t.equal(decoding(TypedTransaction, hex("ff")), "DecodeError invalid", "tag ff, even with nothing after it");
  t.equal(decoding(TypedTransaction, hex("")), "DecodeError truncated", "no tag byte at all");
  t.equal(decoding(TypedTransaction, hex("00 00000002 c0")), "DecodeError truncated", "RLP shorter than announced");
  t.equal(encoding(TypedTransaction, { tx: { type: 1, serialized_tx: hex("c0") } }), "EncodeError overflow", "tag 1");
});

t.test("default values have the sizes pyquarkchain gives them (§4, A.10)", async (t) => {
  const rootBlock = encode(RootBlock, RootBlock.zero());
  t.equal(rootBlock.length, 255, "RootBlock(RootBlockHeader()) is 255 bytes");
  t.ok(
    rootBlock.every((b) => b === 0),
    "…all zero: 249 header bytes, 00000000, 0000",
  );

  const receipt = encode(TransactionReceipt, TransactionReceipt.zero());
  t.equal(receipt.length, 301, "create_empty_receipt() is 301 bytes");
  t.ok(
    receipt.every((b) => b === 0),
    "…all zero",
  );

  const meta = { ...MinorBlockMeta.zero(), evm_xshard_gas_limit: 6_000_000n };
  t.equal(enc(MinorBlockMeta, meta), "00".repeat(212) + "005b8d80", "MinorBlockMeta(): 216 bytes, last u256 6,000,000");

  const header = { ...MinorBlockHeader.zero(), branch: { value: 1 }, evm_gas_limit: 12_000_000n };
  const headerBytes = encode(MinorBlockHeader, header);
  t.equal(headerBytes.length, 479, "MinorBlockHeader() is 479 bytes");
  t.equal(toHex(headerBytes.subarray(4, 8)), "00000001", "…branch Branch(1)");
  // version 4, branch 4, height 8, address 24, map 4, two hashes 64: the gas limit starts at 108.
  t.equal(toHex(headerBytes.subarray(108, 140)), "00".repeat(28) + "00b71b00", "…evm_gas_limit 12,000,000");

  const block = { ...MinorBlock.zero(), header, meta };
  t.equal(encode(MinorBlock, block).length, 701, "MinorBlock(MinorBlockHeader(), MinorBlockMeta()) is 701 bytes");

  t.equal(encode(Address, Address.zero()).length, 24, "an empty Address is 24 bytes");
});

t.test("SlaveInfo and Ping fragments from Appendix A", async (t) => {
  const ascii = (s: string) => Buffer.from(s, "ascii");
  t.equal(
    enc(SlaveInfo, { id: ascii("S1"), host: ascii("127.0.0.1"), port: 38001, full_shard_id_list: [2, 3] }),
    norm("00000002 5331 | 00000009 3132372e302e302e31 | 9471 | 00000002 00000002 00000003"),
    "A.8 SlaveInfo(S1, 127.0.0.1, 38001, [2, 3])",
  );
  t.equal(
    enc(Ping, { id: zeros(0), full_shard_id_list: [], root_tip: null }),
    "000000000000000000",
    "A.1 payload: the master's first Ping",
  );
});

t.test("truncated input anywhere is DecodeError truncated (§2.5)", async (t) => {
  const samples: Array<[string, Codec<unknown>, Uint8Array]> = [
    ["biguint 10^18", biguint as Codec<unknown>, hex("080de0b6b3a7640000")],
    ["TokenBalanceMap example", TokenBalanceMap, hex("00000002 01 01 01 ff 02 8bb0 08 0de0b6b3a7640000")],
    ["uint64", uint64 as Codec<unknown>, hex("0102030405060708")],
    ["uint2048 bloom", uint2048 as Codec<unknown>, new Uint8Array(256).fill(0xab)],
    ["TypedTransaction", TypedTransaction, hex("00 00000001 c0")],
    ["default RootBlock", RootBlock, encode(RootBlock, RootBlock.zero())],
    ["empty TransactionReceipt", TransactionReceipt, zeros(301)],
    ["SlaveInfo", SlaveInfo, hex("00000002 5331 00000009 3132372e302e302e31 9471 00000002 00000002 00000003")],
    ["Ping with root tip", Ping, hex("00000002 5331 00000001 00000002 01" + "00".repeat(255))],
  ];
  for (const [name, codec, full] of samples) {
    const bad: number[] = [];
    for (let n = 0; n < full.length; n++) {
      if (decoding(codec, full.subarray(0, n)) !== "DecodeError truncated") bad.push(n);
    }
    t.same(bad, [], `${name}: every one of its ${full.length} proper prefixes is truncated`);
    t.equal(decodePrefix(codec, full).consumed, full.length, `${name}: the whole input is consumed`);
  }
});

t.test("trailing bytes after a payload are ignored (§2.5)", async (t) => {
  const payload = hex("00000002 5330 00000002 00000001 00010001"); // Ping("S0", [1, 65537]) up to root_tip
  const withTail = Buffer.concat([payload, hex("00 deadbeef")]);
  const { value, consumed } = decodePrefix(Ping, withTail);
  t.equal(consumed, payload.length + 1, "Ping reads up to its absent root_tip flag and stops");
  t.strictSame(value.full_shard_id_list, [1, 0x00010001], "the fields before the tail are intact");
  t.equal(enc(TypedTransaction, decode(TypedTransaction, hex("00 00000001 c0 ffff"))), "0000000001c0", "tail dropped");
  t.equal(decode(uint32, hex("00000007 ff")), 7, "uint32 with a trailing byte");
});

t.test("remembering: a value whose bytes are known is written as those bytes, alone or inside a message", async (t) => {
  const Point = remembering(struct("Point", { x: uint32 }));
  const Pair = struct("Pair", { a: Point, b: Point });
  const p = { x: 1 };
  t.equal(enc(Point, p), "00000001", "unknown: encoded");
  // Deliberately not p's encoding, to show which path wrote it.
  Point.remember(p, hex("000000ff"));
  t.equal(enc(Point, p), "000000ff", "known: its bytes");
  t.equal(enc(Pair, { a: p, b: { x: 2 } }), "000000ff00000002", "inside a struct; other values still encoded");
  t.equal(enc(Point, { ...p }), "00000001", "a copy of the object is another value");
});

t.test("owned: a view is copied out of the buffer around it, a whole buffer is kept", async (t) => {
  const whole = new Uint8Array([1, 2, 3]);
  t.equal(owned(whole), whole, "a whole buffer as is");
  const around = Buffer.from([9, 1, 2, 3, 9]);
  const view = around.subarray(1, 4);
  const mine = owned(view);
  t.not(mine.buffer, around.buffer, "a view is copied");
  t.same([...mine], [1, 2, 3]);
  around[2] = 0;
  t.equal(mine[1], 2, "later changes to the buffer around it do not reach the copy");
});
