import { hex, sameBytes } from "../../codec/bytes.ts";
import { tokenIdEncode } from "../../config/token.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import {
  decodeAccount,
  decodeMockAccount,
  decodeTrieInt,
  encodeAccount,
  encodeAccountOfOneToken,
  encodeMockAccount,
  encodeTrieInt,
  word32,
} from "./account-rlp.ts";
import type { Journal, Undoable } from "./journal.ts";
import type { SecureTrie } from "./trie/index.ts";
import { BLANK_CODE_HASH, BLANK_ROOT, type StateDb } from "./state-db.ts";
import { keepSlots, takeSlots } from "./slot-cache.ts";
import { TokenBalances } from "./token-balances.ts";

/** token_id_encode("QKC"): the one token of a mock (Ethereum) account. */
export const QKC_TOKEN_ID = tokenIdEncode("QKC");

/** The token balances of a blank account: none (TokenBalances keeps nothing of it). */
const NO_TOKENS = new Uint8Array(0);

/** Journal ops of a CachedAccount (see `undo`). */
const NONCE = 0;
const TOUCHED = 1;
const DELETED = 2;
const CODE = 3;
const STORAGE = 4;
const RESET_STORAGE = 5;

/**
 * A storage slot's key in an account's slot caches: its hex string. Not the bigint itself: V8 hashes
 * a BigInt by its lowest 64-bit digit only and a small integer by a fixed, unseeded function, so a
 * contract that touches slots i << 64 (or brute-forced small slots) would put every slot of a
 * block in one bucket, and a block's ~60k SLOADs would take tens of seconds (20,000: 3.9 s) where
 * pyquarkchain (Python's dict) takes a second. String hashes are seeded at random per process
 * (V8 --hash-seed=0).
 */
function slotKey(slot: bigint): string {
  return slot.toString(16);
}

/**
 * One account as a block's execution sees it (pyquarkchain evm/state.py: Account): its fields, its
 * token balances, and a cache of the storage slots read or written. Accounts live in the world
 * state's cache from their first read until the block's commit; every change goes through the
 * journal, so a revert restores them in place.
 */
export class CachedAccount implements Undoable {
  /**
   * Account.storage_cache: slots read or set since the account was loaded (this and the next two made
   * on first use), keyed by slotKey (not by the bigint: see there).
   */
  private storage: Map<string, bigint> | undefined;
  /** keccak256 of each slot read from the trie: its key there, hashed once for the read and the commit. */
  private hashedSlots: Map<string, Uint8Array> | undefined;
  /** Whether the slots kept at the loaded root (slot-cache.ts) were asked for: once per account. */
  private slotsTaken = false;
  /** Slots set since loading: what a commit writes (a read leaves the trie as it is). */
  private setSlots: Set<string> | undefined;
  /** The storage trie reads go to; reset_storage swaps in an empty one. Opened on first use. */
  private storageTrie: SecureTrie | undefined;
  private storageTrieRoot: Uint8Array;
  /**
   * The last slot asked for, its slotKey, and its value in `storage` when known: an SSTORE reads its
   * slot (for the gas) and then writes it, and a token's transfer loads each balance before storing
   * it, so a slot comes three or four times in a row; its key (a 64-character string for a hashed
   * slot) is made once, and looked up once. `lastValue` is forgotten (undefined) whenever `storage`
   * changes other than through setStorage: a revert, a reset, a hand-on.
   */
  private lastSlot: bigint | undefined = undefined;
  private lastKey = "";
  private lastValue: bigint | undefined = undefined;
  /** Code set since loading (stored at commit), or code read (cached). */
  private codeBytes: Uint8Array | undefined;
  private codeIsNew = false;

  /** EIP-161's "touched": a touched blank account is deleted at commit. */
  touched = false;
  /** Set by del_account: committed even though del_account leaves it untouched. */
  deleted = false;
  /** keccak256(address), the account's key in the state trie, once computed (read, then written at commit). */
  hashedAddress: Uint8Array | undefined;
  /** The state trie's value for the account when it was loaded (undefined: absent), for account-cache.ts. */
  stored: Uint8Array | undefined;
  /** The world state's cache chains accounts whose addresses hash alike (see AccountTable). */
  nextInBucket: CachedAccount | undefined;

  private constructor(
    private readonly db: StateDb,
    readonly address: Uint8Array,
    public nonce: bigint,
    readonly tokens: TokenBalances,
    /** Account.storage: the root as stored, brought up to date by `commit`. */
    public storageRoot: Uint8Array,
    public codeHash: Uint8Array,
    /** Fixed when the account is loaded: as stored, or the state's key of the moment for a new one. */
    readonly fullShardKey: number,
  ) {
    this.storageTrieRoot = storageRoot;
  }

