import { spawn, spawnSync } from "node:child_process";
import t from "tap";
import { within } from "../../harness/frame-socket.ts";
import { httpGet, sample } from "../helpers/scrape.ts";
import { repoRoot, startSlaveProcess } from "../helpers/slave-process.ts";
import { TestMaster } from "../../harness/test-master.ts";

t.test("--metrics-port serves /metrics and /healthz; --trace-frames logs each frame as JSON", async (t) => {
  const slave = await startSlaveProcess(["--port", "0", "--shards", "1", "--metrics-port", "0", "--trace-frames"]);
  t.teardown(() => void slave.child.kill("SIGKILL"));
  const metricsPort = slave.metricsPort!;
  t.ok(metricsPort > 0, `metrics on port ${metricsPort}`);
  t.equal((await httpGet(metricsPort, "/healthz")).status, 503, "unhealthy before the master");
  const master = await TestMaster.dial(slave.port);
  await master.ping(TestMaster.genesisRoot());
  t.equal((await httpGet(metricsPort, "/healthz")).status, 200, "healthy once booted");
  const text = (await httpGet(metricsPort, "/metrics")).body;
  t.equal(sample(text, "qkc_frames_in_total", { link: "master", op: "PING" }), 1);
  t.ok(sample(text, "process_cpu_user_seconds_total")! >= 0, "process metrics");
  master.end();
  t.equal((await within(slave.exited, "the slave to exit")).code, 0);
  const frames = slave
    .output()
    .split("\n")
    .filter((l) => l.includes('"msg":"frame"'))
    .map((l) => JSON.parse(l) as { level: number; dir: string; frame: { op_name: string } });
  t.ok(
    frames.some((f) => f.dir === "in" && f.frame.op_name === "PING"),
    "the PING is traced, decoded",
  );
  t.ok(
    frames.some((f) => f.dir === "out" && f.frame.op_name === "PONG"),
    "the PONG is traced, decoded",
  );
  t.ok(
    frames.every((f) => f.level === 20),
    "at debug level",
  );
});

t.test("without --trace-frames there is no line per frame, one line per link event", async (t) => {
  const slave = await startSlaveProcess(["--port", "0", "--shards", "1", "--log-level", "debug"]);
  t.teardown(() => void slave.child.kill("SIGKILL"));
  const master = await TestMaster.dial(slave.port);
  await master.ping(TestMaster.genesisRoot());
  master.end();
  await within(slave.exited, "the slave to exit");
  const out = slave.output();
  t.notMatch(out, /"msg":"frame"/);
  t.match(out, /"master connected"/);
  t.match(out, /"master link verified: boot handshake done"/);
  t.match(out, /master link closed.*"slave shutting down"/);
});

t.test("--pretty: human lines, coloured, no JSON", async (t) => {
  const env = { ...process.env };
  delete env["NO_COLOR"]; // tap sets it for its children
  const slave = await startSlaveProcess(["--port", "0", "--pretty"], { env });
  t.teardown(() => void slave.child.kill("SIGKILL"));
  slave.child.kill("SIGTERM");
  await within(slave.exited, "the slave to exit");
  const out = slave.output();
  t.notMatch(out, /^\{"level"/m, "no JSON lines");
  t.match(out, /INFO/);
  t.match(out, /\x1b\[\d+m/, "ANSI colours");
});

const hasScript = spawnSync("script", ["--version"]).status === 0;
const noTerminal = hasScript ? false : "util-linux `script` (a pseudo-terminal) is not installed";

t.test("on a terminal, logs are pretty without --pretty", { skip: noTerminal }, async (t) => {
  const env = { ...process.env };
  delete env["NO_COLOR"];
  const cmd = `exec ${process.execPath} --import tsx bin/slave.ts --port 0`;
  const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
  t.teardown(() => void child.kill("SIGKILL"));
  let out = "";
  await within(
    new Promise<void>((resolve) =>
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("slave listening")) resolve();
      }),
    ),
    "the slave to listen on a terminal",
    30_000,
  );
  t.notMatch(out, /\{"level"/, "no JSON lines");
  t.match(out, /\x1b\[\d+mINFO/, "a coloured level");
});
