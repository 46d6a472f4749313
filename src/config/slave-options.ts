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
}

/** Exit codes: meaningful to an operator's supervisor. */
export const EXIT = { OK: 0, FATAL: 1, USAGE: 2, LISTEN: 3 } as const;

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
