import type { TokenBalanceMap } from "../../../messages/core.ts";
import { type Account, emptyAccount, encodeAccount, isBlank, sortedBalances, word } from "./account.ts";
import { secureTrieRoot } from "./mpt.ts";

const key = (recipient: Uint8Array): string => Buffer.from(recipient).toString("hex");

/**
 * A shard's EVM world state as plain data: accounts by 20-byte recipient. The state root is
 * the secure trie of their encodings (keccak256(recipient) -> encodeAccount), computed on
 * demand and cached until the next change.
 */
export class EvmState {
  private readonly accounts = new Map<string, Account>();
  private root: Uint8Array | undefined;

  /** The account as stored, or undefined when the trie has none (a blank account reads the same). */
  get(recipient: Uint8Array): Readonly<Account> | undefined {
    return this.accounts.get(key(recipient));
  }

  /**
   * The account to change, created blank with `fullShardKey` if absent (pyquarkchain's
   * get_and_cache_account with the state's current full_shard_key). Call commit() after changes.
   */
  touch(recipient: Uint8Array, fullShardKey: number): Account {
    this.root = undefined;
    let a = this.accounts.get(key(recipient));
    if (!a) this.accounts.set(key(recipient), (a = emptyAccount(fullShardKey)));
    return a;
  }

  /** Drops blank accounts, as State.commit deletes them from the trie (their storage goes too). */
  commit(): void {
    for (const [k, a] of this.accounts) if (isBlank(a)) this.accounts.delete(k);
    this.root = undefined;
  }

  stateRoot(): Uint8Array {
    this.root ??= secureTrieRoot(
      [...this.accounts]
        .filter(([, a]) => !isBlank(a))
        .map(([k, a]) => [Buffer.from(k, "hex"), encodeAccount(a)] as const),
    );
    return this.root;
  }

  /** Recipients with an account, in creation order. */
  recipients(): Uint8Array[] {
    return [...this.accounts.keys()].map((k) => new Uint8Array(Buffer.from(k, "hex")));
  }

  /** The raw trie value of the account, or undefined when absent. */
  accountRlp(recipient: Uint8Array): Uint8Array | undefined {
    const a = this.get(recipient);
    return a && !isBlank(a) ? encodeAccount(a) : undefined;
  }

  nonce(recipient: Uint8Array): bigint {
    return this.get(recipient)?.nonce ?? 0n;
  }

  /** Non-zero balances sorted by token id, as a TokenBalanceMap. */
  balances(recipient: Uint8Array): TokenBalanceMap {
    const a = this.get(recipient);
    return { balance_map: a ? sortedBalances(a) : [] };
  }

  balance(recipient: Uint8Array, tokenId: bigint): bigint {
    return this.get(recipient)?.balances.get(tokenId) ?? 0n;
  }

  /** GET_CODE: the code, empty for an account without code or no account. */
  code(recipient: Uint8Array): Uint8Array {
    return this.get(recipient)?.code ?? new Uint8Array(0);
  }

  /** GET_STORAGE: the slot's value as a 32-byte word (zero when unset). */
  storageAt(recipient: Uint8Array, slot: bigint): Uint8Array {
    return word(this.get(recipient)?.storage.get(slot) ?? 0n);
  }

  /** An independent copy (accounts, balances, code and storage maps copied). */
  clone(): EvmState {
    const copy = new EvmState();
    for (const [k, a] of this.accounts) {
      copy.accounts.set(k, { ...a, balances: new Map(a.balances), storage: new Map(a.storage), code: a.code.slice() });
    }
    copy.root = this.root;
    return copy;
  }
}
