/**
 * The ordered set qkchash walks: a left-leaning red-black tree of uint64 values indexed by
 * order, node for node libqkchash's LLRB (pyquarkchain qkchash/qkchash_llrb.h), because
 * QKCHASHX mixes in its rotation history: every rotateLeft shifts a 0 into a 256-bit register,
 * every rotateRight a 1, so the tree must rotate exactly where the C++ one does.
 *
 * A node is 8 int32 slots of one array (value as two uint32 halves, no BigInt on the hot path;
 * links; left count; colour), so a visit touches one cache line and a tree is copied with one
 * memcpy (qkc_hashx copies the epoch's tree for every hash).
 */

const NIL = -1;
// A node's slots (stride 8: 32 bytes).
const HI = 0;
const LO = 1;
const LEFT = 2;
const RIGHT = 3;
const COUNT = 4; // elements in the left subtree (the C++ `size`)
const COLOR = 5;
const STRIDE = 8;
const RED = 1;
const BLACK = 0;

export class DuplicateValueError extends Error {
  override readonly name = "DuplicateValueError";
}

export class OrderTree {
  /** The nodes, as int32 (links, counts, colour) ... */
  private readonly n: Int32Array;
  /** ... and the same memory as uint32 (the value halves). */
  private readonly u: Uint32Array;
  /** Free node slots (node offsets), a stack. */
  private readonly free: Int32Array;
  /** The rotation register: four uint64 words as eight uint32, least significant first. */
  readonly stats = new Uint32Array(8);
  private freeTop = 0;
  private root = NIL;
  count = 0;

  constructor(readonly capacity: number) {
    this.n = new Int32Array(capacity * STRIDE);
    this.u = new Uint32Array(this.n.buffer);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = (capacity - 1 - i) * STRIDE;
    this.freeTop = capacity;
  }

  /** This tree's nodes, root, free slots and rotation register into `into` (same capacity). */
  copyInto(into: OrderTree): void {
    into.n.set(this.n);
    into.free.set(this.free);
    into.stats.set(this.stats);
    into.freeTop = this.freeTop;
    into.root = this.root;
    into.count = this.count;
  }

  /** Inserts (hi, lo). libqkchash loses its whole tree on a duplicate; here it throws. */
  insert(hi: number, lo: number): void {
    const n = this.insertAt(this.root, hi, lo);
    this.root = n;
    this.count++;
  }

  /** Removes and returns (as [hi, lo] in `out`) the element of order `p` (0-based). */
  eraseByOrder(p: number, out: Uint32Array): void {
    const root = this.root;
    if (!this.isRed(this.n[root + LEFT]!) && !this.isRed(this.n[root + RIGHT]!)) this.n[root + COLOR] = RED;
    const n = this.eraseAt(root, p, out);
    this.root = n;
    if (n !== NIL) this.n[n + COLOR] = BLACK;
    this.count--;
  }

  /** The values in order (tests). */
  *values(): Generator<bigint> {
    const stack: number[] = [];
    let n = this.root;
    while (stack.length > 0 || n !== NIL) {
      while (n !== NIL) {
        stack.push(n);
        n = this.n[n + LEFT]!;
      }
      n = stack.pop()!;
      yield (BigInt(this.u[n + HI]!) << 32n) | BigInt(this.u[n + LO]!);
      n = this.n[n + RIGHT]!;
    }
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.n[n + COLOR] === RED;
  }

  private less(hi: number, lo: number, n: number): boolean {
    const h = this.u[n + HI]!;
    return hi < h || (hi === h && lo < this.u[n + LO]!);
  }

  /** The register shifted left by one over all 256 bits, the top bit wrapping round, `bit` xored in. */
  private record(bit: number): void {
    const s = this.stats;
    const carry = s[7]! >>> 31;
    for (let k = 7; k > 0; k--) s[k] = ((s[k]! << 1) | (s[k - 1]! >>> 31)) >>> 0;
    s[0] = ((s[0]! << 1) ^ bit ^ carry) >>> 0;
  }

  private rotateLeft(h: number): number {
    const x = this.n[h + RIGHT]!;
    this.n[h + RIGHT] = this.n[x + LEFT]!;
    this.n[x + LEFT] = h;
    this.n[x + COLOR] = this.n[h + COLOR]!;
    this.n[h + COLOR] = RED;
    this.n[x + COUNT] = this.n[x + COUNT]! + this.n[h + COUNT]! + 1;
    this.record(0);
    return x;
  }

  private rotateRight(h: number): number {
    const x = this.n[h + LEFT]!;
    this.n[h + LEFT] = this.n[x + RIGHT]!;
    this.n[x + RIGHT] = h;
    this.n[x + COLOR] = this.n[h + COLOR]!;
    this.n[h + COLOR] = RED;
    this.n[h + COUNT] = this.n[h + COUNT]! - this.n[x + COUNT]! - 1;
    this.record(1);
    return x;
  }

