import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export interface SlaveLogOptions {
  level: string;
  /** Human-readable, coloured lines instead of JSON (default: whether stdout is a terminal). */
  pretty: boolean;
}

/**
 * The slave's logger on stdout: pino JSON for machines, or pino-pretty for a person at a
 * terminal. JSON logs never block the slave and never grow without bound: writes are
 * asynchronous into a buffer of at most 16 MiB; if whoever reads stdout falls that far
 * behind, lines are dropped and counted (then reported once the buffer has room again).
 */
export function slaveLog(opts: SlaveLogOptions): Logger {
  const base = { level: opts.level, base: { pid: process.pid } };
  if (opts.pretty) {
    const stream: DestinationStream = pretty({
      colorize: process.env["NO_COLOR"] === undefined,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
    });
    return pino(base, stream);
  }
  const destination = pino.destination({ dest: 1, sync: false, maxLength: 16 * 1024 * 1024 });
  let dropped = 0;
  destination.on("drop", () => dropped++);
  const log = pino(base, destination);
  setInterval(() => {
    if (dropped === 0) return;
    log.warn({ dropped }, "log lines dropped: stdout is read too slowly");
    dropped = 0;
  }, 10_000).unref();
  return log;
}
