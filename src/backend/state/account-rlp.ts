import { type RlpItem, rlpDecode, rlpEncode, rlpInt } from "../../tx/rlp.ts";

/**
 * The byte forms of the state trie's values (pyquarkchain evm/state.py): `_Account` (QuarkChain's
 * six fields), `_MockAccount` (Ethereum's four, for the GeneralStateTests), and the integers inside
 * tries (storage values, token balances: `rlp.encode(int)`; keys: `utils.encode_int32`).
 */

/** A stored value the state cannot read: the db holds something pyquarkchain would not have written. */
export class AccountEncodingError extends Error {
  override readonly name = "AccountEncodingError";
}

const EMPTY = new Uint8Array(0);

/** utils.encode_int32: a 32-byte big-endian word (storage slots and token ids as trie keys). */
export function word32(v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 256n) throw new RangeError(`${v} does not fit 32 bytes`);
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
}

/** utils.big_endian_to_int: lenient (leading zeros allowed), as for trie values. */
export function bytesInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex"));
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
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, a.fullShardKey >>> 0);
  return rlpEncode([rlpInt(a.nonce), a.tokenBalances, a.storageRoot, a.codeHash, key, EMPTY]);
}

export function decodeAccount(rlp: Uint8Array): StoredAccount {
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
export const encodeTrieInt = (v: bigint): Uint8Array => rlpEncode(rlpInt(v));

/** `big_endian_to_int(rlp.decode(v))`; an absent value is 0. */
export function decodeTrieInt(v: Uint8Array | undefined, what: string): bigint {
  if (v === undefined || v.length === 0) return 0n;
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
  let item: RlpItem;
  try {
    item = rlpDecode(rlp);
  } catch (e) {
    throw new AccountEncodingError(`token balance list: ${(e as Error).message}`);
  }
  if (!Array.isArray(item)) throw new AccountEncodingError("token balance list: not a list");
  const out = new Map<bigint, bigint>();
  for (const pair of item) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new AccountEncodingError("TokenBalancePair: not 2 fields");
    out.set(strictInt(pair[0], "TokenBalancePair.token_id"), strictInt(pair[1], "TokenBalancePair.balance"));
  }
  return out;
}

/** Non-zero pairs sorted by token id, rlp-encoded (TokenBalances.serialize's list, without its tag). */
export function encodeTokenList(balances: ReadonlyMap<bigint, bigint>): Uint8Array {
  const pairs = [...balances].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return rlpEncode(pairs.map(([id, v]) => [rlpInt(id), rlpInt(v)]));
}
