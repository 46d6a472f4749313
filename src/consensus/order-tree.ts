/**
 * The ordered set qkchash walks: a left-leaning red-black tree of uint64 values indexed by
 * order, node for node libqkchash's LLRB (pyquarkchain qkchash/qkchash_llrb.h), because
 * QKCHASHX mixes in its rotation history: every rotateLeft shifts a 0 into a 256-bit register,
 * every rotateRight a 1, so the tree must rotate exactly where the C++ one does.
 *
 * Values are held as two uint32 halves in typed arrays (no BigInt on the hot path); nodes are
 * slots of fixed-capacity arrays, so a tree is copied with a few memcpys (qkc_hashx copies the
 * epoch's tree for every hash).
 */

const NIL = -1;
const RED = 1;
const BLACK = 0;

export class DuplicateValueError extends Error {
  override readonly name = "DuplicateValueError";
}

export class OrderTree {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Elements in the node's left subtree (the C++ `size`). */
  readonly leftCount: Int32Array;
  readonly color: Uint8Array;
  /** Free node slots, a stack. */
  readonly free: Int32Array;
  /** The rotation register: four uint64 words as eight uint32, least significant first. */
  readonly stats = new Uint32Array(8);
  freeTop = 0;
  root = NIL;
  count = 0;

  constructor(readonly capacity: number) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.leftCount = new Int32Array(capacity);
    this.color = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  /** This tree's nodes, root, free slots and rotation register into `into` (same capacity). */
  copyInto(into: OrderTree): void {
    into.hi.set(this.hi);
    into.lo.set(this.lo);
    into.left.set(this.left);
    into.right.set(this.right);
    into.leftCount.set(this.leftCount);
    into.color.set(this.color);
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
    if (!this.isRed(this.left[root]!) && !this.isRed(this.right[root]!)) this.color[root] = RED;
    const n = this.eraseAt(root, p, out);
    this.root = n;
    if (n !== NIL) this.color[n] = BLACK;
    this.count--;
  }

  /** The values in order (tests). */
  *values(): Generator<bigint> {
    const stack: number[] = [];
    let n = this.root;
    while (stack.length > 0 || n !== NIL) {
      while (n !== NIL) {
        stack.push(n);
        n = this.left[n]!;
      }
      n = stack.pop()!;
      yield (BigInt(this.hi[n]!) << 32n) | BigInt(this.lo[n]!);
      n = this.right[n]!;
    }
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.color[n] === RED;
  }

  private less(hi: number, lo: number, n: number): boolean {
    const h = this.hi[n]!;
    return hi < h || (hi === h && lo < this.lo[n]!);
  }

  /** The register shifted left by one over all 256 bits, the top bit wrapping round, `bit` xored in. */
  private record(bit: number): void {
    const s = this.stats;
    const carry = s[7]! >>> 31;
    for (let k = 7; k > 0; k--) s[k] = ((s[k]! << 1) | (s[k - 1]! >>> 31)) >>> 0;
    s[0] = ((s[0]! << 1) ^ bit ^ carry) >>> 0;
  }

  private rotateLeft(h: number): number {
    const x = this.right[h]!;
    this.right[h] = this.left[x]!;
    this.left[x] = h;
    this.color[x] = this.color[h]!;
    this.color[h] = RED;
    this.leftCount[x] = this.leftCount[x]! + this.leftCount[h]! + 1;
    this.record(0);
    return x;
  }

  private rotateRight(h: number): number {
    const x = this.left[h]!;
    this.left[h] = this.right[x]!;
    this.right[x] = h;
    this.color[x] = this.color[h]!;
    this.color[h] = RED;
    this.leftCount[h] = this.leftCount[h]! - this.leftCount[x]! - 1;
    this.record(1);
    return x;
  }

  private flipColor(h: number): void {
    this.color[h] = this.color[h]! ^ 1;
    const l = this.left[h]!;
    this.color[l] = this.color[l]! ^ 1;
    const r = this.right[h]!;
    this.color[r] = this.color[r]! ^ 1;
  }