  /** State.get_and_cache_account, QuarkChain accounts: `stored` is the trie's value. */
  static fromStored(db: StateDb, address: Uint8Array, stored: Uint8Array): CachedAccount {
    const a = decodeAccount(stored);
    const tokens = new TokenBalances(db, a.tokenBalances);
    return new CachedAccount(db, address, a.nonce, tokens, a.storageRoot, a.codeHash, a.fullShardKey);
  }

  /** State.get_and_cache_account with use_mock_evm_account: the balance becomes a QKC entry, the key the state's. */
  static fromMock(db: StateDb, address: Uint8Array, stored: Uint8Array, fullShardKey: number): CachedAccount {
    const a = decodeMockAccount(stored);
    const tokens = TokenBalances.ofSingle(db, QKC_TOKEN_ID, a.balance);
    return new CachedAccount(db, address, a.nonce, tokens, a.storageRoot, a.codeHash, fullShardKey);
  }

  /** Account.blank_account: what a read of an absent address creates. */
  static blank(db: StateDb, address: Uint8Array, fullShardKey: number): CachedAccount {
    const tokens = new TokenBalances(db, NO_TOKENS);
    return new CachedAccount(db, address, 0n, tokens, BLANK_ROOT, BLANK_CODE_HASH, fullShardKey);
  }

  /** Account.is_blank: nonce 0, no non-zero token and no token trie, no code. */
  isBlank(): boolean {
    return this.nonce === 0n && this.tokens.isBlank() && sameBytes(this.codeHash, BLANK_CODE_HASH);
  }

  get code(): Uint8Array {
    return (this.codeBytes ??= this.db.code(this.codeHash));
  }

  /** State.set_and_journal(acct, "nonce", …). */
  setNonce(journal: Journal, nonce: bigint): void {
    journal.push(this, NONCE, this.nonce, undefined);
    this.nonce = nonce;
  }

  /**
   * State.set_and_journal(acct, "touched", True). Recorded only when it changes anything: every
   * change of `touched` is journaled, so undoing the entries after it leaves it true, and an undo
   * to true would change nothing.
   */
  touch(journal: Journal): void {
    if (this.touched) return;
    journal.push(this, TOUCHED, false, undefined);
    this.touched = true;
  }

  /** del_account's last step: deleted, and untouched, both journaled. */
  markDeleted(journal: Journal): void {
    journal.push(this, DELETED, this.deleted, this.touched);
    this.deleted = true;
    this.touched = false;
  }

  /** Account.code's setter, journaled (State.set_code); the code is stored at commit, if still set. */
  setCode(journal: Journal, code: Uint8Array): void {
    journal.push(this, CODE, [this.codeHash, this.codeBytes], this.codeIsNew);
    this.codeBytes = code;
    this.codeHash = code.length === 0 ? BLANK_CODE_HASH : keccak256(code);
    this.codeIsNew = code.length > 0;
  }

  /** Account.get_storage_data: read once from the trie, then from the cache. */
  getStorage(slot: bigint): bigint {
    const key = this.keyOf(slot);
    return (this.lastValue ??= this.storageAt(key, slot));
  }

  /** slotKey(slot), the last one's kept. */
  private keyOf(slot: bigint): string {
    if (slot === this.lastSlot) return this.lastKey;
    const key = slotKey(slot);
    this.lastSlot = slot;
    this.lastKey = key;
    this.lastValue = undefined;
    return key;
  }

  private storageAt(key: string, slot: bigint): bigint {
    const storage = this.storage ?? this.openSlots();
    const cached = storage.get(key);
    if (cached !== undefined) return cached;
    const hashed = keccak256(word32(slot));
    (this.hashedSlots ??= new Map()).set(key, hashed);
    const v = decodeTrieInt(this.trie().getHashed(hashed), "storage value");
    storage.set(key, v);
    return v;
  }

  /**
   * The slot cache on first use: the slots a committed account left at this root (slot-cache.ts),
   * taken once per account (after a reset_storage, or once handed on, a fresh one).
   */
  private openSlots(): Map<string, bigint> {
    if (!this.slotsTaken) {
      this.slotsTaken = true;
      const kept = takeSlots(this.storageTrieRoot);
      if (kept !== undefined) {
        this.hashedSlots = kept.hashed;
        return (this.storage = kept.values);
      }
    }
    return (this.storage = new Map());
  }

  /**
   * Hand the slot cache on to the next account opened at `root` (slot-cache.ts): every value in it
   * is what the trie at `root` holds. The account reads its trie from then on.
   */
  private handOnSlots(root: Uint8Array): void {
    if (this.storage === undefined) return;
    keepSlots(root, { values: this.storage, hashed: this.hashedSlots ?? new Map() });
    this.storage = this.hashedSlots = this.setSlots = undefined;
    this.lastValue = undefined;
    this.slotsTaken = true;
  }

