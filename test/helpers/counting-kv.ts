import type { Kv } from "../../src/backend/kv.ts";

/** A Kv that counts its reads, so a test can tell whether a read went to the trie (or was served from a cache). */
export class CountingKv implements Kv {
  gets = 0;
  constructor(private readonly kv: Kv) {}
  get(key: Uint8Array): Uint8Array | undefined {
    this.gets++;
    return this.kv.get(key);
  }
  write(entries: Parameters<Kv["write"]>[0], handedOver?: number): void {
    this.kv.write(entries, handedOver);
  }
}
