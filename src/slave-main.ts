import type { Logger } from "pino";
import { ChainDb } from "./backend/chain/chain-store.ts";
import { ChainBackend } from "./backend/chain-backend.ts";
import { frameTracer } from "./frame-trace.ts";
import { SlaveServer } from "./cluster/slave-server.ts";
import { resolveSlaveConfig } from "./slave-run-config.ts";
import { AllowList, ConfigError, EXIT, type SlaveCliOptions } from "./config/slave-options.ts";
import { type MetricsServer, serveMetrics } from "./metrics/metrics-server.ts";
import { slaveMetrics } from "./metrics/slave-metrics.ts";
import { startSenderThreads } from "./tx/senders.ts";

/** Runs one slave until its master disconnects or a signal stops it; returns the exit code. */
export async function runSlave(opts: SlaveCliOptions, log: Logger): Promise<number> {
  let config;
  let masterAllow: AllowList | undefined;
  try {
    config = resolveSlaveConfig(opts);
    if (opts.masterAllow !== undefined) masterAllow = new AllowList(opts.masterAllow);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal({ reason: err.message }, "bad configuration");
    return EXIT.USAGE;
  }
  for (const note of config.genesisNotes) log[note.level]({ genesisDir: true }, note.msg);
  let db: ChainDb | undefined;
  if (opts.dbPath !== undefined) {
    try {
      db = ChainDb.open(opts.dbPath);
    } catch (err) {
      log.fatal({ dbPath: opts.dbPath, reason: (err as Error).message }, "cannot open the chain store");
      return EXIT.DB;
    }
    log.info({ dbPath: opts.dbPath }, "chain store on disk");
  }
  const backend = new ChainBackend({
    shards: config.self.fullShardIds,
    genesis: config.genesis,
    log,
    db,
    transactionHistory: config.transactionHistory,
  });
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
    frameTimeoutMs: opts.frameTimeoutMs,
    maxPendingCalls: opts.maxPendingCalls,
    maxPeerQueue: opts.maxPeerQueue,
    maxInboundSockets: opts.maxInbound,
    maxHandshakeSockets: opts.maxHandshaking,
    masterAllow,
    siblingCheck: opts.siblingCheck,
  });
  if (opts.traceFrames) server.linkStats.trace = frameTracer(log);
  let metrics: MetricsServer | undefined;
  const metricsHost = opts.metricsHost ?? config.host;
  try {
    // Metrics first: a scraper sees the slave (and /healthz 503) from the moment it listens.
    if (opts.metricsPort !== undefined) {
      metrics = await serveMetrics(
        slaveMetrics(server, backend.syncStats),
        () => server.health(),
        metricsHost,
        opts.metricsPort,
      );
      log.info({ host: metrics.address.address, port: metrics.address.port }, "metrics listening");
    }
  } catch (err) {
    log.fatal(
      { host: metricsHost, port: opts.metricsPort, reason: (err as Error).message },
      "cannot listen for metrics",
    );
    await backend.close();
    return EXIT.LISTEN;
  }
  try {
    await server.listen();
  } catch (err) {
    await metrics?.close();
    log.fatal({ host: config.host, port: config.port, reason: (err as Error).message }, "cannot listen");
    await backend.close();
    return EXIT.LISTEN;
  }
  void startSenderThreads(); // once listening: a slave that cannot start exits without waiting for them (senders.ts)
  const onSignal = (signal: NodeJS.Signals) => server.shutdown(`${signal} received`);
  const onStats = () => log.info(server.stats(), "stats");
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, onSignal);
  process.on("SIGUSR2", onStats); // an operator's (or the soak's) look inside: frames, closes, pending calls, RSS
  const reason = await server.stopped;
  // The store is closed after every link: no handler writes to it any more.
  await backend.close().catch((err: Error) => log.error({ reason: err.message }, "closing the chain store failed"));
  log.info({ reason, ...server.stats() }, "slave stopped");
  await metrics?.close();
  // Every socket is closed by now and every pending call has failed; a handle that lingers
  // must not keep a stopped slave alive (the process is gone well within a second).
  setTimeout(() => process.exit(EXIT.OK), 500).unref();
  return EXIT.OK;
}
