import { BlockList, isIP } from "node:net";
import { setFlagsFromString } from "node:v8";

/** The command line of bin/slave.ts, as commander hands it over. */
export interface SlaveCliOptions {
  cluster_config?: string;
  node_id?: string;
  id: string;
  host?: string;
  port: number;
  shards: string;
  chainSize: number;
  shardSize: number;
  logLevel: string;
  maxFrameBytes: number;
  rpcTimeoutMs: number;
  dialTimeoutMs: number;
  handshakeTimeoutMs: number;
  frameTimeoutMs: number;
  maxPendingCalls: number;
  maxPeerQueue: number;
  maxInbound: number;
  maxHandshaking: number;
  /** Unparsed CIDR list; undefined: anyone may become the master (pyquarkchain). */
  masterAllow?: string;
  siblingCheck: "off" | "announced" | "strict";
  /** Where the chains are kept (LMDB); undefined: in memory, gone with the process. */
  dbPath?: string;
  /** undefined: pretty when stdout is a terminal. */
  pretty?: boolean;
  traceFrames?: boolean;
  /** undefined: no metrics server. */
  metricsPort?: number;
  metricsHost?: string;
  /** --heap-growth: V8's old-generation growth past the last full collection's live size, in %; 0: V8's own. */
  heapGrowth: number;
}

/**
 * The default --heap-growth: 50 (1.5x), since session 29. V8 sizes the old generation from the live
 * size after each full collection and a factor it raises toward 4x while collections stay cheap
 * against the mutator, which they do here. Importing blocks, the slave's caches turn over (decoded
 * blocks, headers, trie nodes, all bounded), and what they drop dies old, with the malloc'd stores
 * of its ArrayBuffers, which wait for a full collection. Under V8's own factor a flat live heap
 * (~60 MB) sat under anonymous RSS that kept rising as the factor rose: 302 -> 403 MB and 319 ->
 * 395 MB from 5,000 to 10,000 blocks (bench:exec --rss, one point each 100 blocks), NOT flat, V8's
 * committed pages 173 -> 261 MB (--trace-gc). At 1.5x V8's pages stay at 160-170 MB and malloc's
 * arena flat, and the anonymous RSS is flat at ~240 MB (234 -> 240, 234 -> 239, 235 -> 243 MB: 0.38,
 * 0.15, 0.83 KB a block, with the header caches of chain-store.ts at 2,048). The cost is in
 * bursts on a fresh process, whose heap is still growing: bench:exec's 120-block rounds ran 5-12%
 * slower (session 28: (a) 73-74% of the ideal against 77-79%, (b) 55-58% against 64-66%); the
 * whole bench at 1.5x still met issue 17's targets (session 29: (a) 11.8x pyquarkchain and 85% of
 * the ideal, (b) 12.8x). Over 10,000 blocks the import rate is within the runs' spread (128-185
 * blocks/s at 1.5x, 8 runs; 152-174 at V8's own, 4; session 29). 0 gives V8 its own factor back.
 */
export const HEAP_GROWTH_PERCENT = 50;

/** Sets V8's heap growing factor for the collections from now on (V8 reads the flag at each limit it sets). */
export function setHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Node options the daemon is started with: `npm start`, bin/slave.ts's `#!` line (so the installed
 * qkc-slave), and every harness that starts it (the bench, replay, tests) pass these. V8 sizes its
 * young generation only from the command line (v8.setFlagsFromString later does not change it).
 * 32 MB semi-spaces (Node's default is 16): with 16, each scavenge of the main thread (every ~12 MB
 * allocated, some 25 blocks of 10 transfers) promoted ~2.4 MB (--trace-gc-nvp), much of it what a
 * few blocks keep for a while (decoded blocks, states, committed nodes), which then died old and was
 * paid for by full collections. bench:exec --rss 10000 (LMDB, 10 transfers a block) imported 157
 * blocks/s with it (three runs: 156.6-158.4, one of them also at --heap-growth 50) against 116-129
 * without (four runs); the short rounds of bench:exec (a) and (b), which never grow a large old
 * generation, read the same either way (77-79% and 64-66% of the ideal).
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];

/** Whether this process was started with NODE_FLAGS (on node's command line or in NODE_OPTIONS). */
export function hasNodeFlags(): boolean {
  const given = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/)];
  return NODE_FLAGS.every((f) => given.includes(f));
}

/** Exit codes: meaningful to an operator's supervisor. */
export const EXIT = { OK: 0, FATAL: 1, USAGE: 2, LISTEN: 3, DB: 4 } as const;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** "1,65537" or "0x1,0x10001" into full shard ids, refusing anything else. */
export function parseShardList(text: string): number[] {
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^[0-9]+$/.test(s) ? Number(s) : NaN;
      if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff)
        throw new ConfigError(`bad full shard id ${JSON.stringify(s)}`);
      return n;
    });
  if (ids.length === 0) throw new ConfigError("the shard list is empty");
  if (new Set(ids).size !== ids.length) throw new ConfigError(`duplicate full shard ids in ${text}`);
  return ids;
}

/** Full shard ids of a network of `chainSize` chains with `shardSize` shards each (PROTOCOL.md §8.1). */
export function networkShardIds(chainSize: number, shardSize: number): number[] {
  if (shardSize & (shardSize - 1)) throw new ConfigError(`shard size ${shardSize} is not a power of two`);
  const out: number[] = [];
  for (let chain = 0; chain < chainSize; chain++) {
    for (let shard = 0; shard < shardSize; shard++) out.push(((chain << 16) | shardSize | shard) >>> 0);
  }
  return out;
}

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is 10.0.0.1; IPv6 in lower case. */
export function normalizeIp(address: string): string {
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

/** 127.0.0.0/8 and ::1 (after normalizeIp). */
export function isLoopbackIp(address: string): boolean {
  const a = normalizeIp(address);
  return a === "::1" || (isIP(a) === 4 && a.startsWith("127."));
}

/** Whether listening on `host` stays on this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || isLoopbackIp(host);
}

/** An address list such as `--master-allow 127.0.0.1,10.0.0.0/8,fd00::/8`. */
export class AllowList {
  readonly text: string;
  private readonly list = new BlockList();

  constructor(text: string) {
    this.text = text;
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new ConfigError("the address list is empty");
    for (const item of items) {
      const [addr = "", prefix, extra] = item.split("/");
      const ip = normalizeIp(addr);
      const family = isIP(ip);
      if (family === 0 || extra !== undefined) throw new ConfigError(`bad address or CIDR ${JSON.stringify(item)}`);
      const type = family === 4 ? "ipv4" : "ipv6";
      if (prefix === undefined) {
        this.list.addAddress(ip, type);
        continue;
      }
      const bits = /^[0-9]+$/.test(prefix) ? Number(prefix) : NaN;
      if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128)))
        throw new ConfigError(`bad prefix length in ${JSON.stringify(item)}`);
      this.list.addSubnet(ip, bits, type);
    }
  }

  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    const ip = normalizeIp(address);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? "ipv4" : "ipv6");
  }
}
