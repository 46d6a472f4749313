import { hex } from "../../codec/bytes.ts";
import { addressKeccak } from "../../crypto/address-keccak.ts";
import { keccak256 } from "../../crypto/keccak.ts";
import type { Address, World, WorldSnapshot } from "../../evm/world.ts";
import type { Kv } from "../kv.ts";
import { KnownAccounts, accountsAt, keepAccounts } from "./account-cache.ts";
import { Journal, type Undoable } from "./journal.ts";
import { CachedAccount } from "./qkc-account.ts";
import { BLANK_ROOT, StateDb, type StateWrite } from "./state-db.ts";
import type { ResolvedNode, SecureTrie, TrieNodeCache } from "./trie/index.ts";

export interface WorldStateOptions {
  /**
   * pyquarkchain's `use_mock_evm_account`: accounts are Ethereum's [nonce, balance, storage,
   * code_hash], the balance being QKC's (GeneralStateTests). Default: QuarkChain's `_Account`.
   */
  mockAccounts?: boolean;
  /** State.full_shard_key to start with (a new account takes the key current at its first read). */
  fullShardKey?: number;
  /** Decoded trie nodes, shared by the shard's states (one per shard; see StateDb). */
  nodeCache?: TrieNodeCache;
}

/**
 * What a commit produced: the new root, the records to store with the block in one batch, and
 * the trie nodes among them, for the shard's node cache to admit once the batch is stored.
 */
export interface StateCommit {
  root: Uint8Array;
  writes: StateWrite[];
  nodes: ResolvedNode[];
}

/** A snapshot taken before a commit: pyquarkchain could only go back to a root the cache no longer matches. */
export class StaleSnapshotError extends Error {
  override readonly name = "StaleSnapshotError";
}

/** A snapshot is commits·2^32 + journal length, so that one taken before a commit is recognized. */
const EPOCH = 2 ** 32;

/** A number from an address's bytes (FNV-1a), kept a small integer so that Map keys stay unboxed. */
function addressHash(addr: Address): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < addr.length; i++) h = Math.imul(h ^ addr[i]!, 0x01000193);
  return h & 0x3fffffff;
}

function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * State.cache: the accounts read since the last commit, found by their address's bytes without a
 * key string per lookup (an account is read several times per transaction), listed in the order
 * they were first read, as the dict State.commit walks.
 */
class AccountTable {
  private readonly buckets = new Map<number, CachedAccount>();
  readonly inOrder: CachedAccount[] = [];

  get(addr: Address, hash: number): CachedAccount | undefined {
    let a = this.buckets.get(hash);
    while (a !== undefined && !sameAddress(a.address, addr)) a = a.nextInBucket;
    return a;
  }

  add(hash: number, a: CachedAccount): void {
    a.nextInBucket = this.buckets.get(hash);
    this.buckets.set(hash, a);
    this.inOrder.push(a);
  }

  clear(): void {
    this.buckets.clear();
    this.inOrder.length = 0;
  }
}

/**
 * A shard's world state in the middle of a block (pyquarkchain evm/state.py: State): the account
 * trie at the last committed root, a cache of the accounts read since (each with its storage slots),
 * and the journal that makes snapshot()/revert() cost only what changed. `commit()` writes the
 * touched accounts (deleting the blank ones), empties cache and journal, and returns the new root
 * with the records to store. It implements the interpreter's `World`.
 *
 * The tx- and block-scoped values pyquarkchain also keeps on State live with their users: logs,
 * suicides and refunds in the interpreter's TxEffects; gas used, fees, receipts, cross-shard
 * deposits and the block environment in the tx layer. Only `fullShardKey` is here, because account
 * creation reads it. Anything else that must follow revert() can be journaled with `recordUndo`.
 */
export class WorldState implements World, Undoable {
  private readonly cache = new AccountTable();
  private readonly journal = new Journal();
  /** The address array `account` was last given, and what it found (until the commit empties the cache). */
  private lastAddress: Address | undefined;
  private lastAccount: CachedAccount | undefined;
  private readonly trie: SecureTrie;
  /** What the trie holds at its root for the accounts the last block read (account-cache.ts), if kept. */
  private known: KnownAccounts | undefined;
  private key: number;
  private commits = 0;
  /** Ethereum's account layout (state tests only); public for the interpreter's Ethereum-only RIPEMD-160 rule. */
  readonly mockAccounts: boolean;

  private constructor(
    /** The state's records: the Kv it was opened over, with this state's commits in front. */
    readonly db: StateDb,
    root: Uint8Array,
    options: WorldStateOptions,
  ) {
    this.trie = db.openTrie(root);
    this.known = accountsAt(db.base, root);
    this.key = options.fullShardKey ?? 0;
    this.mockAccounts = options.mockAccounts ?? false;
  }

