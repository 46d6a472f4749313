import { keccak256 } from "../../src/crypto/keccak.ts";
import type { ExecWorld } from "../../src/backend/exec/exec-state.ts";

interface FakeAccount {
  nonce: bigint;
  balances: Map<bigint, bigint>;
  code: Uint8Array;
  storage: Map<bigint, bigint>;
  fullShardKey: number;
}

const k = (a: Uint8Array): string => Buffer.from(a).toString("hex");

/**
 * A journaled in-memory world for the transaction layer's tests: accounts by address, the
 * full_shard_key fixed at the first read as pyquarkchain's cache does. No trie, no commit.
 */
export class FakeWorld implements ExecWorld {
  readonly accounts = new Map<string, FakeAccount>();
  private readonly journal: Array<() => void> = [];
  fullShardKey = 0;

  private acct(a: Uint8Array): FakeAccount {
    let x = this.accounts.get(k(a));
    if (x === undefined) {
      x = {
        nonce: 0n,
        balances: new Map(),
        code: new Uint8Array(0),
        storage: new Map(),
        fullShardKey: this.fullShardKey,
      };
      this.accounts.set(k(a), x);
    }
    return x;
  }

  private change<T>(get: () => T, set: (v: T) => void, v: T): void {
    const old = get();
    this.journal.push(() => set(old));
    set(v);
  }

  fullShardKeyOf(a: Uint8Array): number {
    return this.acct(a).fullShardKey;
  }
  getBalance(a: Uint8Array, token: bigint): bigint {
    return this.acct(a).balances.get(token) ?? 0n;
  }
  addBalance(a: Uint8Array, token: bigint, delta: bigint): void {
    this.setBalance(a, token, this.getBalance(a, token) + delta);
  }
  setBalance(a: Uint8Array, token: bigint, value: bigint): void {
    const x = this.acct(a);
    this.change(
      () => x.balances.get(token) ?? 0n,
      (v) => x.balances.set(token, v),
      value,
    );
  }
  getNonce(a: Uint8Array): bigint {
    return this.acct(a).nonce;
  }
  setNonce(a: Uint8Array, nonce: bigint): void {
    const x = this.acct(a);
    this.change(
      () => x.nonce,
      (v) => (x.nonce = v),
      nonce,
    );
  }
  getCode(a: Uint8Array): Uint8Array {
    return this.acct(a).code;
  }
  getCodeHash(a: Uint8Array): Uint8Array {
    return keccak256(this.getCode(a));
  }
  setCode(a: Uint8Array, code: Uint8Array): void {
    const x = this.acct(a);
    this.change(
      () => x.code,
      (v) => (x.code = v),
      code,
    );
  }
  getStorage(a: Uint8Array, slot: bigint): bigint {
    return this.acct(a).storage.get(slot) ?? 0n;
  }
  setStorage(a: Uint8Array, slot: bigint, value: bigint): void {
    const x = this.acct(a);
    this.change(
      () => x.storage.get(slot) ?? 0n,
      (v) => x.storage.set(slot, v),
      value,
    );
  }
  resetStorage(a: Uint8Array): void {
    const x = this.acct(a);
    this.change(
      () => x.storage,
      (v) => (x.storage = v),
      new Map(),
    );
  }
  accountExists(a: Uint8Array): boolean {
    const x = this.acct(a);
    return x.nonce !== 0n || x.code.length !== 0 || [...x.balances.values()].some((b) => b !== 0n);
  }
  deleteAccount(a: Uint8Array): void {
    const x = this.acct(a);
    this.change(
      () => x.balances,
      (v) => (x.balances = v),
      new Map(),
    );
    this.setNonce(a, 0n);
    this.setCode(a, new Uint8Array(0));
    this.resetStorage(a);
  }
  snapshot(): number {
    return this.journal.length;
  }
  revert(snap: number): void {
    while (this.journal.length > snap) this.journal.pop()!();
  }
}