  private newNode(hi: number, lo: number): number {
    if (this.freeTop === 0) throw new RangeError("order tree is full");
    const n = this.free[--this.freeTop]!;
    this.left[n] = NIL;
    this.right[n] = NIL;
    this.hi[n] = hi;
    this.lo[n] = lo;
    this.color[n] = RED;
    this.leftCount[n] = 0;
    return n;
  }

  private insertAt(h: number, hi: number, lo: number): number {
    if (h === NIL) return this.newNode(hi, lo);
    if (hi === this.hi[h] && lo === this.lo[h]) throw new DuplicateValueError("qkchash: a value the set holds");
    if (this.less(hi, lo, h)) {
      this.left[h] = this.insertAt(this.left[h]!, hi, lo);
      this.leftCount[h] = this.leftCount[h]! + 1;
    } else {
      this.right[h] = this.insertAt(this.right[h]!, hi, lo);
    }
    if (this.isRed(this.right[h]!) && !this.isRed(this.left[h]!)) h = this.rotateLeft(h);
    if (this.isRed(this.left[h]!) && this.isRed(this.left[this.left[h]!]!)) h = this.rotateRight(h);
    if (this.isRed(this.left[h]!) && this.isRed(this.right[h]!)) this.flipColor(h);
    return h;
  }

  private fixUp(h: number): number {
    if (this.isRed(this.right[h]!)) h = this.rotateLeft(h);
    if (this.isRed(this.left[h]!) && this.isRed(this.left[this.left[h]!]!)) h = this.rotateRight(h);
    if (this.isRed(this.left[h]!) && this.isRed(this.right[h]!)) this.flipColor(h);
    return h;
  }

  private moveRedLeft(h: number): number {
    this.flipColor(h);
    const r = this.right[h]!;
    if (this.isRed(this.left[r]!)) {
      this.right[h] = this.rotateRight(r);
      h = this.rotateLeft(h);
      this.flipColor(h);
    }
    return h;
  }

  private moveRedRight(h: number): number {
    this.flipColor(h);
    if (this.isRed(this.left[this.left[h]!]!)) {
      h = this.rotateRight(h);
      this.flipColor(h);
    }
    return h;
  }

  private removeMin(h: number): number {
    if (this.left[h] === NIL) {
      this.free[this.freeTop++] = h;
      return NIL;
    }
    if (!this.isRed(this.left[h]!) && !this.isRed(this.left[this.left[h]!]!)) h = this.moveRedLeft(h);
    this.left[h] = this.removeMin(this.left[h]!);
    this.leftCount[h] = this.leftCount[h]! - 1;
    return this.fixUp(h);
  }

  private eraseAt(h: number, p: number, out: Uint32Array): number {
    if (p < this.leftCount[h]!) {
      if (!this.isRed(this.left[h]!) && !this.isRed(this.left[this.left[h]!]!)) h = this.moveRedLeft(h);
      this.left[h] = this.eraseAt(this.left[h]!, p, out);
      this.leftCount[h] = this.leftCount[h]! - 1;
    } else {
      if (this.isRed(this.left[h]!)) h = this.rotateRight(h);
      if (p === this.leftCount[h] && this.right[h] === NIL) {
        out[0] = this.hi[h]!;
        out[1] = this.lo[h]!;
        this.free[this.freeTop++] = h;
        return NIL;
      }
      if (!this.isRed(this.right[h]!) && !this.isRed(this.left[this.right[h]!]!)) h = this.moveRedRight(h);
      if (this.leftCount[h] === p) {
        out[0] = this.hi[h]!;
        out[1] = this.lo[h]!;
        let min = this.right[h]!;
        while (this.left[min] !== NIL) min = this.left[min]!;
        this.hi[h] = this.hi[min]!;
        this.lo[h] = this.lo[min]!;
        this.right[h] = this.removeMin(this.right[h]!);
      } else {
        this.right[h] = this.eraseAt(this.right[h]!, p - this.leftCount[h]! - 1, out);
      }
    }
    return this.fixUp(h);
  }
}
