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
 * The undo log of a world state (pyquarkchain evm/state.py: `State.journal`, a list of closures).
 * A mutation records how to undo itself; a snapshot is the log's length; reverting runs the undos
 * past it, newest first. Reverting costs what changed since the snapshot, not the state's size.
 *
 * The state's own changes are typed records (target, op, two values) in one flat array rather than
 * a closure each: a transfer makes about ten, and a closure per change was a tenth of the state's
 * allocation. `record` still takes a closure for the rare change made elsewhere.
 */
export class Journal {
  private readonly log: unknown[] = [];

  /** Records a change `target` knows how to undo: `target.undo(op, a, b)` on revert. */
  push(target: Undoable, op: number, a: unknown, b: unknown): void {
    this.log.push(target, op, a, b);
  }

  /** Records how to undo a change just made. */
  record(undo: () => void): void {
    this.log.push(CLOSURE, 0, undo, undefined);
  }

  /** The current position, to give back to `revertTo`. */
  mark(): number {
    return this.log.length / SLOTS;
  }

  /** State.revert: undo, newest first, everything recorded since `mark`. */
  revertTo(mark: number): void {
    if (mark < 0 || mark > this.length) {
      throw new RangeError(`journal mark ${mark} is not in [0, ${this.length}]`);
    }
    const log = this.log;
    const end = mark * SLOTS;
    while (log.length > end) {
      const b = log.pop();
      const a = log.pop();
      const op = log.pop() as number;
      (log.pop() as Undoable).undo(op, a, b);
    }
  }

  /** State.commit empties the journal: what was committed cannot be undone. */
  clear(): void {
    this.log.length = 0;
  }

  get length(): number {
    return this.log.length / SLOTS;
  }
}
