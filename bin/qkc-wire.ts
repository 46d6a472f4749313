#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DecodeError, EncodeError, JsonShapeError } from "../src/codec/index.ts";
import { FrameError, type LinkKind } from "../src/cluster/frame/format.ts";
import { checkFile } from "../src/wire/check.ts";
import {
  UsageError,
  decodeFrames,
  decodeMessage,
  encodeFrameJson,
  encodeMessage,
  parseHex,
  parseJson,
  resolveTarget,
} from "../src/wire/commands.ts";
import { type ReplayCliOptions, runReplay } from "../src/wire/replay/run.ts";
import { TranscriptError } from "../src/wire/replay/transcript.ts";

interface WireOptions {
  type?: string;
  op?: string;
  family?: string;
  frame?: boolean;
  link?: LinkKind;
}

const targetOptions = (c: Command): Command =>
  c
    .option("--type <name>", "the pyquarkchain class to use, e.g. Ping, MinorBlock, TypedTransaction")
    .option("--op <op>", "an opcode (decimal or 0x hex) or op name, e.g. 129 or PING; needs --family")
    .addOption(
      new Option(
        "--family <family>",
        "op table for --op; with --frame, overrides the default (p2p on a p2p link or when cluster_peer_id != 0)",
      ).choices(["cluster", "p2p"]),
    )
    .option("--frame", "a whole TCP frame: u32 size, metadata, u8 op, u64 rpc_id, payload")
    .addOption(
      new Option("--link <link>", "the link a --frame travels on: master (12-byte metadata), slave (none), p2p (4)")
        .choices(["master", "slave", "p2p"])
        .default("master"),
    );

function checkFlags(opts: WireOptions): void {
  if (opts.frame && (opts.type !== undefined || opts.op !== undefined)) {
    throw new UsageError("--frame takes the op from the frame; drop --type/--op");
  }
}

function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const print = (json: unknown): void => console.log(JSON.stringify(json, null, 2));

const program = new Command("qkc-wire")
  .description(
    "Decode, encode and check pyquarkchain cluster/p2p wire messages and frames.\n" +
      "Exit status: 0 ok, 1 bad data (decode/encode failure, failed check or replay), 2 usage error.",
  )
  .exitOverride();

targetOptions(
  program
    .command("decode")
    .description(
      "decode hex (spaces, | and a 0x prefix are allowed) and print it as fixture-style JSON;\n" +
        "give exactly one of --type, --op (with --family) or --frame (prints header fields, op name and payload)",
    )
    .argument("<hex>", "the bytes to decode"),
).action((hex: string, opts: WireOptions) => {
  checkFlags(opts);
  const bytes = parseHex(hex);
  if (opts.frame) {
    const frames = decodeFrames(bytes, opts.link ?? "master", opts.family);
    return print(frames.length === 1 ? frames[0] : frames);
  }
  const { json, trailing } = decodeMessage(bytes, resolveTarget(opts));
  print(json);
  if (trailing > 0) console.error(`note: ${trailing} trailing bytes ignored (as pyquarkchain does)`);
});

targetOptions(
  program
    .command("encode")
    .description(
      "encode fixture-style JSON and print the hex; give exactly one of --type, --op (with --family) or --frame,\n" +
        "whose JSON is what `decode --frame` prints (size, kind and link in it are ignored)",
    )
    .argument("[json]", "the value as JSON; read from stdin when omitted or -"),
).action((json: string | undefined, opts: WireOptions) => {
  checkFlags(opts);
  const value = parseJson(json === undefined || json === "-" ? readFileSync(0, "utf8") : json);
  console.log(
    opts.frame ? encodeFrameJson(value, opts.link ?? "master", opts.family) : encodeMessage(value, resolveTarget(opts)),
  );
});

program
  .command("check")
  .description(
    "check pyquarkchain fixture files (cluster, p2p, core, frames, malformed, schema .json) against our codecs;\n" +
      "prints each failing record with its reason, then `N passed, M failed`",
  )
  .argument("<files...>", "fixture files, e.g. ../shared/fixtures/pyquarkchain/*.json")
  .action((files: string[]) => {
    let passed = 0;
    let failed = 0;
    for (const file of files) {
      for (const r of checkFile(file)) {
        if (r.ok) passed++;
        else {
          failed++;
          console.log(`FAIL ${r.label}: ${r.reason}`);
        }
      }
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });

program
  .command("replay")
  .summary(
    "replay execution transcripts (recorded from pyquarkchain's slave) against a fresh qkc-slave each;\n" +
      "prints a MISMATCH line per failing exchange, then `N passed, M failed`",
  )
  .description(
    "Replays execution transcripts (qkc-exec-transcript/1, recorded from pyquarkchain's slave), each against a " +
      "fresh qkc-slave booted from the transcript's cluster config, and compares every response (op, meta, " +
      "payload bytes) and the requests the slave makes of its master. Prints a MISMATCH line per failing " +
      "exchange, then `N passed, M failed`.",
  )
  .addHelpText(
    "after",
    "\nThe slave is this package's own daemon (bin/slave), a child process on a free loopback port. After a\n" +
      "lost link it is restarted and the earlier exchanges that may change state are re-sent, unjudged.\n" +
      "Exit status: 0 every exchange passed, 1 a mismatch, 2 an unusable transcript or bad options.",
  )
  .argument("<files...>", "transcripts, e.g. ../shared/fixtures/execution/*.json")
  .option("--verbose", "a line for every exchange, and a tally per transcript")
  .option("--json", "print one JSON report at the end (what the slave sent, for each failing exchange)")
  .option("--timeout-ms <ms>", "deadline of each exchange", int("--timeout-ms", 1), 10_000)
  .option("--boot-timeout-ms <ms>", "deadline for a slave to listen", int("--boot-timeout-ms", 1), 30_000)
  .option(
    "--max-restarts <n>",
    "slaves booted again after a lost link before a transcript is given up",
    int("--max-restarts", 0),
    10,
  )
  .action(
    async (
      files: string[],
      o: { verbose?: boolean; json?: boolean; timeoutMs: number; bootTimeoutMs: number; maxRestarts: number },
    ) => {
      // A signal would end us without the "exit" event that takes the slaves down: turn it into an exit.
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      const opts: ReplayCliOptions = {
        verbose: o.verbose,
        json: o.json,
        exchangeTimeoutMs: o.timeoutMs,
        bootTimeoutMs: o.bootTimeoutMs,
        maxRestarts: o.maxRestarts,
      };
      process.exitCode = await runReplay(files, opts, (line) => console.log(line));
    },
  );

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CommanderError) {
    // commander has printed the message; help and version are not errors.
    process.exitCode = e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
  } else if (e instanceof UsageError || e instanceof TranscriptError) {
    console.error(`qkc-wire: ${e.message}`);
    process.exitCode = 2;
  } else if (
    e instanceof DecodeError ||
    e instanceof EncodeError ||
    e instanceof JsonShapeError ||
    e instanceof FrameError
  ) {
    console.error(`qkc-wire: ${e.name}: ${e.message}`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
