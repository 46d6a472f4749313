import { createServer } from "node:net";
import t from "tap";
import { WAIT_MS, within } from "../helpers/frame-socket.ts";
import { runSlaveProcess as run, startSlaveProcess as startSlave } from "../helpers/slave-process.ts";
import { TestMaster } from "../helpers/test-master.ts";

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
