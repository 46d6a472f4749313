import type { Logger } from "pino";

/**
 * Warnings that a misbehaving peer can trigger per frame: at most one line per key
 * and interval, carrying how many were suppressed since the last one.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    this.log.warn({ ...fields, suppressed: seen?.suppressed ?? 0 }, msg);
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
