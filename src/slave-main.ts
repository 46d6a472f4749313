import type { Logger } from "pino";
import { MemoryBackend } from "./backend/memory-backend.ts";
import { SlaveServer } from "./cluster/slave-server.ts";
import { resolveSlaveConfig } from "./config/resolve.ts";
import { ConfigError, EXIT, type SlaveCliOptions } from "./config/slave-options.ts";

/** Runs one slave until its master disconnects or a signal stops it; returns the exit code. */
export async function runSlave(opts: SlaveCliOptions, log: Logger): Promise<number> {
  let config;
  try {
    config = resolveSlaveConfig(opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal({ reason: err.message }, "bad configuration");
    return EXIT.USAGE;
  }
  const backend = new MemoryBackend({ shards: config.self.fullShardIds, genesis: config.genesis, log });
  const server = new SlaveServer({
    self: config.self,
    networkShards: config.networkShards,
    host: config.host,
    port: config.port,
    backend,
    log,
    rpcTimeoutMs: opts.rpcTimeoutMs,
    dialTimeoutMs: opts.dialTimeoutMs,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    maxPayloadBytes: opts.maxFrameBytes,
  });
  try {
    await server.listen();
  } catch (err) {
    log.fatal({ host: config.host, port: config.port, reason: (err as Error).message }, "cannot listen");
    return EXIT.LISTEN;
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => server.shutdown(`${signal} received`));
  }
  await server.stopped;
  // Every socket is closed by now; a handle that lingers must not keep a stopped slave alive.
  setTimeout(() => process.exit(EXIT.OK), 1000).unref();
  return EXIT.OK;
}
