import { keccak256 } from "../../../crypto/keccak.ts";
import type { TrieNodeDb } from "./node-db.ts";
import { BLANK_ROOT, Trie, type TrieCommit } from "./trie.ts";
import type { TrieEntry } from "./walk.ts";

/**
 * A trie keyed by keccak256(key) (pyquarkchain quarkchain/evm/securetrie.py): the state trie
 * (key: address), an account's storage (key: 32-byte slot) and token trie (key: 32-byte token id).
 *
 * securetrie.py also stores each preimage (hash → key) in the db; nothing here does. Its one
 * reader is get_total_balance, which maps the hashed key back to an address only to read that
 * same account again; the walk below yields the account's value with its hashed key instead.
 */
export class SecureTrie {
  private trie: Trie;

  /** The secure trie at `root` (BLANK_ROOT: empty); throws MissingTrieNodeError if the store lacks it. */
  constructor(db: TrieNodeDb, root: Uint8Array = BLANK_ROOT) {
    this.trie = new Trie(db, root);
  }

  get db(): TrieNodeDb {
    return this.trie.db;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.trie.get(keccak256(key));
  }

  /** `get` by keccak256(key), for a caller that keeps the hash (an account read, then written). */
  getHashed(hashedKey: Uint8Array): Uint8Array | undefined {
    return this.trie.get(hashedKey);
  }

  /** `put` by keccak256(key); the caller must have stored the preimage if it wants one. */
  putHashed(hashedKey: Uint8Array, value: Uint8Array): void {
    this.trie.put(hashedKey, value);
  }

  deleteHashed(hashedKey: Uint8Array): void {
    this.trie.delete(hashedKey);
  }

  /** Sets key to value; an empty value deletes the key. */
  put(key: Uint8Array, value: Uint8Array): void {
    this.trie.put(keccak256(key), value);
  }

  delete(key: Uint8Array): void {
    this.trie.delete(keccak256(key));
  }

  isEmpty(): boolean {
    return this.trie.isEmpty();
  }

  root(): Uint8Array {
    return this.trie.root();
  }

  /** See Trie.commit: the writes must reach the Kv before this trie or a copy is committed again. */
  commit(): TrieCommit {
    return this.trie.commit();
  }

  /** An independent trie with the same content; costs nothing (nodes are shared, never changed). */
  copy(): SecureTrie {
    const twin = new SecureTrie(this.trie.db);
    twin.trie = this.trie.copy();
    return twin;
  }

  /** Entries as [keccak256(key), value], hashed key ≥ from, ascending. */
  hashedEntries(fromHash?: Uint8Array): Generator<TrieEntry> {
    return this.trie.entries(fromHash);
  }

  /**
   * The first entry whose hashed key is > `hashedKey`, as [hashed key, value]: one step of
   * get_total_balance (cluster/shard_state.py), which starts from 32 zero bytes and pages on
   * by the last hashed key it returned.
   */
  nextHashed(hashedKey: Uint8Array): TrieEntry | undefined {
    return this.trie.next(hashedKey);
  }
}
