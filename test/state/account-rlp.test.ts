import t from "tap";
import {
  AccountEncodingError,
  bytesInt,
  decodeAccount,
  decodeTokenList,
  decodeTrieInt,
  encodeAccount,
  encodeAccountOfOneToken,
  encodeTaggedTokenList,
  encodeTokenList,
  encodeTrieInt,
  word32,
} from "../../src/backend/state/account-rlp.ts";
import { BLANK_CODE_HASH, BLANK_ROOT } from "../../src/backend/state/state-db.ts";
import { hex } from "../../src/codec/bytes.ts";
import { type RlpItem, rlpDecode, rlpEncode, rlpInt } from "../../src/tx/rlp.ts";

/**
 * The state's hand-written RLP (accounts, token lists, trie integers, 32-byte keys) against the
 * generic encoder and decoder it replaced: same bytes out, same values in, and every input the
 * direct reader does not vouch for left to the generic path (same errors).
 */

// A seeded generator, so a failure is reproducible.
let seed = 0x2545f491;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
const randBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
/** Integers of every byte length 0..32, with the edges (0, 0x7f, 0x80, 2^48 - 1, 2^48, 2^64 - 1, 2^64, 2^256 - 1). */
const ints: bigint[] = [
  ...[0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, (1n << 48n) - 1n, 1n << 48n],
  ...[(1n << 64n) - 1n, 1n << 64n, (1n << 256n) - 1n],
];
for (let len = 1; len <= 32; len++) for (let k = 0; k < 4; k++) ints.push(bytesInt(randBytes(len)));

const refWord32 = (v: bigint) => v.toString(16).padStart(64, "0");
const refInt = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt("0x" + Buffer.from(b).toString("hex")));

t.test("32-byte words and big-endian integers match the hex round trip", async (t) => {
  for (const v of ints) {
    t.equal(hex(word32(v)), refWord32(v), `word32(${v})`);
    t.equal(bytesInt(word32(v)), v);
    const minimal = rlpInt(v);
    t.equal(bytesInt(minimal), v);
    t.equal(refInt(minimal), v);
  }
  for (let len = 0; len <= 40; len++) {
    const b = randBytes(len);
    t.equal(bytesInt(b), refInt(b), `bytesInt of ${len} bytes`);
  }
  t.throws(() => word32(-1n), RangeError);
  t.throws(() => word32(1n << 256n), RangeError);
});

t.test("trie integers: rlp.encode(int) and back", async (t) => {
  for (const v of ints) {
    t.equal(hex(encodeTrieInt(v)), hex(rlpEncode(rlpInt(v))), `encodeTrieInt(${v})`);
    t.equal(decodeTrieInt(encodeTrieInt(v), "v"), v);
  }
  t.equal(decodeTrieInt(undefined, "v"), 0n);
  t.equal(decodeTrieInt(new Uint8Array(0), "v"), 0n);
  // leading zeros are lenient (big_endian_to_int), a non-canonical single byte is not (rlp)
  t.equal(decodeTrieInt(Uint8Array.of(0x82, 0x00, 0x05), "v"), 5n);
  t.throws(() => decodeTrieInt(Uint8Array.of(0x81, 0x05), "v"), AccountEncodingError);
  t.throws(() => decodeTrieInt(Uint8Array.of(0xc1, 0x05), "v"), AccountEncodingError);
  t.throws(() => decodeTrieInt(Uint8Array.of(0x83, 0x05), "v"), AccountEncodingError);
  t.throws(() => encodeTrieInt(-1n), RangeError);
});

t.test("accounts: rlp(_Account) as the generic encoder writes it, decoded back", async (t) => {
  const tokenLists = [
    new Uint8Array(0),
    Uint8Array.of(0x00, 0xc0),
    encodeTaggedTokenList(new Map([[35760n, 10n ** 27n]])),
  ];
  tokenLists.push(Uint8Array.of(0x01, ...randBytes(32)), Uint8Array.of(0x00, ...randBytes(60)));
  for (const nonce of ints.slice(0, 20)) {
    for (const tokenBalances of tokenLists) {
      for (const storageRoot of [randBytes(32), new Uint8Array(0)]) {
        const a = {
          nonce,
          tokenBalances,
          storageRoot,
          codeHash: randBytes(32),
          fullShardKey: Math.floor(rand() * 2 ** 32),
        };
        const key = Uint8Array.of(a.fullShardKey >>> 24, a.fullShardKey >>> 16, a.fullShardKey >>> 8, a.fullShardKey);
        const generic = rlpEncode([rlpInt(nonce), tokenBalances, storageRoot, a.codeHash, key, new Uint8Array(0)]);
        const encoded = encodeAccount(a);
        t.equal(hex(encoded), hex(generic));
        const back = decodeAccount(encoded);
        t.same(
          [back.nonce, hex(back.tokenBalances), hex(back.storageRoot), hex(back.codeHash), back.fullShardKey],
          [nonce, hex(tokenBalances), hex(storageRoot), hex(a.codeHash), a.fullShardKey],
        );
      }
    }
  }
});

