import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { interopScript } from "../helpers/interop-script.ts";
import { repoRoot } from "../helpers/slave-process.ts";
import { NODE_FLAGS } from "../../src/config/slave-options.ts";

/**
 * scripts/mine-cluster.sh (npm run mine-cluster) needs pyquarkchain, which CI does not have: it must say
 * SKIP and succeed there, and otherwise hand interop/mine_cluster.py to the tools' run.sh once per asked
 * cluster (qkc-slaves only, then mixed), with the options given, failing when a driver fails.
 */
const { run, fakeTools } = interopScript("mine-cluster");

t.test("without the interop tools the script skips and succeeds", async (t) => {
  const r = run({ QKC_SHARED: join(tmpdir(), "no-such-shared-dir") });
  t.equal(r.code, 0);
  t.match(r.out, /^mine-cluster: SKIP: no interop tools at /m);
});

t.test("with the tools but no pyquarkchain venv the script skips and never calls the driver", async (t) => {
  const f = fakeTools(1, false);
  const r = run(f.env, ["--minutes", "1"]);
  t.equal(r.code, 0);
  t.match(r.out, /^mine-cluster: SKIP: interop env not set up at /m);
  t.throws(() => f.calls(), "run.sh was not called");
});

t.test("with the env it mines over qkc-slaves only, then over a mixed cluster", async (t) => {
  const f = fakeTools(0, true);
  const r = run(f.env);
  t.equal(r.code, 0, r.out);
  const calls = f.calls();
  t.equal(calls.length, 2);
  t.match(calls[0], new RegExp(`^${join(repoRoot, "interop", "mine_cluster.py")} --slaves qkc,qkc `));
  t.match(calls[1], / --slaves qkc,py /);
  t.ok(calls[0]!.includes(`--qkc-cmd node ${NODE_FLAGS.join(" ")} --import tsx `), "the slave as npm start runs it");
  t.match(calls[0], /--import tsx \S+bin\/slave\.ts/);
  t.notMatch(calls[0], /--minutes/, "the driver's default: 5 minutes");
  t.match(r.out, /mine-cluster: driver stand-in/, "the driver's summary is shown");
});

t.test("options go to every run; a failing driver fails the script; an unknown cluster is a usage error", async (t) => {
  const failing = fakeTools(1, true);
  const r = run(failing.env, ["--minutes", "2", "py", "--gen-tx=50"]);
  t.equal(r.code, 1);
  const calls = failing.calls();
  t.equal(calls.length, 1, "one cluster asked, one run");
  t.match(calls[0], / --slaves py,py .* --minutes 2 --gen-tx=50$/);
  t.match(r.out, /mine-cluster: py exited 1; see /);
  const usage = run(fakeTools(0, true).env, ["sideways"]);
  t.equal(usage.code, 2);
  t.match(usage.out, /usage: /);
  const missing = run(fakeTools(0, true).env, ["--minutes"]);
  t.not(missing.code, 0, "an option without its value");
});
