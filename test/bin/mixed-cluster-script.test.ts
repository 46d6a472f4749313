import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { repoRoot } from "../helpers/slave-process.ts";

/**
 * scripts/mixed-cluster.sh (npm run mixed-cluster) needs pyquarkchain, which CI does not have: it must
 * say SKIP and succeed there, and otherwise hand interop/mixed_cluster.py to the tools' run.sh once per
 * SLAVE_LIST order, failing when the driver fails. The driver itself runs only with the interop env.
 */
const SCRIPT = join(repoRoot, "scripts", "mixed-cluster.sh");

function run(env: Record<string, string>, args: string[] = []) {
  const r = spawnSync("bash", [SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A stand-in for ../shared/interop whose run.sh logs its arguments and exits with `rc`. */
function fakeTools(rc: number, envReady: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "qkc-mixed-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tools = join(dir, "shared", "interop");
  const home = join(dir, "home");
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, "env.sh"), 'PYQKC_SRC="$QKC_INTEROP_HOME/src"; QKC_VENV="$QKC_INTEROP_HOME/venv"\n');
  writeFileSync(
    join(tools, "run.sh"),
    `#!/usr/bin/env bash\necho "$@" >> ${join(dir, "calls")}\necho "mixed-cluster: driver stand-in"\nexit ${rc}\n`,
  );
  chmodSync(join(tools, "run.sh"), 0o755);
  if (envReady) {
    mkdirSync(join(home, "src", "quarkchain"), { recursive: true });
    mkdirSync(join(home, "venv", "bin"), { recursive: true });
    writeFileSync(join(home, "venv", "bin", "python"), "#!/bin/sh\n");
    chmodSync(join(home, "venv", "bin", "python"), 0o755);
  }
  const calls = () => readFileSync(join(dir, "calls"), "utf8").trim().split("\n");
  return { env: { QKC_SHARED: join(dir, "shared"), QKC_INTEROP_HOME: home }, calls };
}

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
  t.match(calls[0], /--qkc-cmd node --import tsx \S+bin\/slave\.ts/);
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
