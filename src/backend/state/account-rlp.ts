import { Arena } from "../../codec/arena.ts";
import {
  type RlpItem,
  rlpDecode,
  rlpEncode,
  rlpInt,
  rlpPrefixSize as headerSize,
  rlpStringSize as bytesItemSize,
  writeRlpPrefix as writeHeader,
  writeRlpString as writeBytesItem,
} from "../../tx/rlp.ts";
import { bytesInt, intSize, word32, writeInt } from "./big-endian.ts";
import { BLANK_CODE_HASH } from "./state-db.ts";
import { BLANK_ROOT } from "./trie/index.ts";

/**
 * The byte forms of the state trie's values (pyquarkchain evm/state.py): `_Account` (QuarkChain's
 * six fields), `_MockAccount` (Ethereum's four, for the GeneralStateTests), and the integers inside
 * tries (storage values, token balances: `rlp.encode(int)`; keys: `utils.encode_int32`).
 */

/** A stored value the state cannot read: the db holds something pyquarkchain would not have written. */
export class AccountEncodingError extends Error {
  override readonly name = "AccountEncodingError";
}

export { bytesInt, word32 };

/*
 * RLP written straight into one array for the few shapes the state stores (tx/rlp.ts's rlpEncode
 * takes item trees, and an account was five small arrays and a spread before), with tx/rlp.ts's
 * prefix and string writers.
 */

/** An integer item of `size` (intSize) bytes. */
const intItemSize = (v: bigint, size: number): number => (size === 1 && v < 0x80n ? 1 : headerSize(size) + size);

function writeIntItem(out: Uint8Array, at: number, v: bigint, size: number): number {
  if (size === 1 && v < 0x80n) {
    out[at] = Number(v);
    return at + 1;
  }
  return writeInt(v, out, writeHeader(out, at, size, 0x80), size);
}

/*
 * Decoding the same shapes without building item trees: `item` reads one canonical header and
 * leaves its payload's bounds in `payloadStart`/`payloadEnd`. Anything it does not vouch for (a
 * long header it cannot read, an item overrunning its list, a non-canonical form) goes to the
 * generic decoder, which accepts or throws exactly as before.
 */
let payloadStart = 0;
let payloadEnd = 0;
const NOT_SURE = 0;
const STRING = 1;
const LIST = 2;

function readItem(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return NOT_SURE;
  const p = b[pos]!;
  let kind = STRING;
  let length: number;
  if (p < 0x80) {
    payloadStart = pos;
    payloadEnd = pos + 1;
    return STRING;
  } else if (p < 0xb8) {
    length = p - 0x80;
    payloadStart = pos + 1;
    if (length === 1 && (payloadStart >= end || b[payloadStart]! < 0x80)) return NOT_SURE;
  } else if (p < 0xc0 || p >= 0xf8) {
    kind = p < 0xc0 ? STRING : LIST;
    const ll = p - (p < 0xc0 ? 0xb7 : 0xf7);
    if (ll > 2 || pos + 1 + ll > end || b[pos + 1] === 0) return NOT_SURE;
    length = ll === 1 ? b[pos + 1]! : b[pos + 1]! * 256 + b[pos + 2]!;
    if (length < 56) return NOT_SURE;
    payloadStart = pos + 1 + ll;
  } else {
    kind = LIST;
    length = p - 0xc0;
    payloadStart = pos + 1;
  }
  payloadEnd = payloadStart + length;
  return payloadEnd > end ? NOT_SURE : kind;
}

/** A canonical integer (no leading zero byte) at the current payload, or undefined. */
function canonicalInt(b: Uint8Array): bigint | undefined {
  if (payloadEnd > payloadStart && b[payloadStart] === 0) return undefined;
  return bytesInt(b.subarray(payloadStart, payloadEnd));
}

/** rlp's big_endian_int sedes: canonical only (no leading zero byte). */
function strictInt(item: RlpItem | undefined, what: string): bigint {
  if (!(item instanceof Uint8Array)) throw new AccountEncodingError(`${what}: not a byte string`);
  if (item.length > 0 && item[0] === 0) throw new AccountEncodingError(`${what}: not minimal length`);
  return bytesInt(item);
}

function fixedBytes(item: RlpItem | undefined, length: number, what: string, allowEmpty = false): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new AccountEncodingError(`${what}: not a byte string`);
  if (item.length !== length && !(allowEmpty && item.length === 0)) {
    throw new AccountEncodingError(`${what}: ${item.length} bytes, not ${length}`);
  }
  return item;
}

