import {
  AccountEncodingError,
  bytesInt,
  decodeTokenPairs,
  decodeTrieInt,
  encodeTaggedTokenList,
  encodeTrieInt,
  word32,
} from "./account-rlp.ts";
import type { Journal, Undoable } from "./journal.ts";
import type { SecureTrie } from "./trie/index.ts";
import { BLANK_ROOT, type StateDb } from "./state-db.ts";

/** Past this many non-zero tokens at a commit, the balances move into a trie (state.TOKEN_TRIE_THRESHOLD). */
export const TOKEN_TRIE_THRESHOLD = 16;

/** Journal ops of a TokenBalances (see `undo`). */
const SET = 0;
const RESET = 1;

/** What a list-mode balance map without an entry serializes to (never written into). */
const NOTHING = new Uint8Array(0);

/**
 * One account's native-token balances (pyquarkchain evm/state.py: TokenBalances). Two modes:
 * - list: every balance in the map, serialized inline as 0x00 ‖ rlp([[id, balance], …]);
 * - trie: a secure trie keyed by the 32-byte token id holding rlp(balance), serialized as
 *   0x01 ‖ root. The map then holds what was set since the last commit and the non-zero values read.
 * The trie is sticky: a commit moves the balances into it when more than 16 are non-zero, and
 * nothing but `reset` (SELFDESTRUCT) leaves it, even at zero tokens (0x01 ‖ BLANK_ROOT).
 *
 * The map (TokenBalances._balances) keeps its first entry in two fields and any later ones in a
 * Map made on first use: nearly every account holds one token, and a Map per account read was a
 * few percent of what a block allocates. Entries are never removed one by one, so the first stays
 * first (insertion order, as the dict's).
 */
export class TokenBalances implements Undoable {
  /** The map's first entry's token id; undefined while the map is empty. Zero balances are entries too. */
  private firstId: bigint | undefined = undefined;
  private firstValue = 0n;
  /** The map's later entries. */
  private more: Map<bigint, bigint> | undefined = undefined;
  private trie: SecureTrie | undefined;

  constructor(
    private readonly db: StateDb,
    encoded: Uint8Array,
  ) {
    if (encoded.length === 0) return;
    const body = encoded.subarray(1);
    if (encoded[0] === 0x00) {
      const pairs = decodeTokenPairs(body);
      for (let i = 0; i < pairs.length; i += 2) this.put(pairs[i]!, pairs[i + 1]!);
    } else if (encoded[0] === 0x01) {
      if (body.length !== 32) throw new AccountEncodingError(`token trie root: ${body.length} bytes, not 32`);
      this.trie = db.openTrie(body);
    } else throw new AccountEncodingError(`unknown token_balances tag 0x${encoded[0]!.toString(16)}`);
  }

  /** Mock accounts (Ethereum's single balance) as a map of one token, as get_and_cache_account builds it. */
  static ofSingle(db: StateDb, tokenId: bigint, balance: bigint): TokenBalances {
    const t = new TokenBalances(db, NOTHING);
    if (balance !== 0n) t.put(tokenId, balance);
    return t;
  }

  get usesTrie(): boolean {
    return this.trie !== undefined;
  }

  /** TokenBalances.balance: the trie is read once per token, and only non-zero values are kept. */
  balance(tokenId: bigint): bigint {
    if (tokenId === this.firstId) return this.firstValue;
    const cached = this.more?.get(tokenId);
    if (cached !== undefined) return cached;
    if (this.trie === undefined) return 0n;
    const v = decodeTrieInt(this.trie.get(word32(tokenId)), "token balance");
    if (v !== 0n) this.put(tokenId, v);
    return v;
  }

  /** TokenBalances.set_balance; the undo writes into whatever map is current then (see `reset`). */
  set(journal: Journal, tokenId: bigint, value: bigint): void {
    const before = this.balance(tokenId);
    this.put(tokenId, value);
    journal.push(this, SET, tokenId, before);
  }

  /**
   * TokenBalances.reset (del_account): no token, no trie. Reverting it restores the trie but *not*
   * the map: pyquarkchain's undo sets `_balance`, a misspelt attribute, so the emptied map stays and only
   * the undos of individual `set` calls refill it. Kept for byte fidelity; del_account runs after a
   * transaction's last snapshot, so no known path reverts it.
   */
  reset(journal: Journal): void {
    this.empty();
    const trie = this.trie;
    this.trie = undefined;
    journal.push(this, RESET, trie, undefined);
  }

