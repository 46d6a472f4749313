import { hex } from "../../codec/bytes.ts";

/**
 * Storage slots known at a storage root, kept from one block's world state to the next. A world state
 * is opened per block and its accounts start with empty slot caches, so a token contract's balances
 * were read from its storage trie again every block (two trie walks, a keccak and a decode per
 * transfer). What a slot holds at a given root never changes (the root is the hash of the trie's
 * content), so the slots an account read or committed, keyed by the root they are valid at, can be
 * handed to the next account opened at that root.
 *
 * A set of slots has ONE owner at a time: `take` removes it, the taking account reads and writes
 * it as its own cache, and gives it back under its new root when it commits (`keep`). An account
 * dropped without a commit (an abandoned block, an eth_call) takes its slots with it: the next
 * account at that root reads the trie, as before. So no account ever sees another's writes.
 */
export interface SlotSet {
  /** Slot (its slotKey) -> value at the root. */
  readonly values: Map<string, bigint>;
  /** Slot -> keccak256 of its 32-byte word, its key in the storage trie. */
  readonly hashed: Map<string, Uint8Array>;
}

/** Bounds: the sets of this many roots, this many slots in all (~300 bytes a slot). */
const MAX_ROOTS = 256;
const MAX_SLOTS = 65_536;

/** Root (hex) -> its slots, oldest first (a Map keeps insertion order). */
const byRoot = new Map<string, SlotSet>();
let slotCount = 0;

/** The slots known at `root`, now the caller's own (undefined when none are kept). */
export function takeSlots(root: Uint8Array): SlotSet | undefined {
  const key = hex(root);
  const set = byRoot.get(key);
  if (set === undefined) return undefined;
  byRoot.delete(key);
  slotCount -= set.values.size;
  return set;
}

/**
 * Keep `set` as the slots at `root`: every value in it must be what the storage trie at `root` holds
 * (the caller hands it over and never touches it again).
 */
export function keepSlots(root: Uint8Array, set: SlotSet): void {
  const size = set.values.size;
  if (size === 0 || size > MAX_SLOTS) return;
  const key = hex(root);
  const old = byRoot.get(key);
  if (old !== undefined) {
    byRoot.delete(key);
    slotCount -= old.values.size;
  }
  byRoot.set(key, set);
  slotCount += size;
  for (const [k, s] of byRoot) {
    if (slotCount <= MAX_SLOTS && byRoot.size <= MAX_ROOTS) break;
    byRoot.delete(k);
    slotCount -= s.values.size;
  }
}

/** Forget every kept slot (tests). */
export function clearSlots(): void {
  byRoot.clear();
  slotCount = 0;
}

/** How many roots and slots are kept (tests). */
export function keptSlots(): { roots: number; slots: number } {
  return { roots: byRoot.size, slots: slotCount };
}
