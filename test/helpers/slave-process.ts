import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { within } from "../../harness/frame-socket.ts";
import { NODE_FLAGS } from "../../src/config/slave-options.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface SlaveProcess {
  child: ChildProcess;
  port: number;
  /** The metrics server's port, when --metrics-port was given. */
  metricsPort: number | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** `node <script> args` in the repo, by default bin/slave.ts through tsx (as `npm start` runs it). */
function spawnSlave(args: string[], script: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [...script, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
}

export interface StartOptions {
  /** Default TSX_SLAVE. */
  script?: string[];
  env?: NodeJS.ProcessEnv;
}

export const TSX_SLAVE = [...NODE_FLAGS, "--import", "tsx", join(repoRoot, "bin", "slave.ts")];

/**
 * Starts a slave as operators do and waits for its "slave listening" line (never probing
 * the port: the first connection is the master). Pretty logs give no ports.
 */
export function startSlaveProcess(args: string[], opts: StartOptions = {}): Promise<SlaveProcess> {
  const child = spawnSlave(args, opts.script ?? TSX_SLAVE, opts.env);
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const portOf = (msg: string): number | undefined => {
    const line = out.split("\n").find((l) => l.includes(`"${msg}"`));
    return line ? (JSON.parse(line) as { port: number }).port : undefined;
  };
  return within(
    new Promise<SlaveProcess>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (!out.includes("slave listening")) return;
        const port = portOf("slave listening") ?? 0;
        resolve({ child, port, metricsPort: portOf("metrics listening"), exited, output: () => out });
      });
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      void exited.then(({ code }) => reject(new Error(`slave exited with ${code} before listening:\n${out}`)));
    }),
    "the slave to listen",
    30_000,
  );
}

/** Runs a slave to its exit (bad options, --help). */
export function runSlaveProcess(args: string[], script = TSX_SLAVE): Promise<{ code: number | null; out: string }> {
  const child = spawnSlave(args, script);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  return within(
    new Promise((resolve) => child.on("exit", (code) => resolve({ code, out }))),
    "the slave to exit",
    30_000,
  );
}
