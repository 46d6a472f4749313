/**
 * The replayer over real TCP against our own slave, with a synthetic transcript whose
 * answers were recorded from the slave itself: replayed as it is it passes, a lost link or
 * a deadline fails that exchange and restarts the slave, and no slave is left running.
 */
import t from "tap";
import { replayTranscript } from "../../src/wire/replay/replay.ts";
import { parseTranscript } from "../../src/wire/replay/transcript.ts";
import { alive, genesisSteps, linkKillerStep, recordFromOurSlave, unrecorded } from "./replay-helpers.ts";

const steps = genesisSteps();
const recording = await recordFromOurSlave(steps);

t.test("recorded from our own slave, a transcript replays clean; a lost link restarts the slave", async (t) => {
  t.equal(recording.exchanges[2]!.slave_requests.length, 2, "the boot PING: one genesis header report per shard");
  t.ok(
    recording.exchanges[2]!.slave_requests.every((r) => r.op_name === "ADD_MINOR_BLOCK_HEADER_REQUEST"),
    "recorded as ADD_MINOR_BLOCK_HEADER_REQUEST",
  );
  // The link killer goes in before the last query, which then needs a restarted slave with its shards rebuilt.
  const at = steps.length - 1;
  const withKiller = structuredClone(recording);
  withKiller.exchanges.splice(at, 0, unrecorded([linkKillerStep()]).exchanges[0]!);
  withKiller.exchanges.forEach((e, n) => (e.n = n));

  const r = await replayTranscript(parseTranscript(JSON.stringify(withKiller), "killer.json"));
  const why = r.results.flatMap((x) => x.mismatches.map((m) => `#${x.n} ${m.kind}: ${m.detail}`)).join("\n");
  t.equal(r.passed, steps.length, why);
  t.equal(r.failed, 1);
  t.match(
    r.results[at]!.mismatches,
    [
      {
        kind: "no response",
        detail:
          /^the slave closed the link \(slave: exit code 0, "master link closed: undecodable GET_MINOR_BLOCK_REQUEST/,
      },
    ],
    "the undecodable request lost the link, and the slave's own reason is quoted",
  );
  t.equal(r.restarts, 1, "one new slave after the lost link");
  t.equal(r.results.length, steps.length + 1, "the exchanges re-sent to rebuild the state are not judged");
  t.same(r.results[at + 1]!.mismatches, [], "after the restart, the shards exist again (setup re-sent)");
  t.equal(r.pids.length, 2);
  t.same(r.pids.filter(alive), [], "no slave left running");
});

t.test("an exchange past its deadline fails and drops the link; past --max-restarts the rest is not run", async (t) => {
  // Without an answer to its header reports, the slave never answers the boot PING.
  const silent = structuredClone(recording);
  silent.master_answers = {};
  const r = await replayTranscript(parseTranscript(JSON.stringify(silent), "silent.json"), {
    exchangeTimeoutMs: 1000,
    bootTimeoutMs: 30_000,
    maxRestarts: 0,
  });
  t.same(
    r.results.slice(0, 2).map((x) => x.mismatches),
    [[], []],
  );
  t.match(r.results[2]!.mismatches, [{ kind: "no response", detail: /^no response within 1000 ms/ }]);
  t.same(
    r.results.slice(3).map((x) => x.mismatches),
    r.results.slice(3).map(() => [{ kind: "no response", detail: "not run: gave up after 0 restarts of the slave" }]),
  );
  t.equal(r.pids.length, 1);
  t.same(r.pids.filter(alive), [], "no slave left running");
});

t.test("a slave that refuses the config: the exchange says why, and the rest is not run", async (t) => {
  const refused = structuredClone(recording);
  refused.cluster_config_json = refused.cluster_config_json.replace('"CHAIN_SIZE":2', '"CHAIN_SIZE":"two"');
  t.not(refused.cluster_config_json, recording.cluster_config_json, "the config was changed");
  const r = await replayTranscript(parseTranscript(JSON.stringify(refused), "refused.json"), {
    exchangeTimeoutMs: 1000,
    bootTimeoutMs: 30_000,
    maxRestarts: 0,
  });
  t.equal(r.failed, steps.length);
  const first = r.results[0]!.mismatches[0]!;
  t.match(first.detail, /^not run: the slave exited \(code 2\) before listening: .*CHAIN_SIZE/);
  t.notMatch(first.detail, /\n/, "one line");
  t.match(r.results[1]!.mismatches, [{ detail: "not run: gave up after 0 restarts of the slave" }]);
  t.same(r.pids.filter(alive), [], "no slave left running");
});
