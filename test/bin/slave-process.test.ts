import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { encode } from "../../src/codec/index.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { bytes, chainFixture, fixtureRoot, hex } from "../backend/chain-helpers.ts";
import { WAIT_MS, within } from "../../harness/frame-socket.ts";
import { runSlaveProcess as run, startSlaveProcess as startSlave } from "../helpers/slave-process.ts";
import { TestMaster } from "../../harness/test-master.ts";

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
  t.equal((await run(["--heap-growth", "5000"])).code, 2, "a heap growth out of range");
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
    "--db-path",
    "--heap-growth",
  ]) {
    t.match(out, flag, `${flag} is documented`);
  }
  t.match(out, /Exit codes/);
});

t.test("--db-path: the blocks a slave accepted are there after a restart, and only with it", async (t) => {
  const f = chainFixture();
  const dir = mkdtempSync(join(tmpdir(), "qkc-slave-db-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, "cluster_config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      QUARKCHAIN: JSON.parse(f.cluster_config_json) as unknown,
      SLAVE_LIST: [{ ID: "S0", HOST: "127.0.0.1", PORT: 0, FULL_SHARD_ID_LIST: [`0x${f.full_shard_id.toString(16)}`] }],
    }),
  );
  const store = join(dir, "chain-db");
  const base = ["--cluster_config", configFile, "--node_id", "S0", "--host", "127.0.0.1"];
  const b1 = f.blocks.find((b) => b.name === "B1")!;

  /** One slave lifetime: boot on root block R0, run `body`, disconnect, expect exit 0. */
  async function lifetime(args: string[], body: (master: TestMaster) => Promise<void>): Promise<void> {
    const slave = await startSlave([...base, ...args]);
    t.teardown(() => void slave.child.kill("SIGKILL"));
    const master = await TestMaster.dial(slave.port);
    await master.ping(fixtureRoot(f, "R0"));
    await body(master);
    master.end();
    t.equal((await within(slave.exited, "the slave to exit", WAIT_MS)).code, 0, "exit 0");
  }
  const getB1 = (master: TestMaster) =>
    master.call("GET_MINOR_BLOCK_REQUEST", {
      branch: { value: f.full_shard_id },
      minor_block_hash: bytes(b1.hash),
      height: 0n,
      need_extra_info: false,
    });

  await lifetime(["--db-path", store], async (master) => {
    t.equal((await getB1(master)).error_code, 1, "a new store: B1 is unknown");
    const res = await master.call("ADD_MINOR_BLOCK_REQUEST", { minor_block_data: bytes(b1.hex) });
    t.equal(res.error_code, 0, "B1 accepted");
  });
  await lifetime(["--db-path", store], async (master) => {
    const res = await getB1(master);
    t.equal(res.error_code, 0, "after a restart: B1 is still there");
    t.equal(hex(encode(MinorBlock, res.minor_block)), b1.hex, "byte for byte");
  });
  await lifetime([], async (master) => {
    t.equal((await getB1(master)).error_code, 1, "in memory (no --db-path): nothing was kept");
  });

  writeFileSync(join(dir, "a-file"), "");
  const bad = await run([...base, "--db-path", join(dir, "a-file")]);
  t.equal(bad.code, 4, "a store that cannot be opened: exit 4");
  t.match(bad.out, /cannot open the chain store/);
});
