import type { TokenBalanceMap } from "../../messages/core.ts";
import type { WorldState } from "./world-state.ts";

/** What the queries and the pool read of a state after a block: the reads of ShardState's get_* calls. */
export interface StateView {
  nonce(recipient: Uint8Array): bigint;
  /** Non-zero balances sorted by token id. */
  balances(recipient: Uint8Array): TokenBalanceMap;
  balance(recipient: Uint8Array, tokenId: bigint): bigint;
  code(recipient: Uint8Array): Uint8Array;
  /** The slot's value as a 32-byte word. */
  storageAt(recipient: Uint8Array, slot: bigint): Uint8Array;
}

/**
 * A StateView over a world state opened at a stored root: each read leaves the state's cache as
 * it is (get_*(should_cache=False)), so one view answers any number of queries.
 */
export class WorldStateView implements StateView {
  constructor(private readonly world: WorldState) {}

  nonce(recipient: Uint8Array): bigint {
    return this.world.peekAccount(recipient).nonce;
  }

  balances(recipient: Uint8Array): TokenBalanceMap {
    const entries = [...this.world.peekAccount(recipient).tokens.toMap()].filter(([, v]) => v !== 0n);
    return { balance_map: entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  }

  balance(recipient: Uint8Array, tokenId: bigint): bigint {
    return this.world.peekAccount(recipient).tokens.balance(tokenId);
  }

  code(recipient: Uint8Array): Uint8Array {
    return this.world.peekAccount(recipient).code;
  }

  storageAt(recipient: Uint8Array, slot: bigint): Uint8Array {
    const value = this.world.peekAccount(recipient).getStorage(slot);
    return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
  }
}
