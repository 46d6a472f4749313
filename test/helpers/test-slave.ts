import type { Logger } from "pino";
import type { SlaveBackend } from "../../src/backend/api.ts";
import { SlaveServer } from "../../src/cluster/slave-server.ts";
import type { SlaveInfo } from "../../src/messages/cluster.ts";
import { within } from "../../harness/frame-socket.ts";
import { TestBackend } from "./test-backend.ts";
import { silentLog } from "./test-log.ts";

export interface StartSlaveOptions<B extends SlaveBackend> {
  id: string;
  shards: number[];
  /** Every full shard id of the network. */
  networkShards: number[];
  /** Default: a TestBackend for `shards`. */
  backend?: B;
  log?: Logger;
  rpcTimeoutMs?: number;
  dialTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  maxPayloadBytes?: number;
}

export interface RunningSlave<B extends SlaveBackend> {
  server: SlaveServer;
  backend: B;
  id: string;
  shards: number[];
  port: number;
  /** The SlaveInfo a master would announce for this slave. */
  info(): SlaveInfo;
  /** Shuts the slave down (if it is still up) and resolves with why it stopped. */
  stop(): Promise<string>;
}

/** A SlaveServer on 127.0.0.1, port 0, with small deadlines. */
export async function startSlave<B extends SlaveBackend = TestBackend>(
  opts: StartSlaveOptions<B>,
): Promise<RunningSlave<B>> {
  const backend = opts.backend ?? (new TestBackend({ shards: opts.shards }) as unknown as B);
  const server = new SlaveServer({
    self: { id: opts.id, fullShardIds: opts.shards },
    networkShards: new Set(opts.networkShards),
    host: "127.0.0.1",
    port: 0,
    backend,
    log: opts.log ?? silentLog,
    rpcTimeoutMs: opts.rpcTimeoutMs ?? 5_000,
    dialTimeoutMs: opts.dialTimeoutMs ?? 2_000,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 2_000,
    maxPayloadBytes: opts.maxPayloadBytes ?? 16 * 1024 * 1024,
  });
  const addr = await server.listen();
  return {
    server,
    backend,
    id: opts.id,
    shards: opts.shards,
    port: addr.port,
    info: () => ({
      id: Buffer.from(opts.id, "latin1"),
      host: Buffer.from("127.0.0.1", "latin1"),
      port: addr.port,
      full_shard_id_list: [...opts.shards],
    }),
    stop: () => {
      server.shutdown("test over");
      return within(server.stopped, `slave ${opts.id} to stop`);
    },
  };
}
