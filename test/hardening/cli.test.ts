import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import t from "tap";
import { within } from "../../harness/frame-socket.ts";

/** The hardening flags: documented in --help and in the README's table, validated at start. */

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FLAGS = [
  "--frame-timeout-ms",
  "--max-pending-calls",
  "--max-peer-queue",
  "--max-inbound",
  "--max-handshaking",
  "--master-allow",
  "--sibling-check",
];

function run(args: string[], untilLine?: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "bin", "slave.ts"), ...args], { cwd: root });
  let out = "";
  const onData = (c: Buffer) => {
    out += c.toString();
    if (untilLine && out.includes(untilLine)) child.kill("SIGTERM");
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return within(
    new Promise((resolve) => child.on("exit", (code) => resolve({ code, out }))),
    "bin/slave.ts to exit",
    30_000,
  );
}

t.test("every hardening flag is in --help and in the README's command-line table", async (t) => {
  const { code, out } = await run(["--help"]);
  t.equal(code, 0);
  const readme = readFileSync(join(root, "README.md"), "utf8");
  for (const flag of FLAGS) {
    t.match(out, flag, `${flag} in --help`);
    t.match(readme, `| \`${flag}`, `${flag} in README.md`);
  }
});

t.test("bad hardening options exit 2; listening beyond loopback without --master-allow warns", async (t) => {
  t.equal((await run(["--master-allow", "10.0.0.0/33"])).code, 2, "a bad CIDR");
  t.equal((await run(["--sibling-check", "maybe"])).code, 2, "an unknown mode");
  t.equal((await run(["--max-inbound", "0"])).code, 2, "a zero cap");
  const open = await run(["--host", "0.0.0.0", "--port", "0"], '"slave listening"');
  t.match(open.out, /listening beyond loopback without --master-allow/);
  const allowed = await run(["--host", "0.0.0.0", "--port", "0", "--master-allow", "127.0.0.1"], '"slave listening"');
  t.notMatch(allowed.out, /listening beyond loopback/);
});
