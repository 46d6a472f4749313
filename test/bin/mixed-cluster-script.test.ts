import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { interopScript } from "../helpers/interop-script.ts";
import { repoRoot } from "../helpers/slave-process.ts";
import { NODE_FLAGS } from "../../src/config/slave-options.ts";

/**
 * scripts/mixed-cluster.sh (npm run mixed-cluster) needs pyquarkchain, which CI does not have: it must
 * say SKIP and succeed there, and otherwise hand interop/mixed_cluster.py to the tools' run.sh once per
 * SLAVE_LIST order, failing when the driver fails. The driver itself runs only with the interop env.
 */
const { run, fakeTools } = interopScript("mixed-cluster");

t.test("without the interop tools the script skips and succeeds", async (t) => {
  const r = run({ QKC_SHARED: join(tmpdir(), "no-such-shared-dir") });
  t.equal(r.code, 0);
  t.match(r.out, /^mixed-cluster: SKIP: no interop tools at /m);
});

t.test("with the tools but no pyquarkchain venv the script skips and never calls the driver", async (t) => {
  const f = fakeTools(1, false);
  const r = run(f.env);
  t.equal(r.code, 0);
  t.match(r.out, /^mixed-cluster: SKIP: interop env not set up at /m);
  t.throws(() => f.calls(), "run.sh was not called");
});

t.test("with the env it runs the driver for both SLAVE_LIST orders, then the one-chain layout", async (t) => {
  const f = fakeTools(0, true);
  const r = run(f.env);
  t.equal(r.code, 0, r.out);
  const calls = f.calls();
  t.equal(calls.length, 3);
  t.match(calls[0], new RegExp(`^${join(repoRoot, "interop", "mixed_cluster.py")} --layout 2x1 --first qkc `));
  t.match(calls[1], / --layout 2x1 --first py /);
  t.match(calls[2], / --layout 1x2 --first py /);
  t.ok(calls[0]!.includes(`--qkc-cmd node ${NODE_FLAGS.join(" ")} --import tsx `), "the slave as npm start runs it");
  t.match(calls[0], /--import tsx \S+bin\/slave\.ts/);
  t.match(r.out, /mixed-cluster: driver stand-in/, "the driver's summary is shown");
});

t.test("a failing driver fails the script; an unknown order is a usage error", async (t) => {
  const failing = fakeTools(1, true);
  const r = run(failing.env, ["py"]);
  t.equal(r.code, 1);
  t.same(
    failing.calls().map((c) => / --layout 2x1 --first py /.test(c)),
    [true],
    "one order asked, one run",
  );
  t.match(r.out, /mixed-cluster: see /);
  const usage = run(fakeTools(0, true).env, ["sideways"]);
  t.equal(usage.code, 2);
  t.match(usage.out, /usage: /);
});
