import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { repoRoot } from "./slave-process.ts";

/**
 * The scripts that hand an interop/ driver to ../shared/interop's run.sh (npm run mixed-cluster,
 * mine-cluster), run with a bare PATH; `fakeTools` is a stand-in for the tools whose run.sh logs its
 * arguments, says "<name>: driver stand-in" and exits with `rc`, with or without a set-up venv.
 */
export function interopScript(name: string) {
  const script = join(repoRoot, "scripts", `${name}.sh`);
  const run = (env: Record<string, string>, args: string[] = []) => {
    const r = spawnSync("bash", [script, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      encoding: "utf8",
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  const fakeTools = (rc: number, envReady: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), `qkc-${name}-test-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const tools = join(dir, "shared", "interop");
    const home = join(dir, "home");
    mkdirSync(tools, { recursive: true });
    writeFileSync(join(tools, "env.sh"), 'PYQKC_SRC="$QKC_INTEROP_HOME/src"; QKC_VENV="$QKC_INTEROP_HOME/venv"\n');
    writeFileSync(
      join(tools, "run.sh"),
      `#!/usr/bin/env bash\necho "$@" >> ${join(dir, "calls")}\necho "${name}: driver stand-in"\nexit ${rc}\n`,
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
  };
  return { run, fakeTools };
}
