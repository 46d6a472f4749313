import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { repoRoot } from "../helpers/slave-process.ts";

const run = promisify(execFile);

/**
 * `npm pack` as a publisher runs it (prepack builds dist/), then the tarball unpacked as a
 * dependency of a scratch TypeScript project. Offline: the tarball's own dependencies are
 * linked from this checkout's node_modules instead of being downloaded (scripts/pack-check.sh
 * does the real `npm install -g` of the tarball).
 */
t.test("the packed tarball: typed imports from another project, bins on plain node", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "qkc-pack-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout: packed } = await run("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.slice(packed.indexOf("["))) as Array<{
    filename: string;
    files: { path: string }[];
  }>;
  const files = info!.files.map((f) => f.path);
  for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/bin/slave.js", "dist/bin/qkc-wire.js"]) {
    t.ok(files.includes(f), `${f} is packed`);
  }
  t.notOk(
    files.some((f) => f.startsWith("test/")),
    "no tests in the package",
  );

  const project = join(dir, "project");
  const pkg = join(project, "node_modules", "qkc-slave");
  mkdirSync(pkg, { recursive: true });
  await run("tar", ["-xzf", join(dir, info!.filename), "-C", pkg, "--strip-components=1"]);
  for (const name of readdirSync(join(repoRoot, "node_modules"))) {
    if (name !== "qkc-slave") symlinkSync(join(repoRoot, "node_modules", name), join(project, "node_modules", name));
  }
  cpSync(join(repoRoot, "test", "package", "consumer"), project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", type: "module", private: true }));

  // The consumer compiles against the package's declarations (strict, lib checks on) and runs.
  await run(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", project]);
  const { stdout } = await run(process.execPath, [join(project, "out", "main.js")]);
  const out = JSON.parse(stdout) as { hex: string; op: number; rpcId: string; id: string; shards: number[] };
  t.equal(out.op, 0x81, "PING's opcode");
  t.equal(out.rpcId, "7");
  t.equal(out.id, "S9");
  t.same(out.shards, [1, 65537]);
  // size 19 | op 0x81 | rpc id 7 | varBytes(4) "S9" | list(4) [1, 65537] | no root tip
  t.equal(
    out.hex,
    "00000013" + "81" + "0000000000000007" + "00000002" + "5339" + "00000002" + "00000001" + "00010001" + "00",
  );

  // The bins run on plain node (no tsx), as npm links them after a global install.
  const bin = (name: string) => join(pkg, "dist", "bin", name);
  const wire = await run(process.execPath, [bin("qkc-wire.js"), "encode", "--type", "Branch", '{"value": 65537}']);
  t.equal(wire.stdout.trim(), "00010001", "qkc-wire encodes");
  const help = await run(process.execPath, [bin("slave.js"), "--help"]);
  t.match(help.stdout, /--cluster_config <file>/, "qkc-slave --help");
});
