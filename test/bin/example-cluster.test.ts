import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import type { SlaveInfo } from "../../src/messages/cluster.ts";
import { within } from "../../harness/frame-socket.ts";
import { repoRoot, startSlaveProcess } from "../helpers/slave-process.ts";
import { TestMaster } from "../../harness/test-master.ts";

interface SlaveEntry {
  ID: string;
  HOST: string;
  PORT: number;
  FULL_SHARD_ID_LIST: string[];
}

const CONFIG = join("examples", "cluster_config.json");

/**
 * The README's two-slave cluster, launched as pyquarkchain launches slave.py
 * (`--cluster_config FILE --node_id ID`), booted by the in-repo test master the way
 * pyquarkchain's master boots it: PING, CONNECT_TO_SLAVES, PING with the root tip.
 */
t.test("examples/cluster_config.json: two slaves started with slave.py's arguments boot under a master", async (t) => {
  const entries = (JSON.parse(readFileSync(join(repoRoot, CONFIG), "utf8")) as { SLAVE_LIST: SlaveEntry[] }).SLAVE_LIST;
  t.same(
    entries.map((e) => e.ID),
    ["S0", "S1"],
  );
  const slaves = await Promise.all(
    entries.map((e) => startSlaveProcess(["--cluster_config", CONFIG, "--node_id", e.ID])),
  );
  t.teardown(() => slaves.forEach((s) => s.child.kill("SIGKILL")));
  t.same(
    slaves.map((s) => s.port),
    entries.map((e) => e.PORT),
    "each listens on its SLAVE_LIST port",
  );
  const masters = await Promise.all(entries.map((e) => TestMaster.dial(e.PORT, `master of ${e.ID}`)));
  const pongs = await Promise.all(masters.map((m) => m.ping()));
  const infos: SlaveInfo[] = entries.map((e) => ({
    id: Buffer.from(e.ID),
    host: Buffer.from(e.HOST),
    port: e.PORT,
    full_shard_id_list: e.FULL_SHARD_ID_LIST.map((s) => Number(s)),
  }));
  pongs.forEach((pong, i) => {
    t.equal(Buffer.from(pong.id).toString(), entries[i]!.ID, "PONG id = node_id");
    t.same(pong.full_shard_id_list, infos[i]!.full_shard_id_list, "PONG shards = the entry's");
  });
  // As pyquarkchain's master: one slave at a time, the whole list each time.
  for (const m of masters) t.same(await m.connectToSlaves(infos), ["", ""], "CONNECT_TO_SLAVES: all empty results");
  await Promise.all(masters.map((m) => m.ping(TestMaster.genesisRoot())));
  masters.forEach((m, i) => t.ok(m.headerReports.length > 0, `${entries[i]!.ID} reported its genesis header`));
  for (const m of masters) m.end();
  for (const s of slaves) t.equal((await within(s.exited, "the slave to exit")).code, 0);
  for (const s of slaves) {
    // One line per link event: up, verified, closed (with the reason).
    t.match(s.output(), /"msg":"slave link up"/);
    t.match(s.output(), /"msg":"slave link verified"/);
    t.match(s.output(), /"reason":"[^"]+","msg":"slave link closed"/);
  }
});