function bytesField(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new AccountEncodingError(`${what}: not a byte string`);
  return item;
}

function fields(rlp: Uint8Array, count: number, what: string): RlpItem[] {
  let item: RlpItem;
  try {
    item = rlpDecode(rlp);
  } catch (e) {
    throw new AccountEncodingError(`${what}: ${(e as Error).message}`);
  }
  if (!Array.isArray(item) || item.length !== count) throw new AccountEncodingError(`${what}: not ${count} fields`);
  return item;
}

/** What a stored account holds, in either mode (a mock account's balance is the QKC entry of `tokenBalances`). */
export interface StoredAccount {
  nonce: bigint;
  /** TokenBalances' own encoding: empty, 0x00 ‖ list, or 0x01 ‖ token trie root. */
  tokenBalances: Uint8Array;
  storageRoot: Uint8Array;
  codeHash: Uint8Array;
  fullShardKey: number;
}

/** rlp(_Account): [nonce, token_balances, storage, code_hash, full_shard_key (4 bytes), optional]. */
export function encodeAccount(a: StoredAccount): Uint8Array {
  return writeAccount(a.nonce, a.tokenBalances, 0n, 0n, a.storageRoot, a.codeHash, a.fullShardKey);
}

/**
 * rlp(_Account) whose token_balances is 0x00 ‖ rlp([[tokenId, balance]]), one positive balance
 * (what nearly every account holds), written in place instead of serialized into an array first.
 */
export function encodeAccountOfOneToken(
  nonce: bigint,
  tokenId: bigint,
  balance: bigint,
  storageRoot: Uint8Array,
  codeHash: Uint8Array,
  fullShardKey: number,
): Uint8Array {
  if (tokenId < 0n || balance <= 0n) {
    const tokens = encodeTaggedTokenList(new Map([[tokenId, balance]]));
    return writeAccount(nonce, tokens, 0n, 0n, storageRoot, codeHash, fullShardKey);
  }
  return writeAccount(nonce, undefined, tokenId, balance, storageRoot, codeHash, fullShardKey);
}

/*
 * An account's encoding is ~110 bytes: over V8's 64-byte limit for typed arrays on its heap, so a
 * `new Uint8Array` of it is a malloc'd, zeroed backing store of its own, and a block's commit makes
 * hundreds. They are cut from shared 16 kB chunks instead (the trie's leaves, and the node cache
 * that admits them, keep a chunk alive, as with the trie's records); never written into once returned.
 */
const ENCODINGS = new Arena(16 * 1024);

/** encodeAccount, the token balances either as bytes or (`tokens` undefined) as one pair written here. */
function writeAccount(
  nonce: bigint,
  tokens: Uint8Array | undefined,
  tokenId: bigint,
  balance: bigint,
  storageRoot: Uint8Array,
  codeHash: Uint8Array,
  fullShardKey: number,
): Uint8Array {
  if (nonce < 0n) return rlpEncode(rlpInt(nonce)); // rlpInt's RangeError
  const nonceSize = intSize(nonce);
  // 0x00 ‖ rlp([[id, balance]]) is at least 4 bytes: never a single-byte item
  const tagged = tokens === undefined ? 1 + tokenPairSize(tokenId, balance) : 0;
  const payload =
    intItemSize(nonce, nonceSize) +
    (tokens === undefined ? headerSize(tagged) + tagged : bytesItemSize(tokens)) +
    bytesItemSize(storageRoot) +
    bytesItemSize(codeHash) +
    5 + // full_shard_key: 0x84 and 4 bytes
    1; // optional: empty
  const out = ENCODINGS.take(headerSize(payload) + payload);
  let at = writeHeader(out, 0, payload, 0xc0);
  at = writeIntItem(out, at, nonce, nonceSize);
  if (tokens !== undefined) at = writeBytesItem(out, at, tokens);
  else {
    at = writeHeader(out, at, tagged, 0x80);
    out[at] = 0x00;
    at = writeTokenPair(out, at + 1, tokenId, balance);
  }
  at = writeBytesItem(out, at, storageRoot);
  at = writeBytesItem(out, at, codeHash);
  const key = fullShardKey >>> 0;
  out[at] = 0x84;
  out[at + 1] = key >>> 24;
  out[at + 2] = (key >>> 16) & 0xff;
  out[at + 3] = (key >>> 8) & 0xff;
  out[at + 4] = key & 0xff;
  out[at + 5] = 0x80;
  return out;
}

