import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { NODE_FLAGS } from "../../src/config/slave-options.ts";
import { repoRoot, startSlaveProcess as startSlave } from "../helpers/slave-process.ts";

/*
 * The daemon ships with node options V8 reads only from node's command line (NODE_FLAGS): every
 * way an operator starts it passes them, and a daemon started without them says so once.
 */

const WARNING = /"msg":"node was started without the options npm start and the qkc-slave command pass/;

t.test("npm start and bin/slave.ts's #! line pass NODE_FLAGS", async (t) => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: { start: string } };
  t.equal(pkg.scripts.start, `node ${NODE_FLAGS.join(" ")} --import tsx bin/slave.ts`, "npm start");
  const shebang = readFileSync(join(repoRoot, "bin", "slave.ts"), "utf8").split("\n")[0];
  t.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`, "the #! line (kept in dist/bin/slave.js)");
});

t.test("the scripts that start bin/slave.ts with node pass NODE_FLAGS too", async (t) => {
  // The example cluster, interop, the mixed and mining clusters: what they run is what an operator runs.
  const shipped = `node ${NODE_FLAGS.join(" ")} --import tsx `;
  const dir = join(repoRoot, "scripts");
  const starts = readdirSync(dir)
    .filter((f) => f.endsWith(".sh"))
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter(
          (line) => !line.trimStart().startsWith("#") && /bin\/slave\.ts/.test(line) && /\b(node|tsx)\b/.test(line),
        )
        .map((line) => [f, line.trim()] as const),
    );
  t.ok(starts.length >= 6, `${starts.length} places start the daemon`);
  for (const [file, line] of starts) t.ok(line.includes(shipped), `${file}: ${line.slice(0, 90)}`);
});

t.test("V8 takes the young generation's size from node's command line", async (t) => {
  // What the daemon's options do: 2 semi-spaces of 32 MB, where Node's default is 16.
  const script =
    "console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
  const grown = (flags: string[]) => {
    // Fill the young generation with survivors so that V8 grows it to its maximum.
    const fill = "const k=[];for(let i=0;i<3e6;i++){k.push({i});if(k.length>2e5)k.splice(0,1e5)};";
    const r = spawnSync(process.execPath, [...flags, "-e", fill + script], { encoding: "utf8" });
    return Number(r.stdout.trim()) / 1048576;
  };
  t.equal(grown(NODE_FLAGS as string[]), 64, "with NODE_FLAGS: 64 MB");
  t.ok(grown([]) < 64, "without: less");
});

t.test("a slave started without NODE_FLAGS warns once; with them, not", async (t) => {
  const bare = await startSlave(["--port", "0"], { script: ["--import", "tsx", join(repoRoot, "bin", "slave.ts")] });
  t.teardown(() => void bare.child.kill("SIGKILL"));
  t.match(bare.output(), WARNING, "warned");
  t.equal(bare.output().split(WARNING).length - 1, 1, "once");
  const shipped = await startSlave(["--port", "0"]);
  t.teardown(() => void shipped.child.kill("SIGKILL"));
  t.notMatch(shipped.output(), WARNING, "not warned");
});
