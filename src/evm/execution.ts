import { TxEffects } from "./effects.ts";
import type { BlockEnv, TxEnv } from "./env.ts";
import type { World, WorldSnapshot } from "./world.ts";

/** A mark over the world and the tx-scoped lists together (State.snapshot covers both). */
export interface ExecutionSnapshot {
  readonly world: WorldSnapshot;
  readonly logs: number;
  readonly suicides: number;
  readonly refunds: number;
}

/**
 * pyquarkchain's `VMExt` with its `State`: the world, the block, the transaction's origin and price,
 * and the tx-scoped effects. The tx layer builds one per transaction; the gas-token contract call of
 * apply_transaction builds another with the same world and effects (origin = the contract, price 0).
 */
export class Execution {
  constructor(
    readonly world: World,
    readonly block: BlockEnv,
    readonly tx: TxEnv,
    readonly effects: TxEffects = new TxEffects(),
  ) {}

  snapshot(): ExecutionSnapshot {
    const e = this.effects;
    return { world: this.world.snapshot(), logs: e.logs.length, suicides: e.suicides.length, refunds: e.refunds };
  }

  /** State.revert: the world's journal, then the lists and the refund counter as they were. */
  revert(s: ExecutionSnapshot): void {
    this.world.revert(s.world);
    const e = this.effects;
    e.logs.length = s.logs;
    e.suicides.length = s.suicides;
    e.refunds = s.refunds;
  }
}