t.test("an account of one token is written in place, the same bytes as through its tagged list", async (t) => {
  const pairs: [bigint, bigint][] = [
    [35760n, 10n ** 27n],
    [0n, 1n],
    [0x7fn, 0x7fn],
    [0x80n, 0x80n],
    [(1n << 256n) - 1n, (1n << 256n) - 1n], // the longest pair: a long string header
    [1n, 0n], // a zero balance: 0x00c0, through the list encoder
  ];
  for (let k = 0; k < 20; k++) pairs.push([bytesInt(randBytes(k)), bytesInt(randBytes(32 - k)) + 1n]);
  for (const [id, v] of pairs) {
    for (const nonce of [0n, 1n, 300n, 1n << 60n]) {
      const a = { nonce, storageRoot: randBytes(32), codeHash: randBytes(32), fullShardKey: 0x00010001 };
      const tokenBalances = encodeTaggedTokenList(new Map([[id, v]]));
      t.equal(
        hex(encodeAccountOfOneToken(nonce, id, v, a.storageRoot, a.codeHash, a.fullShardKey)),
        hex(encodeAccount({ ...a, tokenBalances })),
        `token ${id}, balance ${v}, nonce ${nonce}`,
      );
    }
  }
  t.throws(() => encodeAccountOfOneToken(-1n, 1n, 1n, BLANK_ROOT, BLANK_CODE_HASH, 0), RangeError);
});

t.test("a block's worth of accounts, encoded one after another, each keeps its own bytes", async (t) => {
  // Encodings are cut from shared slabs: none may overlap another or change once returned.
  const made: [Uint8Array, string][] = [];
  for (let i = 0; i < 2000; i++) {
    const nonce = BigInt(i);
    const balance = 10n ** 18n * BigInt(i + 1) + bytesInt(randBytes(i % 12));
    const a = { nonce, storageRoot: randBytes(32), codeHash: randBytes(32), fullShardKey: i };
    const tokenBalances = encodeTaggedTokenList(new Map([[35760n, balance]]));
    const encoded = encodeAccountOfOneToken(nonce, 35760n, balance, a.storageRoot, a.codeHash, a.fullShardKey);
    made.push([encoded, hex(encodeAccount({ ...a, tokenBalances }))]);
  }
  let same = 0;
  for (const [encoded, expected] of made) if (hex(encoded) === expected) same++;
  t.equal(same, made.length);
});

t.test("a stored account without storage or code shares the blank root and code hash", async (t) => {
  const tokenBalances = encodeTaggedTokenList(new Map([[35760n, 5n]]));
  const stored = encodeAccount({
    nonce: 1n,
    tokenBalances,
    storageRoot: BLANK_ROOT,
    codeHash: BLANK_CODE_HASH,
    fullShardKey: 0,
  });
  const a = decodeAccount(Uint8Array.from(stored));
  t.equal(a.storageRoot, BLANK_ROOT, "the constant itself");
  t.equal(a.codeHash, BLANK_CODE_HASH);
  const other = decodeAccount(
    encodeAccount({ nonce: 1n, tokenBalances, storageRoot: randBytes(32), codeHash: randBytes(32), fullShardKey: 0 }),
  );
  t.not(other.storageRoot, BLANK_ROOT);
  t.not(other.codeHash, BLANK_CODE_HASH);
  const empty = decodeAccount(
    encodeAccount({
      nonce: 1n,
      tokenBalances,
      storageRoot: new Uint8Array(0),
      codeHash: BLANK_CODE_HASH,
      fullShardKey: 0,
    }),
  );
  t.equal(empty.storageRoot.length, 0, "an empty storage field stays empty");
});

t.test("accounts pyquarkchain would not have written are refused, as by the generic decoder", async (t) => {
  const good = encodeAccount({
    nonce: 3n,
    tokenBalances: new Uint8Array(0),
    storageRoot: randBytes(32),
    codeHash: randBytes(32),
    fullShardKey: 1,
  });
  const fields = rlpDecode(good) as Uint8Array[];
  const bad: Array<[string, RlpItem]> = [
    ["five fields", fields.slice(0, 5)],
    ["seven fields", [...fields, new Uint8Array(0)]],
    ["a nonce with a leading zero", [Uint8Array.of(0, 3), ...fields.slice(1)]],
    ["a 31-byte storage root", [fields[0]!, fields[1]!, randBytes(31), ...fields.slice(3)]],
    ["a 3-byte key", [...fields.slice(0, 4), randBytes(3), fields[5]!]],
    ["a list for the optional field", [...fields.slice(0, 5), []]],
  ];
  for (const [what, item] of bad) t.throws(() => decodeAccount(rlpEncode(item)), AccountEncodingError, what);
  t.throws(() => decodeAccount(good.subarray(0, good.length - 1)), AccountEncodingError, "truncated");
  t.throws(() => decodeAccount(Uint8Array.of(...good, 0x80)), AccountEncodingError, "trailing bytes");
  // a long list header for a short list: non-canonical
  t.throws(() => decodeAccount(Uint8Array.of(0xf8, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80)), AccountEncodingError);
});

t.test("token lists: 0x00 ‖ rlp(non-zero pairs by id), and back", async (t) => {
  const maps: Map<bigint, bigint>[] = [
    new Map(),
    new Map([[1n, 0n]]),
    new Map([[35760n, 10n ** 27n]]),
    new Map([[0n, 5n]]),
    new Map([[0x7fn, 0x80n]]),
    new Map([
      [9n, 1n],
      [2n, 0n],
      [3n, 10n ** 30n],
    ]),
  ];
  for (let n = 1; n <= 17; n++)
    maps.push(new Map(Array.from({ length: n }, () => [bytesInt(randBytes(4)), bytesInt(randBytes(12))])));
  for (const m of maps) {
    const tagged = encodeTaggedTokenList(m);
    t.equal(hex(tagged), "00" + hex(encodeTokenList(m)));
    const back = decodeTokenList(tagged.subarray(1));
    t.same(
      [...back],
      [...m].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  }
  t.throws(() => decodeTokenList(rlpEncode([[Uint8Array.of(0, 1), Uint8Array.of(5)]])), AccountEncodingError);
  t.throws(() => decodeTokenList(rlpEncode([[Uint8Array.of(1)]])), AccountEncodingError);
  t.throws(() => decodeTokenList(rlpEncode(Uint8Array.of(1))), AccountEncodingError);
});
