/**
 * What a journal entry is undone by: the object that changed, told which of its changes (`op`, its
 * own numbering) to take back and the values it recorded.
 */
export interface Undoable {
  undo(op: number, a: unknown, b: unknown): void;
}

/** The target of entries recorded as closures (`record`): `a` is the closure. */
const CLOSURE: Undoable = { undo: (_op, a) => (a as () => void)() };

/** Slots per entry in the flat log: target, op, a, b. */
const SLOTS = 4;

/**
 * Logs kept for the next journal, cleared but at their size. A world state is opened per block and
 * its log grows to ~10 entries a transaction; grown by push from empty, a block's log was
 * reallocated a dozen times (2-5% of the bytes a block of transfers or deposits allocates).
 */
const spares: unknown[][] = [];
const MAX_SPARES = 2;

/**
 * The undo log of a world state (pyquarkchain evm/state.py: `State.journal`, a list of closures).
 * A mutation records how to undo itself; a snapshot is the log's length; reverting runs the undos
 * past it, newest first. Reverting costs what changed since the snapshot, not the state's size.
 *
 * The state's own changes are typed records (target, op, two values) in one flat array rather than
 * a closure each: a transfer makes about ten, and a closure per change was a tenth of the state's
 * allocation. `record` still takes a closure for the rare change made elsewhere.
 *
 * The array only grows: `top` is the log's end, slots past it hold undefined (nothing kept alive),
 * and `clear` hands the array on to the next journal opened (see `spares`).
 */
export class Journal {
  private log: unknown[] = spares.pop() ?? [];
  private top = 0;

  /** Records a change `target` knows how to undo: `target.undo(op, a, b)` on revert. */
  push(target: Undoable, op: number, a: unknown, b: unknown): void {
    const log = this.log;
    const at = this.top;
    if (at + SLOTS > log.length) log.push(target, op, a, b);
    else {
      log[at] = target;
      log[at + 1] = op;
      log[at + 2] = a;
      log[at + 3] = b;
    }
    this.top = at + SLOTS;
  }

  /** Records how to undo a change just made. */
  record(undo: () => void): void {
    this.push(CLOSURE, 0, undo, undefined);
  }

  /** The current position, to give back to `revertTo`. */
  mark(): number {
    return this.top / SLOTS;
  }

  /** State.revert: undo, newest first, everything recorded since `mark`. */
  revertTo(mark: number): void {
    if (mark < 0 || mark > this.length) {
      throw new RangeError(`journal mark ${mark} is not in [0, ${this.length}]`);
    }
    const log = this.log;
    const end = mark * SLOTS;
    while (this.top > end) {
      const at = (this.top -= SLOTS);
      const target = log[at] as Undoable;
      const op = log[at + 1] as number;
      const a = log[at + 2];
      const b = log[at + 3];
      log[at] = log[at + 1] = log[at + 2] = log[at + 3] = undefined;
      target.undo(op, a, b);
    }
  }

  /** State.commit empties the journal: what was committed cannot be undone. */
  clear(): void {
    const log = this.log;
    log.fill(undefined, 0, this.top);
    this.top = 0;
    if (log.length === 0 || spares.length >= MAX_SPARES) return;
    // This state may go on (a state test commits several times), but most are done after their
    // commit: the grown array goes to the next journal opened, this one starts a new one.
    spares.push(log);
    this.log = [];
  }

  get length(): number {
    return this.top / SLOTS;
  }
}
