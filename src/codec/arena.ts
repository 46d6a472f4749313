/**
 * Bump allocation of byte strings handed out for good (trie records and keys, account encodings),
 * in chunks of `chunkSize` shared by every user in turn (a commit of one key takes a few hundred
 * bytes of a chunk, not a chunk). The bytes taken are never written again: each is a view of its
 * chunk, which the store may keep as it is (Kv.write's handedOver) and which lives as long as any
 * view of it. Why chunks: a typed array over 64 bytes is a malloc'd, zeroed backing store of its
 * own, and a fresh buffer per commit (4 kB growing to 256 kB) meant mmap'd memory and a page fault
 * per 4 kB at every commit, its tail kept unused by an in-memory store.
 */
export class Arena {
  private chunk = new Uint8Array(0);
  private used = 0;

  constructor(private readonly chunkSize: number) {}

  /** `length` fresh bytes of the arena's (to be written by the caller, once). */
  take(length: number): Uint8Array {
    const at = this.reserve(length);
    // A record larger than a quarter chunk (none in a trie: a branch is at most 532 bytes) gets its own.
    if (at < 0) return new Uint8Array(length);
    return this.claim(at, at + length);
  }

  /**
   * Room for up to `max` bytes at bytes[at..], `at` returned (-1 when over a quarter chunk: then
   * take an array of its own). Nothing is taken until `claim`; the caller writes into `bytes` meanwhile.
   */
  reserve(max: number): number {
    if (4 * max > this.chunkSize) return -1;
    if (this.used + max > this.chunk.length) {
      // Not zeroed (a view only ever covers bytes written): `new Uint8Array` callocs and zeroes, and
      // when the chunks are kept (an in-memory store) took ~0.3 ms a chunk, 2.5x allocUnsafeSlow's.
      // A plain Uint8Array over the memory, not the Buffer: a Buffer's slice() is a view, not a copy.
      this.chunk = new Uint8Array(Buffer.allocUnsafeSlow(this.chunkSize).buffer);
      this.used = 0;
    }
    return this.used;
  }

  /** The current chunk, which `reserve`'s offset is into. */
  get bytes(): Uint8Array {
    return this.chunk;
  }

  /**
   * bytes[start, end) as the caller's for good, within the room last reserved; the arena goes on
   * after `end`. The constructor over the chunk's buffer, not subarray (which looks up a species
   * constructor first): 2-4x cheaper.
   */
  claim(start: number, end: number): Uint8Array {
    this.used = end;
    return new Uint8Array(this.chunk.buffer, start, end - start);
  }
}
