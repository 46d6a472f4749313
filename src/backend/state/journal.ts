/**
 * The undo log of a world state (pyquarkchain evm/state.py: `State.journal`, a list of closures).
 * A mutation records how to undo itself; a snapshot is the log's length; reverting runs the undos
 * past it, newest first. Reverting costs what changed since the snapshot, not the state's size.
 */
export class Journal {
  private readonly undos: Array<() => void> = [];

  /** Records how to undo a change just made. */
  record(undo: () => void): void {
    this.undos.push(undo);
  }

  /** The current position, to give back to `revertTo`. */
  mark(): number {
    return this.undos.length;
  }

  /** State.revert: undo, newest first, everything recorded since `mark`. */
  revertTo(mark: number): void {
    if (mark < 0 || mark > this.undos.length) {
      throw new RangeError(`journal mark ${mark} is not in [0, ${this.undos.length}]`);
    }
    while (this.undos.length > mark) this.undos.pop()!();
  }

  /** State.commit empties the journal: what was committed cannot be undone. */
  clear(): void {
    this.undos.length = 0;
  }

  get length(): number {
    return this.undos.length;
  }
}
