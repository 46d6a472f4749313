import { type EvmTransaction, decodeEvmTransaction, recoverSender } from "../../tx/transaction.ts";
import { type TypedTransaction, typedTransactionHash } from "../../messages/core.ts";
import { hex } from "../../codec/bytes.ts";

/** A pooled transaction with what ordering and block removal need, decoded once. */
export interface PoolEntry {
  readonly tx: TypedTransaction;
  readonly hash: Uint8Array;
  readonly evm: EvmTransaction;
  /** The recovered sender (null when the signature does not recover). */
  readonly sender: Uint8Array | null;
}

/**
 * The sender is recovered on first use, as pyquarkchain's evm_tx.sender is: a transaction
 * refused by the cheap checks (network id, branch) never pays for the signature recovery,
 * which costs more than everything else a forwarded NEW_TRANSACTION_LIST does.
 */
class LazyPoolEntry implements PoolEntry {
  private recovered: Uint8Array | null | undefined;

  constructor(
    readonly tx: TypedTransaction,
    readonly hash: Uint8Array,
    readonly evm: EvmTransaction,
  ) {}

  get sender(): Uint8Array | null {
    if (this.recovered === undefined) this.recovered = recoverSender(this.evm);
    return this.recovered;
  }
}

/** `hash`: typedTransactionHash(tx), when the caller has it already. */
export function poolEntry(tx: TypedTransaction, hash = typedTransactionHash(tx)): PoolEntry {
  return new LazyPoolEntry(tx, hash, decodeEvmTransaction(tx.tx.serialized_tx));
}

/**
 * pyquarkchain's TransactionQueue (quarkchain/tx/transaction_queue.py): transactions by
 * hash, ordered by gas price (highest first, then arrival). When full, a transaction that
 * pays less than the cheapest one is silently dropped; otherwise the cheapest one leaves.
 * In memory only, as in pyquarkchain (a restart empties it).
 */
export class TxPool {
  private readonly byHash = new Map<string, { entry: PoolEntry; counter: number }>();
  private ordered: Array<{ entry: PoolEntry; counter: number }> = [];
  private counter = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.ordered.length;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(hex(hash));
  }

  get(hash: Uint8Array): TypedTransaction | undefined {
    return this.byHash.get(hex(hash))?.entry.tx;
  }

  /** In pool order. */
  entries(): PoolEntry[] {
    return this.ordered.map((o) => o.entry);
  }

  /** The i-th entry in pool order (no copy of the pool, for the queries the master polls). */
  entryAt(i: number): PoolEntry | undefined {
    return this.ordered[i]?.entry;
  }

  /** add_transaction: never refuses (a cheap transaction in a full pool is dropped silently). */
  add(entry: PoolEntry): void {
    if (this.ordered.length >= this.limit) {
      const cheapest = this.ordered[this.ordered.length - 1]!;
      if (entry.evm.gasprice < cheapest.entry.evm.gasprice) return;
      this.ordered.pop();
      this.byHash.delete(hex(cheapest.entry.hash));
    }
    const item = { entry, counter: this.counter++ };
    // bisect.insort by (-gasprice, counter): after every item that is not greater.
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.ordered[mid]!;
      const before =
        -m.entry.evm.gasprice < -entry.evm.gasprice ||
        (m.entry.evm.gasprice === entry.evm.gasprice && m.counter < item.counter);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    this.ordered.splice(lo, 0, item);
    this.byHash.set(hex(entry.hash), item);
  }

  /**
   * pop_transaction: the first transaction in pool order whose nonce is the sender's next one
   * (`nonceOf`) and whose startgas fits in `maxGas` leaves the pool and is returned; every
   * transaction passed on the way whose nonce is already spent leaves too (dropped); the others stay.
   */
  pop(nonceOf: (sender: Uint8Array) => bigint, maxGas: bigint): PoolEntry | undefined {
    for (let i = 0; i < this.ordered.length;) {
      const { entry } = this.ordered[i]!;
      // add_tx recovered every pooled sender; one that does not recover can never be mined.
      const nonce = entry.sender === null ? undefined : nonceOf(entry.sender);
      if (nonce === undefined || entry.evm.nonce < nonce) {
        this.removeAt(i);
        continue;
      }
      if (entry.evm.startgas <= maxGas && entry.evm.nonce === nonce) {
        this.removeAt(i);
        return entry;
      }
      i++;
    }
    return undefined;
  }

  private removeAt(i: number): void {
    const [gone] = this.ordered.splice(i, 1);
    if (gone) this.byHash.delete(hex(gone.entry.hash));
  }

  /** diff: drops every transaction with the (sender, nonce) of one of `txs`. */
  removeIncluded(txs: readonly PoolEntry[]): void {
    // A sender is recovered (the costly part) only where the nonces already match.
    const pooledNonces = new Set(this.ordered.map((o) => o.entry.evm.nonce));
    const matching = txs.filter((t) => pooledNonces.has(t.evm.nonce));
    if (matching.length === 0) return;
    const nonces = new Set(matching.map((t) => t.evm.nonce));
    const gone = new Set(matching.map((t) => `${t.sender ? hex(t.sender) : "-"}/${t.evm.nonce}`));
    this.ordered = this.ordered.filter((o) => {
      if (!nonces.has(o.entry.evm.nonce)) return true;
      const keep = !gone.has(`${o.entry.sender ? hex(o.entry.sender) : "-"}/${o.entry.evm.nonce}`);
      if (!keep) this.byHash.delete(hex(o.entry.hash));
      return keep;
    });
  }
}
