/**
 * The slaves the load generator drives, each its own process on 127.0.0.1: qkc-slave
 * (bin/slave.ts), the ideal slave (bench/ideal-slave.ts), and pyquarkchain's real
 * SlaveServer through the shared interop drivers (run.sh py_real_slave.py).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../src/config/slave-options.ts";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SLAVE_ID = "S0";
export const SHARDS = [1, 0x00010001];

export interface Target {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Waits up to `graceMs` for the process to exit by itself (a slave does once its master link closes), then ends it. */
  stop(graceMs?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolvePort(port));
    });
  });
}

/** Starts `cmd` and resolves once a line of its output matches `ready`. */
function startProcess(
  name: string,
  cmd: string,
  args: string[],
  ready: RegExp,
  port: number,
  env = process.env,
): Promise<Target> {
  return new Promise((resolveTarget, reject) => {
    const child: ChildProcess = spawn(cmd, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    let started = false;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 30 s:\n${seen.slice(-2000)}`)), 30_000);
    const fail = (err: Error): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const logFile = process.env["BENCH_TARGET_LOG"]; // the target's own output, kept for a failed run
    const watch = (chunk: Buffer): void => {
      if (logFile) appendFileSync(logFile, chunk);
      if (started) return; // keep draining the pipe so the child never blocks on it
      seen += chunk.toString("utf8");
      if (!ready.test(seen)) return;
      started = true;
      clearTimeout(timer);
      resolveTarget({
        name,
        pid: child.pid!,
        port,
        stop: async (graceMs = 0) => {
          const timers: NodeJS.Timeout[] = [];
          if (child.exitCode === null && child.signalCode === null) {
            timers.push(setTimeout(() => child.kill("SIGTERM"), graceMs));
            timers.push(setTimeout(() => child.kill("SIGKILL"), graceMs + 3000));
            await exited;
          }
          timers.forEach(clearTimeout);
        },
      });
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("error", fail);
    child.once("exit", (code, signal) =>
      fail(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${seen.slice(-2000)}`)),
    );
  });
}

/** The network a slave joins: --chain-size chains of one shard, and the full shard ids it serves. */
export interface Network {
  chainSize: number;
  shards: readonly number[];
}

/** The main session's: two chains, the slave serves both shards. */
export const MAIN_NETWORK: Network = { chainSize: 2, shards: SHARDS };

const networkArgs = (net: Network): string[] => [
  "--chain-size",
  String(net.chainSize),
  "--shards",
  net.shards.join(","),
];

export async function startQkcSlave(net: Network = MAIN_NETWORK): Promise<Target> {
  const port = await freePort();
  // BENCH_SLAVE_NODE_ARGS: extra node options for the daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env["BENCH_SLAVE_NODE_ARGS"] ?? "").split(/\s+/).filter(Boolean);
  const args = [
    ...NODE_FLAGS,
    ...extra,
    "--import",
    "tsx",
    "bin/slave.ts",
    "--id",
    SLAVE_ID,
    "--port",
    String(port),
    ...networkArgs(net),
  ];
  return startProcess("qkc-slave", process.execPath, args, /slave listening/, port);
}

/** qkc-slave from a cluster config file (--cluster_config), as slave S0 of its SLAVE_LIST, on `port`. */
/** `slaveArgs`: more of bin/slave.ts's options (`--db-path DIR`). */
export async function startQkcSlaveFromConfig(
  configFile: string,
  port: number,
  slaveArgs: string[] = [],
): Promise<Target> {
  const extra = (process.env["BENCH_SLAVE_NODE_ARGS"] ?? "").split(/\s+/).filter(Boolean);
  const args = [...NODE_FLAGS, ...extra, "--import", "tsx", "bin/slave.ts", "--cluster_config", configFile];
  args.push("--node_id", SLAVE_ID, "--host", "127.0.0.1", ...slaveArgs);
  // BENCH_SLAVE_WRAP: a command the daemon runs under, e.g. "heaptrack -o /tmp/ht" (its allocations by
  // stack). The figures read from /proc are then the wrapper's, not the daemon's.
  const wrap = (process.env["BENCH_SLAVE_WRAP"] ?? "").split(/\s+/).filter(Boolean);
  const [cmd, ...pre] = wrap.length > 0 ? [...wrap, process.execPath] : [process.execPath];
  return startProcess("qkc-slave", cmd!, [...pre, ...args], /slave listening/, port);
}

export async function startIdealSlave(repliesFile: string): Promise<Target> {
  const port = await freePort();
  const args = ["--import", "tsx", "bench/ideal-slave.ts", String(port), repliesFile];
  return startProcess("ideal", process.execPath, args, /ideal slave listening/, port);
}

export interface Interop {
  runSh: string;
  home: string;
}

/** The shared interop drivers and their env, found as scripts/interop.sh finds them; or why not. */
export function findInterop(): Interop | string {
  const tools = join(process.env["QKC_SHARED"] ?? join(REPO, "..", "shared"), "interop");
  const runSh = join(tools, "run.sh");
  if (!existsSync(runSh)) return `no interop drivers at ${tools} (set QKC_SHARED)`;
  let home = process.env["QKC_INTEROP_HOME"];
  if (!home) {
    home = join(REPO, "..", "qkc-interop");
    if (!existsSync(home)) home = join(process.env["TMPDIR"] ?? "/tmp", "qkc-interop");
  }
  const venv = process.env["QKC_VENV"] ?? join(home, "venv");
  const src = process.env["PYQKC_SRC"] ?? join(home, "src");
  if (!existsSync(join(venv, "bin", "python")) || !existsSync(join(src, "quarkchain"))) {
    return `interop env not set up at ${home} (see ../shared/interop/README.md: setup.sh)`;
  }
  return { runSh, home };
}

export function interopEnv(interop: Interop): NodeJS.ProcessEnv {
  return { ...process.env, QKC_INTEROP_HOME: interop.home };
}

export async function startPyquarkchain(interop: Interop, net: Network = MAIN_NETWORK): Promise<Target> {
  const port = await freePort();
  // run.sh execs python, so the child's pid is pyquarkchain's process itself.
  const args = [
    interop.runSh,
    "py_real_slave.py",
    "--id",
    SLAVE_ID,
    "--port",
    String(port),
    ...networkArgs(net),
    "--max-seconds",
    "900",
  ];
  return startProcess("pyquarkchain", "bash", args, /real_slave_listening/, port, interopEnv(interop));
}

/** pyquarkchain's real SlaveServer from a cluster config file (--config-json), as slave S0, on `port`. */
export async function startPyquarkchainFromConfig(interop: Interop, configFile: string, port: number): Promise<Target> {
  const args = [
    interop.runSh,
    "py_real_slave.py",
    "--id",
    SLAVE_ID,
    "--config-json",
    configFile,
    "--max-seconds",
    "3600",
  ];
  return startProcess("pyquarkchain", "bash", args, /real_slave_listening/, port, interopEnv(interop));
}