/* rlp([[id, v]]): `tokenPairSize` sizes it and leaves the parts' sizes here for `writeTokenPair`, called next. */
let pairIdSize = 0;
let pairValueSize = 0;
let pairPayload = 0;

function tokenPairSize(id: bigint, v: bigint): number {
  pairIdSize = intSize(id);
  pairValueSize = intSize(v);
  pairPayload = intItemSize(id, pairIdSize) + intItemSize(v, pairValueSize);
  const list = headerSize(pairPayload) + pairPayload;
  return headerSize(list) + list;
}

function writeTokenPair(out: Uint8Array, at: number, id: bigint, v: bigint): number {
  at = writeHeader(out, at, headerSize(pairPayload) + pairPayload, 0xc0);
  at = writeHeader(out, at, pairPayload, 0xc0);
  return writeIntItem(out, writeIntItem(out, at, id, pairIdSize), v, pairValueSize);
}

export function decodeAccount(rlp: Uint8Array): StoredAccount {
  return decodeAccountFast(rlp) ?? decodeAccountGeneric(rlp);
}

/** The well-formed case, field by field off the bytes; undefined for the generic decoder to judge. */
function decodeAccountFast(rlp: Uint8Array): StoredAccount | undefined {
  if (readItem(rlp, 0, rlp.length) !== LIST || payloadEnd !== rlp.length) return undefined;
  const end = payloadEnd;
  if (readItem(rlp, payloadStart, end) !== STRING) return undefined;
  const nonce = canonicalInt(rlp);
  if (nonce === undefined || readItem(rlp, payloadEnd, end) !== STRING) return undefined;
  // A view: TokenBalances decodes it and keeps nothing of it (a token trie's root is read once).
  const tokenBalances = rlp.subarray(payloadStart, payloadEnd);
  if (readItem(rlp, payloadEnd, end) !== STRING) return undefined;
  const rootLength = payloadEnd - payloadStart;
  if (rootLength !== 32 && rootLength !== 0) return undefined;
  const storageRoot = copyOf(rlp, BLANK_ROOT);
  if (readItem(rlp, payloadEnd, end) !== STRING || payloadEnd - payloadStart !== 32) return undefined;
  const codeHash = copyOf(rlp, BLANK_CODE_HASH);
  if (readItem(rlp, payloadEnd, end) !== STRING || payloadEnd - payloadStart !== 4) return undefined;
  const k = payloadStart;
  const fullShardKey = ((rlp[k]! << 24) | (rlp[k + 1]! << 16) | (rlp[k + 2]! << 8) | rlp[k + 3]!) >>> 0;
  if (readItem(rlp, payloadEnd, end) !== STRING || payloadEnd !== end) return undefined;
  return { nonce, tokenBalances, storageRoot, codeHash, fullShardKey };
}

/** The current payload, as the shared constant `blank` when it holds the same bytes (most accounts have no storage and no code). */
function copyOf(b: Uint8Array, blank: Uint8Array): Uint8Array {
  if (payloadEnd - payloadStart === blank.length) {
    let i = 0;
    while (i < blank.length && b[payloadStart + i] === blank[i]) i++;
    if (i === blank.length) return blank;
  }
  return b.slice(payloadStart, payloadEnd);
}

function decodeAccountGeneric(rlp: Uint8Array): StoredAccount {
  const f = fields(rlp, 6, "_Account");
  const key = fixedBytes(f[4], 4, "_Account.full_shard_key");
  bytesField(f[5], "_Account.optional");
  return {
    nonce: strictInt(f[0], "_Account.nonce"),
    tokenBalances: bytesField(f[1], "_Account.token_balances"),
    storageRoot: fixedBytes(f[2], 32, "_Account.storage", true),
    codeHash: fixedBytes(f[3], 32, "_Account.code_hash"),
    fullShardKey: new DataView(key.buffer, key.byteOffset, 4).getUint32(0),
  };
}

/** rlp(_MockAccount): Ethereum's [nonce, balance, storage, code_hash]. */
export function encodeMockAccount(nonce: bigint, balance: bigint, storageRoot: Uint8Array, codeHash: Uint8Array) {
  return rlpEncode([rlpInt(nonce), rlpInt(balance), storageRoot, codeHash]);
}

export function decodeMockAccount(rlp: Uint8Array): {
  nonce: bigint;
  balance: bigint;
  storageRoot: Uint8Array;
  codeHash: Uint8Array;
} {
  const f = fields(rlp, 4, "_MockAccount");
  return {
    nonce: strictInt(f[0], "_MockAccount.nonce"),
    balance: strictInt(f[1], "_MockAccount.balance"),
    storageRoot: fixedBytes(f[2], 32, "_MockAccount.storage", true),
    codeHash: fixedBytes(f[3], 32, "_MockAccount.code_hash"),
  };
}

