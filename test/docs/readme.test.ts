import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { isBackendOp } from "../../src/backend/api.ts";
import { resolveSlaveConfig } from "../../src/slave-run-config.ts";
import type { SlaveCliOptions } from "../../src/config/slave-options.ts";
import { clusterOps } from "../../src/messages/cluster.ts";
import { p2pOps } from "../../src/messages/p2p.ts";
import { cliNames, helpText, readmePath, withCliReference } from "../../scripts/cli-reference.ts";
import { repoRoot } from "../helpers/slave-process.ts";
import { silentLog } from "../helpers/test-log.ts";

const readme = readFileSync(readmePath, "utf8");

t.test("the README's CLI reference is what --help prints now (npm run docs:cli rewrites it)", async (t) => {
  const help = new Map(cliNames().map((name) => [name, helpText(name)]));
  for (const [name, text] of help) t.ok(text.includes(`Usage: ${name}`), `${name} --help ran`);
  const expected = withCliReference(readme, (name) => help.get(name)!);
  t.ok(expected === readme, "README.md matches --help; run `npm run docs:cli`");
});

/** The table row of an op: the line of a table whose first cell starts with `NAME`. */
function row(name: string): string | undefined {
  return readme.split("\n").find((l) => l.startsWith(`| \`${name}\``));
}

t.test("the README's op tables name every ClusterOp and CommandOp", async (t) => {
  for (const table of [clusterOps, p2pOps]) {
    for (const e of table.entries()) {
      t.ok(readme.includes(`\`${e.name}\` ${e.op}`), `${table.family} ${e.name} (${e.op}) is in the README`);
    }
  }
});

t.test("'error 1: not served' is said of exactly the master requests the backend does not serve", async (t) => {
  const opts = {
    cluster_config: join(repoRoot, "examples", "cluster_config.json"),
    node_id: "S0",
  } as SlaveCliOptions;
  const config = resolveSlaveConfig(opts);
  const backend = new ChainBackend({ shards: config.self.fullShardIds, genesis: config.genesis, log: silentLog });
  for (const e of clusterOps.entries()) {
    if (e.kind !== "request" || !isBackendOp(e.name)) continue;
    const line = row(e.name);
    if (!line) {
      t.fail(`${e.name} has no row of its own`);
      continue;
    }
    const served = backend.master[e.name] !== undefined;
    t.equal(/error 1: not served/.test(line), !served, `${e.name}: ${served ? "served" : "not served"}`);
  }
});
