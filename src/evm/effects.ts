import type { Address } from "./world.ts";

/** One LOG record (messages.py:Log): the emitting address, its topics as 256-bit words, the data. */
export interface Log {
  readonly address: Address;
  readonly topics: readonly bigint[];
  readonly data: Uint8Array;
}

/**
 * The tx-scoped lists pyquarkchain keeps on `State` (`logs`, `suicides`, `refunds`). They are snapshotted
 * and reverted with the world by every frame (State.snapshot saves STATE_DEFAULTS). The tx layer makes one
 * per transaction (apply_transaction resets the three), reads them when the message returns, and applies
 * the suicide list with `World.deleteAccount`.
 */
export class TxEffects {
  logs: Log[] = [];
  /** Self-destructed addresses in order, duplicates kept (the refund counts distinct ones). */
  suicides: Address[] = [];
  /** SSTORE refunds so far (without the 24000 per distinct suicide, which apply_transaction_message adds). */
  refunds = 0;

  /** The self-destructed addresses without repeats, in first-seen order. */
  distinctSuicides(): Address[] {
    const seen = new Set<string>();
    const out: Address[] = [];
    for (const a of this.suicides) {
      const k = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
      if (!seen.has(k)) {
        seen.add(k);
        out.push(a);
      }
    }
    return out;
  }
}