  /** The journal's undo: a `set` writes its old value into whatever map is current; a `reset` gets its trie back. */
  undo(op: number, a: unknown, b: unknown): void {
    if (op === SET) this.put(a as bigint, b as bigint);
    else this.trie = a as SecureTrie | undefined;
  }

  /** TokenBalances.is_blank: no trie and no non-zero balance. */
  isBlank(): boolean {
    return this.trie === undefined && this.nonZeroCached() === 0;
  }

  /** TokenBalances.commit: into the trie when it exists or when more than 16 tokens are non-zero. */
  commit(): void {
    if (this.trie === undefined && this.nonZeroCached() <= TOKEN_TRIE_THRESHOLD) return;
    this.trie ??= this.db.openTrie(BLANK_ROOT);
    for (const [id, v] of this.entries()) {
      const key = word32(id);
      if (v === 0n) this.trie.delete(key);
      else {
        this.trie.put(key, encodeTrieInt(v));
        // SecureTrie.update keeps the key's preimage in the db: toMap() reads token ids back from it.
        this.db.putPreimage(key);
      }
    }
    this.db.commitTrie(this.trie);
    this.empty();
  }

  /**
   * TokenBalances.serialize, after `commit`: 0x01 ‖ root in trie mode; else empty when the map has no
   * entry at all, and 0x00 ‖ rlp(non-zero pairs sorted by id) otherwise — so a map holding only zeros
   * gives 0x00c0, not the empty string.
   */
  serialize(): Uint8Array {
    if (this.trie !== undefined) {
      if (this.cachedEntries > 0) throw new Error("TokenBalances.serialize: token trie not committed");
      const out = new Uint8Array(33);
      out[0] = 0x01;
      out.set(this.trie.root(), 1);
      return out;
    }
    if (this.firstId === undefined) return NOTHING;
    return encodeTaggedTokenList(this.entries());
  }

  /**
   * The one token of a committed list-mode map holding exactly one entry, a positive balance (what
   * nearly every account serializes to), for encodeAccount to write in place; else undefined.
   */
  get soleToken(): bigint | undefined {
    if (this.trie !== undefined || this.more !== undefined || this.firstValue <= 0n) return undefined;
    return this.firstId;
  }

  /** The balance of `soleToken`. */
  get soleBalance(): bigint {
    return this.firstValue;
  }

  /** The balance map entries as they stand (list mode only): for the mock-account check. */
  get cachedEntries(): number {
    return (this.firstId === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  /** TokenBalances.to_dict: every non-zero balance (reads the whole token trie in trie mode). */
  toMap(): Map<bigint, bigint> {
    const out = new Map<bigint, bigint>();
    if (this.trie !== undefined) {
      for (const [hashed, value] of this.trie.hashedEntries()) {
        out.set(bytesInt(this.db.preimage(hashed)), decodeTrieInt(value, "token balance"));
      }
    }
    for (const [id, v] of this.entries()) {
      if (v === 0n) out.delete(id);
      else out.set(id, v);
    }
    return out;
  }

  /** The map's entries in insertion order (a copy: the rare paths that list them all). */
  private entries(): Map<bigint, bigint> {
    const out = new Map<bigint, bigint>();
    if (this.firstId === undefined) return out;
    out.set(this.firstId, this.firstValue);
    if (this.more !== undefined) for (const [id, v] of this.more) out.set(id, v);
    return out;
  }

  /** _balances[tokenId] = value. */
  private put(tokenId: bigint, value: bigint): void {
    if (this.firstId === undefined || tokenId === this.firstId) {
      this.firstId = tokenId;
      this.firstValue = value;
    } else (this.more ??= new Map()).set(tokenId, value);
  }

  /** _balances = {}. */
  private empty(): void {
    this.firstId = undefined;
    this.firstValue = 0n;
    this.more = undefined;
  }

  private nonZeroCached(): number {
    let n = this.firstId !== undefined && this.firstValue > 0n ? 1 : 0;
    if (this.more !== undefined) for (const v of this.more.values()) if (v > 0n) n++;
    return n;
  }
}