  private flipColor(h: number): void {
    this.n[h + COLOR] = this.n[h + COLOR]! ^ 1;
    const l = this.n[h + LEFT]!;
    this.n[l + COLOR] = this.n[l + COLOR]! ^ 1;
    const r = this.n[h + RIGHT]!;
    this.n[r + COLOR] = this.n[r + COLOR]! ^ 1;
  }

  private newNode(hi: number, lo: number): number {
    if (this.freeTop === 0) throw new RangeError("order tree is full");
    const n = this.free[--this.freeTop]!;
    this.n[n + LEFT] = NIL;
    this.n[n + RIGHT] = NIL;
    this.u[n + HI] = hi;
    this.u[n + LO] = lo;
    this.n[n + COLOR] = RED;
    this.n[n + COUNT] = 0;
    return n;
  }

  private insertAt(h: number, hi: number, lo: number): number {
    if (h === NIL) return this.newNode(hi, lo);
    if (hi === this.u[h + HI] && lo === this.u[h + LO]) throw new DuplicateValueError("qkchash: a value the set holds");
    if (this.less(hi, lo, h)) {
      this.n[h + LEFT] = this.insertAt(this.n[h + LEFT]!, hi, lo);
      this.n[h + COUNT] = this.n[h + COUNT]! + 1;
    } else {
      this.n[h + RIGHT] = this.insertAt(this.n[h + RIGHT]!, hi, lo);
    }
    if (this.isRed(this.n[h + RIGHT]!) && !this.isRed(this.n[h + LEFT]!)) h = this.rotateLeft(h);
    if (this.isRed(this.n[h + LEFT]!) && this.isRed(this.n[this.n[h + LEFT]! + LEFT]!)) h = this.rotateRight(h);
    if (this.isRed(this.n[h + LEFT]!) && this.isRed(this.n[h + RIGHT]!)) this.flipColor(h);
    return h;
  }

  private fixUp(h: number): number {
    if (this.isRed(this.n[h + RIGHT]!)) h = this.rotateLeft(h);
    if (this.isRed(this.n[h + LEFT]!) && this.isRed(this.n[this.n[h + LEFT]! + LEFT]!)) h = this.rotateRight(h);
    if (this.isRed(this.n[h + LEFT]!) && this.isRed(this.n[h + RIGHT]!)) this.flipColor(h);
    return h;
  }

  private moveRedLeft(h: number): number {
    this.flipColor(h);
    const r = this.n[h + RIGHT]!;
    if (this.isRed(this.n[r + LEFT]!)) {
      this.n[h + RIGHT] = this.rotateRight(r);
      h = this.rotateLeft(h);
      this.flipColor(h);
    }
    return h;
  }

  private moveRedRight(h: number): number {
    this.flipColor(h);
    if (this.isRed(this.n[this.n[h + LEFT]! + LEFT]!)) {
      h = this.rotateRight(h);
      this.flipColor(h);
    }
    return h;
  }

  private removeMin(h: number): number {
    if (this.n[h + LEFT] === NIL) {
      this.free[this.freeTop++] = h;
      return NIL;
    }
    if (!this.isRed(this.n[h + LEFT]!) && !this.isRed(this.n[this.n[h + LEFT]! + LEFT]!)) h = this.moveRedLeft(h);
    this.n[h + LEFT] = this.removeMin(this.n[h + LEFT]!);
    this.n[h + COUNT] = this.n[h + COUNT]! - 1;
    return this.fixUp(h);
  }

  private eraseAt(h: number, p: number, out: Uint32Array): number {
    if (p < this.n[h + COUNT]!) {
      if (!this.isRed(this.n[h + LEFT]!) && !this.isRed(this.n[this.n[h + LEFT]! + LEFT]!)) h = this.moveRedLeft(h);
      this.n[h + LEFT] = this.eraseAt(this.n[h + LEFT]!, p, out);
      this.n[h + COUNT] = this.n[h + COUNT]! - 1;
    } else {
      if (this.isRed(this.n[h + LEFT]!)) h = this.rotateRight(h);
      if (p === this.n[h + COUNT] && this.n[h + RIGHT] === NIL) {
        out[0] = this.u[h + HI]!;
        out[1] = this.u[h + LO]!;
        this.free[this.freeTop++] = h;
        return NIL;
      }
      if (!this.isRed(this.n[h + RIGHT]!) && !this.isRed(this.n[this.n[h + RIGHT]! + LEFT]!)) h = this.moveRedRight(h);
      if (this.n[h + COUNT] === p) {
        out[0] = this.u[h + HI]!;
        out[1] = this.u[h + LO]!;
        let min = this.n[h + RIGHT]!;
        while (this.n[min + LEFT] !== NIL) min = this.n[min + LEFT]!;
        this.u[h + HI] = this.u[min + HI]!;
        this.u[h + LO] = this.u[min + LO]!;
        this.n[h + RIGHT] = this.removeMin(this.n[h + RIGHT]!);
      } else {
        this.n[h + RIGHT] = this.eraseAt(this.n[h + RIGHT]!, p - this.n[h + COUNT]! - 1, out);
      }
    }
    return this.fixUp(h);
  }
}
