/**
 * `qkc-wire replay` as a command: a transcript recorded from our own slave passes (exit 0),
 * each tampering of it is one MISMATCH line saying where (exit 1), an unusable file is exit
 * 2 before any slave starts, and no slave outlives the command.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runReplay } from "../../src/wire/replay/run.ts";
import { flipByte, genesisSteps, qkcWire, recordFromOurSlave, writeTranscript } from "./replay-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "qkc-replay-test-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const clean = await recordFromOurSlave(genesisSteps());
const size = clean.exchanges.length;

/** Processes whose command line mentions `text` (the slaves a run started under its own TMPDIR). */
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

t.test("each tampering is one MISMATCH line where it is, exit 1; the clean file passes", async (t) => {
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
  t.equal(out.filter((l) => l.startsWith(`ok ${cleanFile} #`)).length, size, "--verbose: a line per exchange");
  t.ok(out.includes(`${cleanFile}: ${size} passed, 0 failed`), "--verbose: a tally per transcript");
  t.ok(out.includes(`${badFile}: ${size - 3} passed, 3 failed`));
  t.same(
    out.filter((l) => l.startsWith("MISMATCH")).map((l) => l.replace(/ \(.*/, "")),
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

t.test("an unusable transcript is exit 2 with where it is bad, before any slave starts", async (t) => {
  const text = JSON.stringify(clean);
  const truncated = join(dir, "truncated.json");
  writeFileSync(truncated, text.slice(0, text.length / 2));
  const r1 = await qkcWire(["replay", truncated]);
  t.equal(r1.code, 2);
  t.match(r1.stderr, `qkc-wire: ${truncated}: not JSON (truncated?)`);
  t.equal(r1.stdout, "", "nothing replayed");

  const badHex = structuredClone(clean);
  badHex.exchanges[3]!.request = "0x12";
  const files = [writeTranscript(dir, "good.json", clean), writeTranscript(dir, "badhex.json", badHex)];
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
