import { hex } from "../../codec/bytes.ts";
import type { Address, MinorBlock } from "../../messages/core.ts";

/** cachetools' LRUCache as miner.py uses it: a read or a write makes an entry the newest. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(k: string): void {
    this.map.delete(k);
  }
  get size(): number {
    return this.map.size;
  }
}

/** miner.py: LRUCache(maxsize=128) for both maps (~18 MB of full blocks at most). */
export const WORK_CACHE_SIZE = 128;
/** get_work: a cached block older than this (now - create_time, seconds) is made again. */
export const WORK_STALE_SECONDS = 10;

/**
 * The blocks handed out to external miners (Miner.work_map, by header hash for mining) and
 * each coinbase's current one (Miner.current_works). A submitted seal finds its block here.
 */
export class WorkCache {
  private readonly byHash = new Lru<MinorBlock>(WORK_CACHE_SIZE);
  private readonly byCoinbase = new Lru<string>(WORK_CACHE_SIZE);

  /** The block last made for this coinbase, if still cached (current_works.get, then work_map.get). */
  current(coinbase: Address): MinorBlock | undefined {
    const hash = this.byCoinbase.get(coinbaseKey(coinbase));
    return hash === undefined ? undefined : this.byHash.get(hash);
  }

  put(coinbase: Address, hashForMining: Uint8Array, block: MinorBlock): void {
    this.byCoinbase.set(coinbaseKey(coinbase), hex(hashForMining));
    this.byHash.set(hex(hashForMining), block);
  }

  get(hashForMining: Uint8Array): MinorBlock | undefined {
    return this.byHash.get(hex(hashForMining));
  }

  delete(hashForMining: Uint8Array): void {
    this.byHash.delete(hex(hashForMining));
  }

  get size(): number {
    return this.byHash.size;
  }
}

/** Address's identity as a dict key: recipient and full_shard_key. */
const coinbaseKey = (a: Address) => `${hex(a.recipient)}/${a.full_shard_key}`;
