/**
 * This repo's slave daemon as a child process, started as an operator starts it
 * (`--cluster_config FILE --node_id ID`) on a kernel-chosen loopback port, and known to be
 * ready by its "slave listening" log line: never by probing the port, since the first
 * connection a slave accepts becomes its master.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../config/slave-options.ts";

/**
 * The daemon beside this module, with the node options it ships with: bin/slave.ts through tsx
 * from a clone, dist/bin/slave.js when compiled.
 */
export function slaveCommand(): string[] {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    return [...NODE_FLAGS, "--import", "tsx", fileURLToPath(new URL("../../../bin/slave.ts", here))];
  }
  return [...NODE_FLAGS, fileURLToPath(new URL("../../../bin/slave.js", here))];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_LINES = 20;

/** Every slave started and not yet reaped, so a dying replayer can take them down with it. */
const live = new Set<ChildProcess>();
function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

export class SlaveProcess {
  readonly exited: Promise<Exit>;
  private readonly tail: string[] = [];
  private partial = "";

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    exited: Promise<Exit>,
  ) {
    this.exited = exited;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The last lines it wrote (stdout and stderr), for a failure message. */
  output(): string {
    return [...this.tail, this.partial].filter((l) => l !== "").join("\n");
  }

  /**
   * Why it let go, in its own words: the reason of its "slave shutting down" line (the
   * master link's close reason), else its last error-level line; undefined if it said neither.
   */
  lastWord(): string | undefined {
    let error: string | undefined;
    for (const text of [...this.tail, this.partial]) {
      const shutdown = text.includes('"msg":"slave shutting down"');
      if (!shutdown && !/"level":(5\d|60)/.test(text)) continue;
      let line: { msg?: unknown; reason?: unknown; err?: { message?: unknown } };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        continue; // a line cut by the tail's start
      }
      const why = line.reason ?? line.err?.message;
      if (shutdown && why !== undefined) return String(why);
      error = `${String(line.msg)}${why === undefined ? "" : `: ${String(why)}`}`;
    }
    return error;
  }

  private keep(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString()).split("\n");
    this.partial = lines.pop()!;
    this.tail.push(...lines);
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  static start(configFile: string, nodeId: string, bootTimeoutMs: number): Promise<SlaveProcess> {
    const args = [...slaveCommand(), "--cluster_config", configFile, "--node_id", nodeId];
    // Loopback only: nothing but this replayer may become its master. JSON logs: the port is read from them.
    args.push("--host", "127.0.0.1", "--no-pretty", "--log-level", "info");
    // From the package root, where `--import tsx` resolves; the config file's path is absolute.
    const cwd = fileURLToPath(new URL("../../../", import.meta.url));
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    if (live.size === 0) process.on("exit", killAll);
    live.add(child);
    const exited = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        if (live.size === 0) process.off("exit", killAll);
        resolve({ code, signal });
      }),
    );
    let seen = "";
    let slave: SlaveProcess | undefined;
    return new Promise<SlaveProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the slave did not log "slave listening" within ${bootTimeoutMs} ms:\n${seen}`));
      }, bootTimeoutMs);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start the slave (${args.join(" ")}): ${e.message}`));
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the slave exited (${signal ?? `code ${code}`}) before listening:\n${seen}`));
      });
      child.stderr!.on("data", (c: Buffer) => (slave ? slave.keep(c) : (seen += c.toString())));
      child.stdout!.on("data", (c: Buffer) => {
        if (slave) return slave.keep(c);
        seen += c.toString();
        // Whole lines only: a chunk may end inside one.
        const line = seen
          .split("\n")
          .slice(0, -1)
          .find((l) => l.includes('"msg":"slave listening"'));
        if (line === undefined) return;
        let port: unknown;
        try {
          port = (JSON.parse(line) as { port?: unknown }).port;
        } catch {
          port = undefined;
        }
        if (typeof port !== "number") {
          child.kill("SIGKILL");
          clearTimeout(timer);
          return reject(new Error(`no port in the slave's listening line: ${line}`));
        }
        clearTimeout(timer);
        slave = new SlaveProcess(child, port, exited);
        slave.keep(Buffer.from(seen));
        resolve(slave);
      });
    });
  }

  /** SIGTERM (it exits 0 on it), SIGKILL if it has not gone within `graceMs`; resolves once it has. */
  async stop(graceMs = 5000): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