/** A storage value or token balance as a trie holds it: rlp.encode(int). */
export function encodeTrieInt(v: bigint): Uint8Array {
  if (v < 0n) return rlpEncode(rlpInt(v)); // rlpInt's RangeError
  const size = intSize(v);
  const out = new Uint8Array(intItemSize(v, size));
  writeIntItem(out, 0, v, size);
  return out;
}

/** `big_endian_to_int(rlp.decode(v))`; an absent value is 0. */
export function decodeTrieInt(v: Uint8Array | undefined, what: string): bigint {
  if (v === undefined || v.length === 0) return 0n;
  if (readItem(v, 0, v.length) === STRING && payloadEnd === v.length)
    return bytesInt(v.subarray(payloadStart, payloadEnd));
  let item: RlpItem;
  try {
    item = rlpDecode(v);
  } catch (e) {
    throw new AccountEncodingError(`${what}: ${(e as Error).message}`);
  }
  if (!(item instanceof Uint8Array)) throw new AccountEncodingError(`${what}: a list, not an integer`);
  return bytesInt(item);
}

/** TokenBalancePair list (`0x00 ‖ rlp([[token_id, balance], …])` without its tag) into a map. */
export function decodeTokenList(rlp: Uint8Array): Map<bigint, bigint> {
  const pairs = decodeTokenPairs(rlp);
  const out = new Map<bigint, bigint>();
  for (let i = 0; i < pairs.length; i += 2) out.set(pairs[i]!, pairs[i + 1]!);
  return out;
}

/** The same list as [id, balance, id, balance, …] in stored order (no Map for the one pair an account holds). */
export function decodeTokenPairs(rlp: Uint8Array): bigint[] {
  return decodeTokenPairsFast(rlp) ?? decodeTokenPairsGeneric(rlp);
}

function decodeTokenPairsFast(rlp: Uint8Array): bigint[] | undefined {
  if (readItem(rlp, 0, rlp.length) !== LIST || payloadEnd !== rlp.length) return undefined;
  const out: bigint[] = [];
  for (let pos = payloadStart, end = payloadEnd; pos < end;) {
    if (readItem(rlp, pos, end) !== LIST) return undefined;
    const pairEnd = payloadEnd;
    pos = pairEnd;
    if (readItem(rlp, payloadStart, pairEnd) !== STRING) return undefined;
    const id = canonicalInt(rlp);
    if (id === undefined || readItem(rlp, payloadEnd, pairEnd) !== STRING) return undefined;
    const balance = canonicalInt(rlp);
    if (balance === undefined || payloadEnd !== pairEnd) return undefined;
    out.push(id, balance);
  }
  return out;
}

function decodeTokenPairsGeneric(rlp: Uint8Array): bigint[] {
  let item: RlpItem;
  try {
    item = rlpDecode(rlp);
  } catch (e) {
    throw new AccountEncodingError(`token balance list: ${(e as Error).message}`);
  }
  if (!Array.isArray(item)) throw new AccountEncodingError("token balance list: not a list");
  const out: bigint[] = [];
  for (const pair of item) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new AccountEncodingError("TokenBalancePair: not 2 fields");
    out.push(strictInt(pair[0], "TokenBalancePair.token_id"), strictInt(pair[1], "TokenBalancePair.balance"));
  }
  return out;
}

/** 0x00 ‖ encodeTokenList: TokenBalances.serialize's list mode; one token written directly. */
export function encodeTaggedTokenList(balances: ReadonlyMap<bigint, bigint>): Uint8Array {
  if (balances.size === 1) {
    for (const [id, v] of balances) {
      if (v <= 0n || id < 0n) break;
      const out = new Uint8Array(1 + tokenPairSize(id, v));
      writeTokenPair(out, 1, id, v);
      return out;
    }
  }
  const body = encodeTokenList(balances);
  const out = new Uint8Array(1 + body.length);
  out.set(body, 1);
  return out;
}

/** Non-zero pairs sorted by token id, rlp-encoded (TokenBalances.serialize's list, without its tag). */
export function encodeTokenList(balances: ReadonlyMap<bigint, bigint>): Uint8Array {
  const pairs = [...balances].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return rlpEncode(pairs.map(([id, v]) => [rlpInt(id), rlpInt(v)]));
}
