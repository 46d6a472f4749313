import { keccak256 } from "../../../crypto/keccak.ts";
import { rlpEncode } from "../../../tx/rlp.ts";
import { secureTrieRoot } from "./mpt.ts";

/**
 * One account of a shard's EVM state and its encoding in the state trie
 * (pyquarkchain quarkchain/evm/state.py: _Account, TokenBalances, Account.commit).
 */
export interface Account {
  nonce: bigint;
  /** token id -> balance; zero balances are not kept. */
  balances: Map<bigint, bigint>;
  /** Empty when the account has no code. */
  code: Uint8Array;
  /** slot -> value; zero values are not kept (a trie does not store them). */
  storage: Map<bigint, bigint>;
  /** Kept from whoever created the account; it need not match the shard's id bits. */
  fullShardKey: number;
}

/** Above this many non-zero tokens the balances move from an inline list to their own trie. */
export const TOKEN_TRIE_THRESHOLD = 16;
export const BLANK_CODE_HASH = keccak256(new Uint8Array(0));

/** Minimal big-endian bytes (RLP's integer form: 0 is the empty string). */
export function intBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const hex = v.toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 ? "0" + hex : hex, "hex"));
}

/** utils.encode_int32: a 32-byte big-endian word (token ids and storage slots as trie keys). */
export function word(v: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
}

export function emptyAccount(fullShardKey: number): Account {
  return { nonce: 0n, balances: new Map(), code: new Uint8Array(0), storage: new Map(), fullShardKey };
}

/** Blank accounts (nothing but zeros) are deleted from the trie instead of written. */
export function isBlank(a: Account): boolean {
  return a.nonce === 0n && a.code.length === 0 && ![...a.balances.values()].some((v) => v > 0n);
}

/** Non-zero balances sorted by token id. */
export function sortedBalances(a: Account): [bigint, bigint][] {
  return [...a.balances].filter(([, v]) => v > 0n).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * TokenBalances.serialize: empty when nothing is held; up to 16 tokens as
 * 0x00 ‖ rlp([[id, balance], ...]) sorted by id; more as 0x01 ‖ root of a secure trie
 * keyed by the 32-byte token id, holding rlp(balance).
 */
export function encodeTokenBalances(a: Account): { encoding: "empty" | "list" | "trie"; bytes: Uint8Array } {
  const pairs = sortedBalances(a);
  if (pairs.length === 0) return { encoding: "empty", bytes: new Uint8Array(0) };
  if (pairs.length <= TOKEN_TRIE_THRESHOLD) {
    const list = rlpEncode(pairs.map(([id, v]) => [intBytes(id), intBytes(v)]));
    return { encoding: "list", bytes: Uint8Array.of(0x00, ...list) };
  }
  const root = secureTrieRoot(pairs.map(([id, v]) => [word(id), rlpEncode(intBytes(v))] as const));
  return { encoding: "trie", bytes: Uint8Array.of(0x01, ...root) };
}

/** Root of the account's storage: a secure trie keyed by the 32-byte slot, holding rlp(value). */
export function storageRoot(a: Account): Uint8Array {
  return secureTrieRoot(
    [...a.storage].filter(([, v]) => v !== 0n).map(([k, v]) => [word(k), rlpEncode(intBytes(v))] as const),
  );
}

export function codeHash(a: Account): Uint8Array {
  return a.code.length === 0 ? BLANK_CODE_HASH : keccak256(a.code);
}

/** The value stored in the state trie: rlp([nonce, token_balances, storage_root, code_hash, full_shard_key(4), b""]). */
export function encodeAccount(a: Account): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, a.fullShardKey);
  return rlpEncode([
    intBytes(a.nonce),
    encodeTokenBalances(a).bytes,
    storageRoot(a),
    codeHash(a),
    key,
    new Uint8Array(0),
  ]);
}
