import { keccak256 } from "../src/crypto/keccak.ts";
import { hex } from "../src/codec/bytes.ts";
import { Execution } from "../src/evm/execution.ts";
import { forkSchedule, type BlockEnv, type TxEnv } from "../src/evm/env.ts";
import type { Address, World } from "../src/evm/world.ts";

/** An account of the in-memory world (pyquarkchain's cached Account, without tries). */
export interface FakeAccount {
  balances: Map<bigint, bigint>;
  nonce: bigint;
  code: Uint8Array;
  storage: Map<bigint, bigint>;
  touched: boolean;
  deleted: boolean;
}

/** A journaled in-memory World for interpreter tests: every mutation pushes its undo. */
export class FakeWorld implements World {
  /** Ethereum's account layout (the GeneralStateTests mode): see World.mockAccounts. */
  mockAccounts = false;
  readonly accounts = new Map<string, FakeAccount>();
  private journal: (() => void)[] = [];

  account(addr: Address): FakeAccount {
    const k = hex(addr);
    let a = this.accounts.get(k);
    if (a === undefined) {
      a = {
        balances: new Map(),
        nonce: 0n,
        code: new Uint8Array(0),
        storage: new Map(),
        touched: false,
        deleted: false,
      };
      this.accounts.set(k, a);
    }
    return a;
  }
  private touch(a: FakeAccount): void {
    const was = a.touched;
    this.journal.push(() => (a.touched = was));
    a.touched = true;
  }
  getBalance(addr: Address, tokenId: bigint): bigint {
    return this.account(addr).balances.get(tokenId) ?? 0n;
  }
  /** state.py:delta_token_balance: a zero delta only touches (no entry appears in the token map). */
  addBalance(addr: Address, tokenId: bigint, delta: bigint): void {
    if (delta === 0n) this.touch(this.account(addr));
    else this.setBalance(addr, tokenId, this.getBalance(addr, tokenId) + delta);
  }
  /** state.py:set_token_balance: an unchanged value only touches. */
  setBalance(addr: Address, tokenId: bigint, value: bigint): void {
    const a = this.account(addr);
    if (value === (a.balances.get(tokenId) ?? 0n)) {
      this.touch(a);
      return;
    }
    const was = a.balances.get(tokenId);
    this.journal.push(() => (was === undefined ? a.balances.delete(tokenId) : a.balances.set(tokenId, was)));
    a.balances.set(tokenId, value);
    this.touch(a);
  }
  getNonce(addr: Address): bigint {
    return this.account(addr).nonce;
  }
  setNonce(addr: Address, nonce: bigint): void {
    const a = this.account(addr);
    const was = a.nonce;
    this.journal.push(() => (a.nonce = was));
    a.nonce = nonce;
    this.touch(a);
  }
  getCode(addr: Address): Uint8Array {
    return this.account(addr).code;
  }
  getCodeHash(addr: Address): Uint8Array {
    return keccak256(this.account(addr).code);
  }
  setCode(addr: Address, code: Uint8Array): void {
    const a = this.account(addr);
    const was = a.code;
    this.journal.push(() => (a.code = was));
    a.code = code;
    this.touch(a);
  }
  getStorage(addr: Address, slot: bigint): bigint {
    return this.account(addr).storage.get(slot) ?? 0n;
  }
  setStorage(addr: Address, slot: bigint, value: bigint): void {
    const a = this.account(addr);
    const was = a.storage.get(slot);
    this.journal.push(() => (was === undefined ? a.storage.delete(slot) : a.storage.set(slot, was)));
    a.storage.set(slot, value);
    this.touch(a);
  }
  resetStorage(addr: Address): void {
    const a = this.account(addr);
    const was = a.storage;
    this.journal.push(() => (a.storage = was));
    a.storage = new Map();
  }
  accountExists(addr: Address): boolean {
    const a = this.account(addr);
    if (a.nonce !== 0n || a.code.length !== 0) return true;
    for (const v of a.balances.values()) if (v !== 0n) return true;
    return false;
  }
  deleteAccount(addr: Address): void {
    const a = this.account(addr);
    const was = { ...a };
    this.journal.push(() => Object.assign(a, was));
    a.balances = new Map();
    a.nonce = 0n;
    a.code = new Uint8Array(0);
    a.storage = new Map();
    a.touched = false;
    a.deleted = true;
  }
  snapshot(): number {
    return this.journal.length;
  }
  revert(snap: number): void {
    while (this.journal.length > snap) this.journal.pop()!();
  }
}

export const QKC = 0x8bb0n;
export const addr = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.padStart(40, "0"), "hex"));
export const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

export function blockEnv(over: Partial<BlockEnv> = {}): BlockEnv {
  return {
    coinbase: addr("c0ffee"),
    timestamp: 1000n,
    number: 10n,
    difficulty: 131072n,
    gasLimit: 12_000_000n,
    prevHashes: [],
    defaultChainToken: QKC,
    senderDisallowMap: new Map(),
    schedule: forkSchedule({
      enableEvmTimestamp: null,
      enableNonReservedNativeTokenTimestamp: null,
      enableGeneralNativeTokenTimestamp: null,
    }),
    ...over,
  };
}

export function execution(world: World, block: BlockEnv = blockEnv(), tx: Partial<TxEnv> = {}): Execution {
  return new Execution(world, block, { origin: addr("0a"), gasPrice: 1n, chainId: 0, ...tx });
}
