import { lookup as dnsLookup } from "node:dns/promises";
import type { Logger } from "pino";
import { isLoopbackIp, normalizeIp } from "../../config/slave-options.ts";
import type { SlaveInfo } from "../../messages/cluster.ts";

/**
 * Who may join as an inbound sibling:
 * - "off": anyone who PINGs (pyquarkchain);
 * - "announced": only a slave the master announced in CONNECT_TO_SLAVES, from that entry's
 *   address; if the master finishes its boot (PING with a root tip) without announcing any
 *   list (pyquarkchain's master never does), there is nothing to check against and the
 *   sibling is accepted as pyquarkchain would, with a warning;
 * - "strict": as "announced", and no list at the end of the boot means nobody is accepted.
 */
export type SiblingCheck = "off" | "announced" | "strict";

/** A host name or address to every address it stands for. */
export type HostLookup = (host: string) => Promise<string[]>;

export const defaultLookup: HostLookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

export type Verdict = { ok: true; unverified?: boolean } | { ok: false; reason: string };

interface Announced {
  id: string;
  host: string;
  port: number;
  /** The host's addresses, normalized; empty if it could not be resolved. */
  addrs: string[];
  loopback: boolean;
}

/**
 * The siblings the master announced, with their hosts resolved once, and the rule that
 * says whether a PING from an address may claim an id.
 */
export class SiblingRegistry {
  readonly mode: SiblingCheck;
  private readonly selfId: string;
  private readonly log: Logger;
  private readonly lookup: HostLookup;
  private readonly lookupTimeoutMs: number;
  private announced: Map<string, Announced> | undefined;
  private bootedWithoutList = false;
  private readonly resolved = new Map<string, Promise<string[]>>();
  private readonly listeners: Array<() => void> = [];

  constructor(opts: {
    selfId: string;
    mode: SiblingCheck;
    log: Logger;
    lookup?: HostLookup;
    lookupTimeoutMs?: number;
  }) {
    this.mode = opts.mode;
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? 5_000;
    this.selfId = opts.selfId;
    this.log = opts.log;
    this.lookup = opts.lookup ?? defaultLookup;
  }

  /** Whether a PING can be judged now (else it waits for the list). */
  get known(): boolean {
    return this.mode === "off" || this.announced !== undefined || this.bootedWithoutList;
  }

  /** The announced ids, for logs and tests. */
  ids(): string[] {
    return [...(this.announced?.keys() ?? [])];
  }

  /** CONNECT_TO_SLAVES: records the list (a later one adds to it), resolving each host once. */
  async announce(infos: readonly SlaveInfo[]): Promise<void> {
    if (this.mode === "off") return; // nothing is checked: no need to resolve anything
    const entries = await Promise.all(
      infos.map(async (info): Promise<Announced> => {
        const host = Buffer.from(info.host).toString("latin1");
        const addrs = await this.resolve(host);
        return {
          id: Buffer.from(info.id).toString("latin1"),
          host,
          port: info.port,
          addrs,
          loopback: addrs.some(isLoopbackIp),
        };
      }),
    );
    this.announced ??= new Map();
    for (const e of entries) this.announced.set(e.id, e);
    this.bootedWithoutList = false;
    this.wake();
  }

  /** The master's PING with a root tip was answered: a list that has not come by now will not. */
  booted(): void {
    if (this.announced !== undefined || this.bootedWithoutList || this.mode === "off") return;
    this.bootedWithoutList = true;
    if (this.mode === "announced") {
      this.log.warn(
        { mode: this.mode },
        "the master announced no slave list before its root-tip PING: inbound siblings are accepted unverified, as pyquarkchain does",
      );
    } else {
      this.log.warn({ mode: this.mode }, "the master announced no slave list: inbound siblings are refused");
    }
    this.wake();
  }

  /** Called (synchronously) each time a list is recorded or the boot ends without one. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Whether a PING claiming `id` from `remoteAddress` is accepted; undefined if not known yet. */
  judge(id: string, remoteAddress: string | undefined): Verdict | undefined {
    if (id === this.selfId) return { ok: false, reason: `claims our own id ${JSON.stringify(id)}` };
    if (this.mode === "off") return { ok: true };
    if (this.announced === undefined) {
      if (!this.bootedWithoutList) return undefined;
      if (this.mode === "announced") return { ok: true, unverified: true };
      return { ok: false, reason: "the master announced no slave list" };
    }
    const entry = this.announced.get(id);
    if (!entry) return { ok: false, reason: `id ${JSON.stringify(id)} was not announced by the master` };
    if (entry.addrs.length === 0) return { ok: false, reason: `announced host ${entry.host} could not be resolved` };
    const ip = normalizeIp(remoteAddress ?? "");
    if (entry.addrs.includes(ip) || (entry.loopback && isLoopbackIp(ip))) return { ok: true };
    return {
      ok: false,
      reason: `address ${ip} is not the announced host ${entry.host} (${entry.addrs.join(", ")}) of ${JSON.stringify(id)}`,
    };
  }

  private resolve(host: string): Promise<string[]> {
    let p = this.resolved.get(host);
    if (!p) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.lookupTimeoutMs} ms`)),
          this.lookupTimeoutMs,
        );
        timer.unref();
      });
      p = Promise.race([this.lookup(host), deadline])
        .finally(() => clearTimeout(timer))
        .then(
          (addrs) => [...new Set(addrs.map(normalizeIp))],
          (err: unknown) => {
            this.log.warn({ host, reason: (err as Error).message }, "announced slave host does not resolve");
            return [];
          },
        );
      this.resolved.set(host, p);
    }
    return p;
  }

  private wake(): void {
    for (const fn of this.listeners) fn();
  }
}
