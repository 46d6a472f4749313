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
    if (this.used + length > this.chunk.length) {
      // A record larger than a quarter chunk (none in a trie: a branch is at most 532 bytes) gets its own.
      if (4 * length > this.chunkSize) return new Uint8Array(length);
      this.chunk = new Uint8Array(this.chunkSize);
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }
}
