import { hex } from "../../codec/bytes.ts";
import type { Address } from "../../evm/world.ts";

/**
 * Accounts known at a state root, kept from one block's world state to the next (issue 17). A world
 * state is opened per block with an empty account cache, so every account a block reads is looked up
 * in the state trie again, though the block before read or wrote most of the hot ones (a sender's
 * next transaction, the coinbase, a token contract): a walk down the trie each, ~40% of the main
 * thread's execution of a block of transfers. What the trie holds for an address at a given root
 * never changes (the root is the hash of the content), and a commit knows it for every account its
 * state read: the bytes it wrote, its deletion, or (untouched) the bytes it was read with. So a
 * commit keeps them under its new root, and the next world state opened there reads them first.
 *
 * The trie's bytes are kept, not accounts: a world state decodes them as it decodes the trie's (a
 * mock account takes the state's key of the moment), and nobody writes into a kept set, so every
 * state opened at the root may read it. Kept per Kv (a shard's store): a root is only ever opened over
 * the store its block is in, and a state over another store keeps meeting its own missing nodes.
 */
export class KnownAccounts {
  private readonly buckets = new Map<number, Known>();
  size = 0;

  /** The trie's value for `address` (its FNV `hash`, world-state.ts's): bytes, null when absent, undefined when not known. */
  get(address: Address, hash: number): Uint8Array | null | undefined {
    for (let k = this.buckets.get(hash); k !== undefined; k = k.next)
      if (sameAddress(k.address, address)) return k.stored;
    return undefined;
  }

  /** `address` (a copy nobody writes into) holds `stored` (null: absent) at the root. Each address once. */
  add(address: Uint8Array, hash: number, stored: Uint8Array | null): void {
    this.buckets.set(hash, { address, stored, next: this.buckets.get(hash) });
    this.size++;
  }
}

interface Known {
  readonly address: Uint8Array;
  readonly stored: Uint8Array | null;
  readonly next: Known | undefined;
}

function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last few roots' sets per store: a block's child runs on its root; sync's batches, one after another. */
const MAX_ROOTS = 8;
/** Roots (hex) -> their accounts, oldest first, per store (a Kv, or anything a state is opened over). */
const byStore = new WeakMap<object, Map<string, KnownAccounts>>();

/** The accounts known at `root` of `store`'s state (undefined: none kept). */
export function accountsAt(store: object, root: Uint8Array): KnownAccounts | undefined {
  return byStore.get(store)?.get(hex(root));
}

/** Keep `known` as the accounts at `root` of `store`'s state: each value must be what the trie at `root` holds. */
export function keepAccounts(store: object, root: Uint8Array, known: KnownAccounts): void {
  if (known.size === 0) return;
  let roots = byStore.get(store);
  if (roots === undefined) byStore.set(store, (roots = new Map()));
  const key = hex(root);
  roots.delete(key);
  roots.set(key, known);
  if (roots.size > MAX_ROOTS) roots.delete(roots.keys().next().value!);
}
