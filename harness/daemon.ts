import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SlaveStats } from "../src/cluster/slave-server.ts";
import { within } from "./frame-socket.ts";

/**
 * bin/slave.ts as a child process, for scripts/fuzz.ts and scripts/soak.ts: started as
 * an operator would, its JSON log lines parsed, its stats asked for with SIGUSR2, its RSS
 * read from /proc.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class Daemon {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lines at warn level or above, by message, and the first few error lines in full. */
  readonly warnings = new Map<string, number>();
  readonly errors: LogLine[] = [];
  private statsWaiters: Array<(s: SlaveStats & LogLine) => void> = [];
  private lastLine: LogLine | undefined;

  private constructor(child: ChildProcess, port: number, exited: Daemon["exited"]) {
    this.child = child;
    this.port = port;
    this.exited = exited;
  }

  static async start(args: string[]): Promise<Daemon> {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "bin", "slave.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    // If the script dies first, its slave must not outlive it.
    const orphan = () => child.exitCode === null && child.kill("SIGKILL");
    process.once("exit", orphan);
    void exited.then(() => process.off("exit", orphan));
    let daemon: Daemon | undefined;
    let pending = "";
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const port = await within(
      new Promise<number>((resolve, reject) => {
        void exited.then(({ code }) => reject(new Error(`slave exited with ${code} before listening: ${stderr}`)));
        child.stdout!.on("data", (c: Buffer) => {
          pending += c.toString();
          const lines = pending.split("\n");
          pending = lines.pop()!;
          for (const text of lines) {
            // Most lines are info chatter: parse only what is looked at.
            if (!/"level":[456]|"msg":"(stats|slave listening|slave stopped)"/.test(text)) continue;
            let line: LogLine;
            try {
              line = JSON.parse(text) as LogLine;
            } catch {
              continue;
            }
            if (line.msg === "slave listening") resolve(line["port"] as number);
            daemon?.onLine(line);
          }
        });
      }),
      "bin/slave.ts to listen",
      30_000,
    );
    daemon = new Daemon(child, port, exited);
    return daemon;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The process's resident set, in bytes (0 once it is gone). */
  rss(): number {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  /**
   * Asks for its counters (SIGUSR2 logs a "stats" line). Asked again every 2 s: under a
   * flood of log lines the slave drops lines rather than buffer without bound.
   */
  stats(): Promise<SlaveStats & LogLine> {
    const p = new Promise<SlaveStats & LogLine>((resolve) => this.statsWaiters.push(resolve));
    this.child.kill("SIGUSR2");
    const again = setInterval(() => this.child.kill("SIGUSR2"), 2000);
    return within(p, "the slave's stats line", 60_000).finally(() => clearInterval(again));
  }

  /** The last line it logged (after it stopped: "slave stopped" with its final stats). */
  get last(): LogLine | undefined {
    return this.lastLine;
  }

  private onLine(line: LogLine): void {
    this.lastLine = line;
    if (line.msg === "stats") {
      for (const w of this.statsWaiters.splice(0)) w(line as SlaveStats & LogLine);
      return;
    }
    if (line.level >= 40) this.warnings.set(line.msg, (this.warnings.get(line.msg) ?? 0) + 1);
    if (line.level >= 50 && this.errors.length < 10) this.errors.push(line);
  }
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
