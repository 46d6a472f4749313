#!/usr/bin/env -S node --max-semi-space-size=32
import { Command, InvalidArgumentError, Option } from "commander";
import { runSlave } from "../src/slave-main.ts";
import {
  EXIT,
  HEAP_GROWTH_PERCENT,
  NODE_FLAGS,
  type SlaveCliOptions,
  hasNodeFlags,
  setHeapGrowth,
} from "../src/config/slave-options.ts";
import { slaveLog } from "../src/slave-log.ts";

function int(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
}

const program = new Command("qkc-slave")
  .description(
    "A QuarkChain cluster slave, wire-compatible with pyquarkchain. It listens for the master (the first " +
      "connection it accepts) and for sibling slaves (every later one), and exits when the master disconnects.\n\n" +
      "Either give pyquarkchain's cluster config (--cluster_config FILE --node_id ID), or run standalone " +
      "with --id/--port/--shards on a network of --chain-size chains of --shard-size shards.",
  )
  .option("--cluster_config <file>", "pyquarkchain cluster_config.json: SLAVE_LIST and the QUARKCHAIN layout")
  .option("--node_id <id>", "this slave's ID in the config's SLAVE_LIST (required with --cluster_config)")
  .option("--id <id>", "standalone: slave id answered in PONG", "S0")
  .option("--host <address>", "address to listen on (default: 127.0.0.1 standalone, 0.0.0.0 with --cluster_config)")
  .option(
    "--port <port>",
    "standalone: TCP port to listen on (with --cluster_config: the entry's PORT)",
    int("--port", 0, 65535),
    38000,
  )
  .option("--shards <list>", "standalone: full shard ids served, in PONG order, decimal or 0x hex", "1,65537")
  .option("--chain-size <n>", "standalone: number of chains in the network", int("--chain-size", 1, 65535), 2)
  .option("--shard-size <n>", "standalone: shards per chain (a power of two)", int("--shard-size", 1, 32768), 1)
  .addOption(
    new Option("--log-level <level>", "pino log level")
      .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  )
  .option("--pretty", "human-readable coloured log lines (default when stdout is a terminal; else pino JSON)")
  .option("--no-pretty", "pino JSON lines even on a terminal")
  .option(
    "--trace-frames",
    "log every frame in and out, decoded to JSON, at debug level (slow; lowers --log-level to debug)",
  )
  .option(
    "--metrics-port <port>",
    "serve Prometheus /metrics and /healthz on this port (0: any free port; default: no metrics server)",
    int("--metrics-port", 0, 65535),
  )
  .option("--metrics-host <address>", "address of the metrics server (default: the slave's --host)")
  .option(
    "--max-frame-bytes <n>",
    "largest frame payload accepted on any link",
    int("--max-frame-bytes", 0, 2 ** 32 - 1),
    128 * 1024 * 1024,
  )
  .option(
    "--rpc-timeout-ms <ms>",
    "deadline of every call this slave makes (to the master, siblings, peers)",
    int("--rpc-timeout-ms", 1),
    30_000,
  )
  .option("--dial-timeout-ms <ms>", "deadline to connect to a sibling slave", int("--dial-timeout-ms", 1), 5_000)
  .option(
    "--handshake-timeout-ms <ms>",
    "an inbound sibling must PING (and be confirmed by the master's slave list) within this or is closed",
    int("--handshake-timeout-ms", 1),
    10_000,
  )
  .option(
    "--frame-timeout-ms <ms>",
    "a frame must be complete this long after its first byte, or its link closes (slow-loris)",
    int("--frame-timeout-ms", 1),
    60_000,
  )
  .option(
    "--max-pending-calls <n>",
    "calls this slave may have in flight per connection; more fail at once",
    int("--max-pending-calls", 1),
    10_000,
  )
  .option(
    "--max-peer-queue <n>",
    "frames a peer connection may queue behind its 16 running handlers before it is closed",
    int("--max-peer-queue", 1),
    1024,
  )
  .option(
    "--max-inbound <n>",
    "inbound sibling sockets open at once (handshaking or linked); more are refused",
    int("--max-inbound", 1),
    256,
  )
  .option(
    "--max-handshaking <n>",
    "inbound sockets still in their handshake at once; more are refused",
    int("--max-handshaking", 1),
    64,
  )
  .option(
    "--master-allow <list>",
    "addresses or CIDRs that may become the master, e.g. 127.0.0.1,10.0.0.0/8 (default: whoever connects first)",
  )
  .addOption(
    new Option(
      "--sibling-check <mode>",
      "inbound siblings: announced = only ids the master listed in CONNECT_TO_SLAVES, from that entry's host " +
        "(no list at all by the end of the boot: accepted, warned); strict = also refused then; off = anyone (pyquarkchain)",
    )
      .choices(["announced", "strict", "off"])
      .default("announced"),
  )
  .option(
    "--db-path <dir>",
    "keep the chains on disk in this directory (LMDB, created if absent), so blocks survive a restart " +
      "(default: in memory)",
  )
  .option(
    "--heap-growth <percent>",
    "V8 collects the old generation once it grows this % past what the last full collection kept " +
      "(50: RSS flat at some 240 MB importing; 0: V8's own heuristics, up to some 4x: some 160 MB more " +
      "at 10,000 blocks and still rising, short bursts of blocks 5-12% faster)",
    int("--heap-growth", 0, 1000),
    HEAP_GROWTH_PERCENT,
  )
  .addHelpText(
    "after",
    `\nExit codes: ${EXIT.OK} the master disconnected or a signal stopped it; ${EXIT.FATAL} a fatal runtime error;\n` +
      `${EXIT.USAGE} bad options or config; ${EXIT.LISTEN} the port (or the metrics port) could not be bound;\n` +
      `${EXIT.DB} the --db-path store could not be opened.\n` +
      `SIGUSR2 logs one "stats" line: frames handled, links closed and sockets refused by kind, calls pending, RSS.`,
  )
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE));

program.parse();
const opts = program.opts<SlaveCliOptions>();
setHeapGrowth(opts.heapGrowth);
const quieter = ["info", "warn", "error", "fatal", "silent"];
const level = opts.traceFrames && quieter.includes(opts.logLevel) ? "debug" : opts.logLevel;
const log = slaveLog({ level, pretty: opts.pretty ?? process.stdout.isTTY === true });
if (!hasNodeFlags())
  log.warn(
    { want: NODE_FLAGS.join(" ") },
    "node was started without the options npm start and the qkc-slave command pass: long block imports run ~20% slower",
  );
process.exitCode = await runSlave(opts, log);