  /** The state at `root` (the empty state by default) over a Kv: memory, LMDB, or another state's db. */
  static open(kv: Kv, root: Uint8Array = BLANK_ROOT, options: WorldStateOptions = {}): WorldState {
    return new WorldState(new StateDb(kv, options.nodeCache), root, options);
  }

  /**
   * State.ephemeral_clone, for eth_call-style execution: a state at this one's committed root
   * (uncommitted changes are not seen, as in pyquarkchain), reading this state's records, writing
   * its own. Nothing is copied.
   */
  ephemeralClone(): WorldState {
    return WorldState.open(this.db, this.root(), {
      mockAccounts: this.mockAccounts,
      fullShardKey: this.key,
      nodeCache: this.db.nodes.cache,
    });
  }

  /** The root of the last commit (or of the opening): State.trie.root_hash. */
  root(): Uint8Array {
    return this.trie.root();
  }

  /** State.full_shard_key: the key a new account takes; restored by revert like pyquarkchain's STATE_DEFAULTS. */
  get fullShardKey(): number {
    return this.key;
  }

  set fullShardKey(key: number) {
    // Every change of the key is journaled: an unchanged key needs no undo (see CachedAccount.touch).
    if (key === this.key) return;
    this.journal.push(this, 0, this.key, undefined);
    this.key = key;
  }

  /** The journal's undo of a change of the key (the state's one journaled field). */
  undo(_op: number, a: unknown): void {
    this.key = a as number;
  }

  /** Journals a change the caller made elsewhere, to be undone by a revert past this point. */
  recordUndo(undo: () => void): void {
    this.journal.record(undo);
  }

  /**
   * State.get_and_cache_account: the cached account, else the stored one, else a blank one with the
   * state's current full_shard_key; cached until commit either way (revert keeps it, and its key).
   */
  account(addr: Address): CachedAccount {
    // The very array of the last lookup (a transaction names its sender and recipient a dozen times,
    // most often twice in a row), if it still holds the same bytes: a caller may reuse an array.
    let a = this.lastAccount;
    if (addr === this.lastAddress && a !== undefined && sameAddress(a.address, addr)) return a;
    const hash = addressHash(addr);
    a = this.cache.get(addr, hash);
    if (a === undefined) {
      a = this.load(addr, hash);
      this.cache.add(hash, a);
    }
    this.lastAddress = addr;
    this.lastAccount = a;
    return a;
  }

  /** get_and_cache_account(should_cache=False): a read that leaves the cache as it is. */
  peekAccount(addr: Address): CachedAccount {
    const hash = addressHash(addr);
    return this.cache.get(addr, hash) ?? this.load(addr, hash);
  }

  /**
   * The account as stored (as the last block's commit left it, when it read it: no trie walk), with
   * its hashed address (the commit writes it under the same key) and its stored bytes (the commit
   * keeps them for the next block if it does not write the account).
   */
  private load(addr: Address, hash: number): CachedAccount {
    const hashed = addressKeccak(addr); // often hashed already by a sender thread (crypto/address-keccak.ts)
    const address = new Uint8Array(addr.length); // a plain copy: a caller may reuse its array (Uint8Array.from iterates: ~2x slower)
    address.set(addr);
    const known = this.known?.get(addr, hash);
    const stored = known === undefined ? this.trie.getHashed(hashed) : (known ?? undefined);
    let a: CachedAccount;
    if (stored === undefined) a = CachedAccount.blank(this.db, address, this.key);
    else if (this.mockAccounts) a = CachedAccount.fromMock(this.db, address, stored, this.key);
    else a = CachedAccount.fromStored(this.db, address, stored);
    a.hashedAddress = hashed;
    a.stored = stored;
    return a;
  }

  getBalance(addr: Address, tokenId: bigint): bigint {
    return this.account(addr).tokens.balance(tokenId);
  }

  /** State.delta_token_balance: a zero delta only touches. */
  addBalance(addr: Address, tokenId: bigint, delta: bigint): void {
    const a = this.account(addr);
    if (delta !== 0n) {
      const value = a.tokens.balance(tokenId) + delta;
      if (value < 0n) throw new RangeError(`balance of ${hex(addr)} in token ${tokenId} would be negative`);
      a.tokens.set(this.journal, tokenId, value);
    }
    a.touch(this.journal);
  }

  /** State.set_token_balance: setting the same value only touches (no balance entry is made). */
  setBalance(addr: Address, tokenId: bigint, value: bigint): void {
    const a = this.account(addr);
    if (value !== a.tokens.balance(tokenId)) a.tokens.set(this.journal, tokenId, value);
    a.touch(this.journal);
  }

  getNonce(addr: Address): bigint {
    return this.account(addr).nonce;
  }

