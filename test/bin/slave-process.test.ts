import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { WAIT_MS, within } from "../helpers/frame-socket.ts";
import { TestMaster } from "../helpers/test-master.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Slave {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Starts bin/slave.ts as operators do and waits for its "slave listening" line (never probing the port). */
function startSlave(args: string[]): Promise<Slave> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "bin", "slave.ts"), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return within(
    new Promise<Slave>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n").find((l) => l.includes('"slave listening"'));
        if (line) resolve({ child, port: (JSON.parse(line) as { port: number }).port, exited, output: () => out });
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      void exited.then(({ code }) => reject(new Error(`slave exited with ${code} before listening:\n${out}`)));
    }),
    "bin/slave.ts to listen",
    30_000,
  );
}

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "bin", "slave.ts"), ...args], { cwd: root });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  return within(
    new Promise((resolve) => child.on("exit", (code) => resolve({ code, out }))),
    "bin/slave.ts to exit",
    30_000,
  );
}

t.test("the slave answers its master and exits 0 when the master disconnects", async (t) => {
  const slave = await startSlave(["--port", "0", "--id", "S7", "--shards", "1", "--log-level", "info"]);
  t.teardown(() => void slave.child.kill("SIGKILL"));
  const master = await TestMaster.dial(slave.port);
  const pong = await master.ping(TestMaster.genesisRoot());
  t.equal(Buffer.from(pong.id).toString(), "S7");
  t.same(pong.full_shard_id_list, [1]);
  master.end();
  const { code } = await within(slave.exited, "the slave to exit", WAIT_MS);
  t.equal(code, 0, "exit code 0");
  t.match(slave.output(), /"slave shutting down"/);
});

t.test("SIGTERM stops a slave cleanly", async (t) => {
  const slave = await startSlave(["--port", "0"]);
  t.teardown(() => void slave.child.kill("SIGKILL"));
  slave.child.kill("SIGTERM");
  const { code } = await within(slave.exited, "the slave to exit");
  t.equal(code, 0);
  t.match(slave.output(), /SIGTERM received/);
});

t.test("bad options exit 2, a port in use exits 3", async (t) => {
  t.equal((await run(["--shards", "1,banana"])).code, 2, "a bad shard list");
  t.equal((await run(["--shards", "3"])).code, 2, "a shard outside the network");
  t.equal((await run(["--port", "99999"])).code, 2, "a port out of range");
  t.equal((await run(["--cluster_config", "/nonexistent.json", "--node_id", "S0"])).code, 2, "a missing config file");
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  t.teardown(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const res = await run(["--port", String(port)]);
  t.equal(res.code, 3, "the port is taken");
  t.match(res.out, /cannot listen/);
});

t.test("--help explains every flag", async (t) => {
  const { code, out } = await run(["--help"]);
  t.equal(code, 0);
  for (const flag of [
    "--cluster_config",
    "--node_id",
    "--id",
    "--host",
    "--port",
    "--shards",
    "--chain-size",
    "--shard-size",
    "--log-level",
    "--max-frame-bytes",
    "--rpc-timeout-ms",
    "--dial-timeout-ms",
    "--handshake-timeout-ms",
  ]) {
    t.match(out, flag, `${flag} is documented`);
  }
  t.match(out, /Exit codes/);
});
