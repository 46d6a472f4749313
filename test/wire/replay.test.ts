/**
 * qkc-wire replay over real TCP against our own slave, with a synthetic transcript: its
 * answers recorded from the slave itself, then replayed as they are (all pass), tampered
 * (each tampering reported where it is, exit 1), or broken (exit 2, no slave started).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import {
  GetAccountDataRequest,
  GetMinorBlockRequest,
  GetUnconfirmedHeadersRequest,
} from "../../src/messages/cluster.ts";
import { replayTranscript } from "../../src/wire/replay/replay.ts";
import { runReplay } from "../../src/wire/replay/run.ts";
import { parseTranscript } from "../../src/wire/replay/transcript.ts";
import {
  type Step,
  type TranscriptJson,
  flipByte,
  qkcWire,
  recorded,
  request,
  setupSteps,
  unrecorded,
  writeTranscript,
} from "./replay-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "qkc-replay-test-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const genesisBlock = (shard: number) =>
  request("GET_MINOR_BLOCK_REQUEST", GetMinorBlockRequest, {
    branch: { value: shard },
    minor_block_hash: new Uint8Array(32),
    height: 0n,
    need_extra_info: true,
  });

const steps: Step[] = [
  ...setupSteps(),
  { kind: "query", ...genesisBlock(1) },
  { kind: "query", ...request("GET_UNCONFIRMED_HEADERS_REQUEST", GetUnconfirmedHeadersRequest, {}) },
  {
    kind: "query",
    ...request("GET_ACCOUNT_DATA_REQUEST", GetAccountDataRequest, {
      address: { recipient: new Uint8Array(20), full_shard_key: 0 },
      block_height: null,
    }),
  },
  // Undecodable: our slave drops the master link on it (a protocol error), so the replayer must restart it.
  { kind: "query", op: genesisBlock(1).op, opName: "GET_MINOR_BLOCK_REQUEST", bytes: Buffer.from("ff", "hex") },
  { kind: "query", ...genesisBlock(65537) },
];
const LINK_KILLER = 6;

/** Whether a process of that pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `text` (the slaves a CLI run started under its own TMPDIR). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

let good: TranscriptJson;

t.test("recorded from our own slave, a transcript replays clean; a lost link restarts the slave", async (t) => {
  // Recorded without the exchange that loses the link (one boot), which is then put back with its placeholder.
  const draft = unrecorded(steps.filter((_, n) => n !== LINK_KILLER));
  const first = await replayTranscript(parseTranscript(JSON.stringify(draft), "draft.json"));
  t.equal(first.failed, steps.length - 1, "placeholders never match");
  t.equal(first.restarts, 0);
  const done = recorded(draft, first);
  good = unrecorded(steps);
  good.exchanges = steps.map((_, n) =>
    n === LINK_KILLER ? good.exchanges[n]! : { ...done.exchanges[n < LINK_KILLER ? n : n - 1]!, n },
  );
  t.equal(good.exchanges[2]!.slave_requests.length, 2, "the boot PING: one genesis header report per shard");
  t.ok(
    good.exchanges[2]!.slave_requests.every((r) => r.op_name === "ADD_MINOR_BLOCK_HEADER_REQUEST"),
    "recorded as ADD_MINOR_BLOCK_HEADER_REQUEST",
  );

  const r = await replayTranscript(parseTranscript(JSON.stringify(good), "good.json"));
  const why = r.results.flatMap((x) => x.mismatches.map((m) => `#${x.n} ${m.kind}: ${m.detail}`)).join("\n");
  t.equal(r.passed, steps.length - 1, why);
  t.equal(r.failed, 1);
  const lost = r.results[LINK_KILLER]!;
  t.match(
    lost.mismatches,
    [{ kind: "no response", detail: /closed the link/ }],
    "the undecodable request lost the link",
  );
  t.equal(r.restarts, 1, "one new slave after the lost link");
  t.equal(r.results.length, steps.length, "the exchanges re-sent to rebuild the state are not judged");
  t.same(r.results[LINK_KILLER + 1]!.mismatches, [], "after the restart, the shards exist again (setup re-sent)");
  t.equal(r.pids.length, 2);
  t.same(r.pids.filter(alive), [], "no slave left running");
});

t.test("qkc-wire replay: each tampering is one MISMATCH line where it is, exit 1; a clean file passes", async (t) => {
  const clean = structuredClone(good);
  clean.exchanges.splice(LINK_KILLER, 1);
  clean.exchanges.forEach((e, n) => (e.n = n));
  const cleanFile = writeTranscript(dir, "clean.json", clean);
  const bad = structuredClone(clean);
  bad.exchanges[3]!.response.payload = flipByte(bad.exchanges[3]!.response.payload, 40);
  bad.exchanges[2]!.slave_requests[1]!.payload = flipByte(bad.exchanges[2]!.slave_requests[1]!.payload, 100);
  bad.exchanges[4]!.response.meta = [0, 5];
  const badFile = writeTranscript(dir, "bad.json", bad);
  const tmp = mkdtempSync(join(dir, "tmp-"));

  const res = await qkcWire(["replay", "--verbose", cleanFile, badFile], { ...process.env, TMPDIR: tmp });
  t.equal(res.code, 1, res.stderr);
  const out = res.stdout.trim().split("\n");
  const size = clean.exchanges.length;
  t.equal(out.filter((l) => l.startsWith(`ok ${cleanFile} #`)).length, size, "--verbose: a line per exchange");
  t.ok(out.includes(`${cleanFile}: ${size} passed, 0 failed`), "--verbose: a tally per transcript");
  t.ok(out.includes(`${badFile}: ${size - 3} passed, 3 failed`));
  t.same(
    out
      .filter((l) => l.startsWith("MISMATCH"))
      .map((l) => l.slice(0, l.indexOf(" (") < 0 ? undefined : l.indexOf(" ("))),
    [
      `MISMATCH ${badFile} #2 PING slave requests: ADD_MINOR_BLOCK_HEADER_REQUEST payload at byte 100`,
      `MISMATCH ${badFile} #3 GET_MINOR_BLOCK_REQUEST response payload: at byte 40`,
      `MISMATCH ${badFile} #4 GET_UNCONFIRMED_HEADERS_REQUEST response meta: expected 0/5, got 0/0`,
    ],
  );
  t.equal(out.at(-1), `${2 * size - 3} passed, 3 failed`, "the closing line");
  t.same(processesMentioning(tmp), [], "no slave outlives qkc-wire");

  const printed: string[] = [];
  t.equal(await runReplay([badFile], { json: true }, (l) => printed.push(l)), 1, "--json: exit status 1 as well");
  t.equal(printed.length, 1, "--json: one document");
  const report = JSON.parse(printed[0]!) as {
    passed: number;
    failed: number;
    files: Array<{ exchanges: Array<{ ok: boolean; actual?: { response: { payload: string } } }> }>;
  };
  t.match(report, { passed: size - 3, failed: 3 });
  const ex3 = report.files[0]!.exchanges[3]!;
  t.equal(ex3.ok, false);
  t.equal(ex3.actual?.response.payload, clean.exchanges[3]!.response.payload, "--json: what the slave sent");
});

t.test("qkc-wire replay: an unusable transcript is exit 2 with where it is bad, before any slave starts", async (t) => {
  const text = JSON.stringify(good);
  const truncated = join(dir, "truncated.json");
  writeFileSync(truncated, text.slice(0, text.length / 2));
  const r1 = await qkcWire(["replay", truncated]);
  t.equal(r1.code, 2);
  t.match(r1.stderr, `qkc-wire: ${truncated}: not JSON (truncated?)`);
  t.equal(r1.stdout, "", "nothing replayed");

  const badHex = structuredClone(good);
  badHex.exchanges[3]!.request = "0x12";
  const files = [writeTranscript(dir, "good.json", good), writeTranscript(dir, "badhex.json", badHex)];
  const printed: string[] = [];
  await t.rejects(
    runReplay(files, {}, (l) => printed.push(l)),
    {
      name: "TranscriptError",
      message: `${files[1]}: exchanges[3].request: expected lowercase hex of whole bytes, no 0x`,
    },
  );
  t.same(printed, [], "every file is checked before any is replayed");
});