  setNonce(addr: Address, nonce: bigint): void {
    const a = this.account(addr);
    a.setNonce(this.journal, nonce);
    a.touch(this.journal);
  }

  getCode(addr: Address): Uint8Array {
    return this.account(addr).code;
  }

  getCodeHash(addr: Address): Uint8Array {
    return this.account(addr).codeHash;
  }

  setCode(addr: Address, code: Uint8Array): void {
    const a = this.account(addr);
    a.setCode(this.journal, code);
    a.touch(this.journal);
  }

  getStorage(addr: Address, slot: bigint): bigint {
    return this.account(addr).getStorage(slot);
  }

  setStorage(addr: Address, slot: bigint, value: bigint): void {
    const a = this.account(addr);
    a.setStorage(this.journal, slot, value);
    a.touch(this.journal);
  }

  resetStorage(addr: Address): void {
    this.account(addr).resetStorage(this.journal);
  }

  accountExists(addr: Address): boolean {
    return !this.account(addr).isBlank();
  }

  /** The account's value in the trie as of the last commit (State.trie.get): undefined when absent. */
  storedAccount(addr: Address): Uint8Array | undefined {
    return this.trie.get(addr);
  }

  /**
   * One step of ShardState.get_total_balance's walk over the account trie: the first account whose
   * hashed address is after `hashedKey` (32 zero bytes to start), with its balance of `tokenId` as
   * stored (the walk reads a fresh state: get_balance(should_cache=False) on an empty cache).
   */
  nextAccountBalance(hashedKey: Uint8Array, tokenId: bigint): { hashedKey: Uint8Array; balance: bigint } | undefined {
    const entry = this.trie.nextHashed(hashedKey);
    if (entry === undefined) return undefined;
    const [next, stored] = entry;
    const account = this.mockAccounts
      ? CachedAccount.fromMock(this.db, next, stored, this.key)
      : CachedAccount.fromStored(this.db, next, stored);
    return { hashedKey: next, balance: account.tokens.balance(tokenId) };
  }

  /** State.get_full_shard_key. */
  getFullShardKey(addr: Address): number {
    return this.account(addr).fullShardKey;
  }

  /** State.get_balances (TokenBalances.to_dict): every non-zero balance. */
  getBalances(addr: Address): Map<bigint, bigint> {
    return this.account(addr).tokens.toMap();
  }

  /**
   * State.del_account: every token (and the token trie), nonce, code and storage go; the account is
   * marked deleted and *untouched*, and stays cached, key and all, until the commit.
   */
  deleteAccount(addr: Address): void {
    const a = this.account(addr);
    a.tokens.reset(this.journal);
    this.setNonce(addr, 0n);
    this.setCode(addr, new Uint8Array(0));
    a.resetStorage(this.journal);
    a.markDeleted(this.journal);
  }

  snapshot(): WorldSnapshot {
    return this.commits * EPOCH + this.journal.mark();
  }

  revert(snap: WorldSnapshot): void {
    if (Math.floor(snap / EPOCH) !== this.commits) {
      throw new StaleSnapshotError("revert to a snapshot taken before the last commit");
    }
    this.journal.revertTo(snap % EPOCH);
  }

  /**
   * State.commit: each touched or deleted account commits its storage, tokens and code, then is
   * written — or deleted from the trie if blank (kept when `allowEmpties`, as the state tests'
   * pre-states are). Cache and journal are emptied. A batch holds what its commit made (a later
   * commit's leaves out code an earlier one stored; a node made again, identical, comes again,
   * harmlessly): a caller that keeps the root stores every batch, in order.
   */
  commit(options: { allowEmpties?: boolean } = {}): StateCommit {
    const known = new KnownAccounts(); // each account's value at the new root, for the next block (account-cache.ts)
    for (const a of this.cache.inOrder) {
      if (!a.touched && !a.deleted) {
        a.passedOver();
        known.add(a.address, addressHash(a.address), a.stored ?? null);
        continue;
      }
      a.commit();
      const hashed = a.hashedAddress ?? keccak256(a.address);
      let value: Uint8Array | null = null;
      if (!a.isBlank() || options.allowEmpties)
        this.trie.putHashed(hashed, (value = this.mockAccounts ? a.encodeMock() : a.encode()));
      else this.trie.deleteHashed(hashed);
      known.add(a.address, addressHash(a.address), value);
    }
    this.db.commitTrie(this.trie);
    keepAccounts(this.db.base, this.trie.root(), known);
    this.known = known;
    this.cache.clear();
    this.lastAddress = this.lastAccount = undefined;
    this.journal.clear();
    this.commits++;
    return { root: this.trie.root(), writes: this.db.takeBatch(), nodes: this.db.takeNodes() };
  }
}
