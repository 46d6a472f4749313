/**
 * The world as the interpreter sees it: what pyquarkchain's `VMExt` hands `vm.py`, `messages.py` and
 * `specials.py` from `State` (evm/state.py). `src/backend/state/` implements it (the `world` helper);
 * tests use a small in-memory fake.
 *
 * Conventions:
 * - An address is a 20-byte `Uint8Array`. The interpreter may pass views and fresh arrays alike; an
 *   implementation copies what it keeps (a key string, say) and never mutates what it is given.
 * - Token ids, balances, nonces, storage slots and values are `bigint`.
 * - Every read of an account that is not cached creates it with the state's *current* full_shard_key
 *   (`State.get_and_cache_account`); that is the implementation's business, the interpreter never names a key.
 * - "Touch" is pyquarkchain's `touched` flag: a touched blank account is deleted at commit (EIP-161).
 *   Every setter below touches, except `resetStorage` (as in `State`).
 * - Every mutation is journaled: `revert(snapshot())` undoes everything done since, touches included.
 *
 * The tx-scoped lists (logs, suicides, refunds) are not here: the interpreter keeps them in its own
 * `TxEffects` (src/evm/effects.ts) and snapshots them together with the world.
 */

/** A 20-byte account address. */
export type Address = Uint8Array;

/** An opaque mark in the world's journal; only valid until the journal is reverted past it. */
export type WorldSnapshot = number;

export interface World {
  /**
   * Ethereum's account layout, as pyquarkchain's state tests use it (`use_mock_evm_account`); never on a
   * QuarkChain chain. In that mode only, a failed call to 0x…03 leaves the account touched (go-ethereum's
   * RIPEMD-160 quirk that GeneralStateTests' failed_tx_xcf416c53 records; apply.ts:endMessage).
   */
  readonly mockAccounts?: boolean;

  /** `State.get_balance(addr, token_id)`: 0 for an unknown account or token. */
  getBalance(addr: Address, tokenId: bigint): bigint;
  /**
   * `State.delta_token_balance`: add `delta` (negative to take). A zero delta still reads the account
   * (fixing its full_shard_key) and touches it. The caller has checked the balance: the result is never
   * negative.
   */
  addBalance(addr: Address, tokenId: bigint, delta: bigint): void;
  /** `State.set_token_balance`: set, and touch (also when the value does not change). */
  setBalance(addr: Address, tokenId: bigint, value: bigint): void;

  /** `State.get_nonce`. */
  getNonce(addr: Address): bigint;
  /** `State.set_nonce` (and `increment_nonce` as `setNonce(a, getNonce(a) + 1n)`): touches. */
  setNonce(addr: Address, nonce: bigint): void;

  /** `State.get_code`: empty for an account without code. The caller never mutates the result. */
  getCode(addr: Address): Uint8Array;
  /** keccak256 of `getCode(addr)` (keccak of the empty string when there is none), for EXTCODEHASH. */
  getCodeHash(addr: Address): Uint8Array;
  /** `State.set_code`: touches. The world keeps `code` as given; the interpreter hands over a fresh copy. */
  setCode(addr: Address, code: Uint8Array): void;

  /** `State.get_storage_data`: 0 for an unset slot. */
  getStorage(addr: Address, slot: bigint): bigint;
  /** `State.set_storage_data`: a zero value deletes the slot at commit; touches. */
  setStorage(addr: Address, slot: bigint, value: bigint): void;
  /** `State.reset_storage`: forget every slot (the storage root becomes the blank root); does not touch. */
  resetStorage(addr: Address): void;

  /** `State.account_exists`: not blank (nonce 0, no non-zero token, no code, no token trie). */
  accountExists(addr: Address): boolean;

  /**
   * `State.del_account`, for SELFDESTRUCT at the end of a transaction (the tx layer calls it over the
   * suicide list, `apply_transaction_message`): wipe every token, nonce, code and storage, mark the
   * account deleted and untouched. The interpreter itself never calls it.
   */
  deleteAccount(addr: Address): void;

  /** `State.snapshot`. */
  snapshot(): WorldSnapshot;
  /** `State.revert`: undo every change since `snap` (later snapshots become invalid). */
  revert(snap: WorldSnapshot): void;
}
