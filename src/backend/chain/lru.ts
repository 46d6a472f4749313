/**
 * Decoded values by hex hash, least recently used first out, bounded by count and by weight
 * (a block's encoded size: what a decoded block costs grows with it). What is kept here is
 * also in the store, so what is dropped is only decoded again when asked for.
 */
export class Lru<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxWeight = Infinity,
    private readonly weigh: (v: V) => number = () => 0,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The sum of the kept values' weights. */
  get weight(): number {
    return this.total;
  }

  get(k: string): V | undefined {
    const hit = this.map.get(k);
    if (hit === undefined) return undefined;
    this.map.delete(k);
    this.map.set(k, hit);
    return hit.value;
  }

  set(k: string, value: V): void {
    this.delete(k);
    const weight = this.weigh(value);
    this.map.set(k, { value, weight });
    this.total += weight;
    // The newest entry stays even when it alone is over the weight.
    while (this.map.size > 1 && (this.map.size > this.maxCount || this.total > this.maxWeight))
      this.delete(this.map.keys().next().value!);
  }

  delete(k: string): void {
    const hit = this.map.get(k);
    if (hit === undefined) return;
    this.map.delete(k);
    this.total -= hit.weight;
  }
}
