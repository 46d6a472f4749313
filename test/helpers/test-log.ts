import { type Logger, pino } from "pino";

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface CapturedLog {
  log: Logger;
  lines: LogLine[];
  /** The lines whose msg equals (or contains) `msg`. */
  find(msg: string): LogLine[];
}

/** A pino logger that keeps every line it writes as a parsed object, for tests that check logs. */
export function captureLog(level = "debug"): CapturedLog {
  const lines: LogLine[] = [];
  const log = pino(
    { level },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as LogLine);
      },
    },
  );
  return { log, lines, find: (msg) => lines.filter((l) => typeof l.msg === "string" && l.msg.includes(msg)) };
}

export const silentLog: Logger = pino({ level: "silent" });