  /**
   * A cached account the state's commit passes over (untouched: no change of it stands, its slots
   * are as read from the trie it reads) hands its slot cache on all the same.
   */
  passedOver(): void {
    this.handOnSlots(this.storageTrieRoot);
  }

  /** State.set_storage_data; the undo writes into whatever cache is current then (see resetStorage). */
  setStorage(journal: Journal, slot: bigint, value: bigint): void {
    const key = this.keyOf(slot);
    const before = this.lastValue ?? this.storageAt(key, slot);
    this.storage!.set(key, value);
    this.lastValue = value;
    (this.setSlots ??= new Set()).add(key);
    journal.push(this, STORAGE, key, before);
  }

  /** State.reset_storage: an empty cache over an empty trie; the stored root changes at commit. */
  resetStorage(journal: Journal): void {
    journal.push(this, RESET_STORAGE, [this.storage, this.storageTrie], this.storageTrieRoot);
    this.storage = undefined;
    this.lastValue = undefined;
    this.storageTrie = undefined;
    this.storageTrieRoot = BLANK_ROOT;
  }

  /** The journal's undo of one of the changes above. */
  undo(op: number, a: unknown, b: unknown): void {
    this.lastValue = undefined; // the storage undos below change what it stands for
    switch (op) {
      case NONCE:
        this.nonce = a as bigint;
        break;
      case TOUCHED:
        this.touched = a as boolean;
        break;
      case DELETED:
        this.deleted = a as boolean;
        this.touched = b as boolean;
        break;
      case CODE:
        [this.codeHash, this.codeBytes] = a as [Uint8Array, Uint8Array | undefined];
        this.codeIsNew = b as boolean;
        break;
      case STORAGE:
        // writes into whatever cache is current then (see resetStorage)
        (this.storage ??= new Map()).set(a as string, b as bigint);
        break;
      default:
        [this.storage, this.storageTrie] = a as [Map<string, bigint> | undefined, SecureTrie | undefined];
        this.storageTrieRoot = b as Uint8Array;
    }
  }

  /**
   * Account.commit: the slots set go into the storage trie (zero deletes), the token balances into
   * theirs when in trie mode, new code into the db; `storageRoot` becomes the storage trie's root.
   */
  commit(): void {
    let wrote = false;
    if (this.setSlots !== undefined)
      for (const slot of this.setSlots) {
        const v = this.storage?.get(slot);
        if (v === undefined) continue; // set before a reset_storage: the emptied trie never had it
        const key = this.hashedSlots?.get(slot) ?? keccak256(word32(BigInt(`0x${slot}`)));
        if (v === 0n) this.trie().deleteHashed(key);
        else this.trie().putHashed(key, encodeTrieInt(v));
        wrote = true;
      }
    if (wrote) this.db.commitTrie(this.trie());
    this.storageRoot = this.storageTrie?.root() ?? this.storageTrieRoot;
    this.handOnSlots(this.storageRoot);
    this.tokens.commit();
    if (this.codeIsNew) this.db.putCode(this.codeBytes!);
  }

  /** The trie value of a committed account: rlp(_Account). */
  encode(): Uint8Array {
    const t = this.tokens;
    const token = t.soleToken;
    if (token !== undefined) {
      return encodeAccountOfOneToken(
        this.nonce,
        token,
        t.soleBalance,
        this.storageRoot,
        this.codeHash,
        this.fullShardKey,
      );
    }
    return encodeAccount({
      nonce: this.nonce,
      tokenBalances: this.tokens.serialize(),
      storageRoot: this.storageRoot,
      codeHash: this.codeHash,
      fullShardKey: this.fullShardKey,
    });
  }

  /** The trie value of a committed mock account: rlp(_MockAccount), QKC as the balance. */
  encodeMock(): Uint8Array {
    // State.commit: `assert len(acct.token_balances._balances) <= 1, "QKC only"` (a lone other token is dropped).
    if (this.tokens.cachedEntries > 1) throw new MockAccountError(this.address);
    return encodeMockAccount(this.nonce, this.tokens.balance(QKC_TOKEN_ID), this.storageRoot, this.codeHash);
  }

  private trie(): SecureTrie {
    return (this.storageTrie ??= this.db.openTrie(this.storageTrieRoot));
  }
}

/** A mock (Ethereum) account cannot hold a second token: pyquarkchain's commit asserts it. */
export class MockAccountError extends Error {
  override readonly name = "MockAccountError";
  constructor(readonly address: Uint8Array) {
    super(`mock account ${hex(address)} holds more than one token (State.commit: "QKC only")`);
  }
}
