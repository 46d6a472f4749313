import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { buildGenesisState } from "../../src/backend/state/genesis-alloc.ts";
import { encode } from "../../src/codec/index.ts";
import { loadClusterConfigFile } from "../../src/config/cluster-config.ts";
import { applyGenesisDir } from "../../src/config/genesis-dir.ts";
import type { SlaveCliOptions } from "../../src/config/slave-options.ts";
import { MinorBlock } from "../../src/messages/core.ts";
import { resolveSlaveConfig } from "../../src/slave-run-config.ts";
import { repoRoot } from "../helpers/slave-process.ts";

/**
 * GENESIS_DIR as pyquarkchain's update_genesis_alloc reads it; expected.json is what pyquarkchain
 * itself built from the same files (test/fixtures/genesis-dir/gen-genesis-dir.py).
 */
const dir = join(repoRoot, "test", "fixtures", "genesis-dir");
const configFile = join(dir, "cluster_config.json");
interface Expected {
  cases: {
    case: string;
    loadtest_accounts: number;
    shards: {
      full_shard_id: number;
      alloc_keys: string[];
      hash: string;
      meta_hash: string;
      evm_state_root: string;
      block_hex: string;
    }[];
  }[];
}
const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

for (const c of expected.cases) {
  t.test(`${c.case}: every shard's genesis block is pyquarkchain's, byte for byte`, async (t) => {
    const { config, notes } = applyGenesisDir(loadClusterConfigFile(configFile).QUARKCHAIN, join(dir, c.case));
    t.equal(config.loadtestAccounts?.length, c.loadtest_accounts, "loadtest accounts (GEN_TX's senders)");
    const genesis = new NetworkGenesis(config);
    const root = genesis.rootBlock();
    t.same(
      [...config.shards.keys()],
      c.shards.map((s) => s.full_shard_id),
    );
    for (const s of c.shards) {
      const id = s.full_shard_id;
      t.same(
        config.shards.get(id)!.GENESIS.ALLOC.map((e) => e.key),
        s.alloc_keys,
        `${id}: ALLOC keys in pyquarkchain's dict order (a replaced key keeps its place)`,
      );
      const block = genesis.genesisBlock(id, root);
      t.equal(hex(encode(MinorBlock, block)), s.block_hex, `${id}: the genesis minor block's bytes`);
      t.equal(hex(block.meta.hash_evm_state_root), s.evm_state_root, `${id}: state root`);
      // The state the chain stores (built through the world state over the shard's Kv) has that root too.
      const { commit } = buildGenesisState(config, id, new MemoryKvEnv().shard(id));
      t.equal(hex(commit.root), s.evm_state_root, `${id}: the stored genesis state's root`);
    }
    if (c.case === "partial") {
      t.match(
        notes.map((n) => `${n.level} ${n.msg}`).join("\n"),
        /warn Error importing genesis accounts from .*1\.json/,
      );
      t.match(notes.map((n) => n.msg).join("\n"), /Cleared all partially imported genesis accounts!/);
    }
  });
}

t.test("the slave reads GENESIS_DIR from its cluster config, relative to the working directory", async (t) => {
  const cwd = process.cwd();
  process.chdir(dir);
  t.teardown(() => process.chdir(cwd));
  const run = resolveSlaveConfig({ cluster_config: configFile, node_id: "S0" } as SlaveCliOptions);
  const full = expected.cases.find((c) => c.case === "full")!;
  t.equal(run.quarkchain.loadtestAccounts?.length, 300);
  for (const s of full.shards) {
    const block = run.genesis.genesisBlock(s.full_shard_id, run.genesis.rootBlock());
    t.equal(hex(encode(MinorBlock, block)), s.block_hex, `${s.full_shard_id}: genesis block`);
  }
  t.match(
    run.genesisNotes.map((n) => n.msg),
    [/Imported 7 genesis accounts/, /Imported 6/, /Imported 300 loadtest/],
  );
});

t.test("GENESIS_DIR null or empty: the config's ALLOC alone (Python truthiness)", async (t) => {
  const text = readFileSync(configFile, "utf8");
  const tmp = mkdtempSync(join(tmpdir(), "genesis-dir-"));
  for (const value of ["null", '""']) {
    const file = join(tmp, "c.json");
    writeFileSync(file, text.replace('"GENESIS_DIR": "full"', `"GENESIS_DIR": ${value}`));
    const run = resolveSlaveConfig({ cluster_config: file, node_id: "S0" } as SlaveCliOptions);
    t.equal(run.quarkchain.loadtestAccounts, undefined, value);
    t.same(
      run.quarkchain.shards.get(2)!.GENESIS.ALLOC.map((e) => e.key),
      [full0()],
      `${value}: shard 2 keeps its one ALLOC entry`,
    );
    t.same(run.genesisNotes, []);
  }
  function full0() {
    return expected.cases[0]!.shards[0]!.alloc_keys[0];
  }
});

t.test("a folder without the files: nothing imported, as pyquarkchain logs it", async (t) => {
  const base = loadClusterConfigFile(configFile).QUARKCHAIN;
  const { config, notes } = applyGenesisDir(base, join(tmpdir(), "no-such-genesis-dir"));
  t.same(config.loadtestAccounts, []);
  for (const [id, s] of config.shards) t.same(s.GENESIS.ALLOC, base.shards.get(id)!.GENESIS.ALLOC);
  t.same(
    notes.map((n) => n.level),
    ["warn", "warn", "info"],
  );
});

t.test("a bad alloc file drops every alloc-file account; a bad loadtest entry is refused", async (t) => {
  const base = loadClusterConfigFile(configFile).QUARKCHAIN;
  const tmp = mkdtempSync(join(tmpdir(), "genesis-dir-"));
  mkdirSync(join(tmp, "alloc"));
  writeFileSync(join(tmp, "alloc", "0.json"), readFileSync(join(dir, "full", "alloc", "0.json")));
  // An address of a chain the network lacks (chain 5): get_full_shard_id_by_full_shard_key fails.
  writeFileSync(join(tmp, "alloc", "1.json"), JSON.stringify([{ address: "ab".repeat(20) + "00050000" }]));
  const { config, notes } = applyGenesisDir(base, tmp);
  for (const [id, s] of config.shards) t.same(s.GENESIS.ALLOC, base.shards.get(id)!.GENESIS.ALLOC, `${id}: unchanged`);
  t.match(notes.find((n) => n.level === "warn")?.msg, /Error importing genesis accounts from .*alloc\/1\.json/);

  const account = { address: "cd".repeat(20) + "00000000", key: "11".repeat(32) };
  writeFileSync(join(tmp, "loadtest.json"), JSON.stringify([account]));
  const one = applyGenesisDir(base, tmp).config;
  t.equal(one.loadtestAccounts?.length, 1);
  for (const [id, s] of one.shards)
    t.equal(s.GENESIS.ALLOC.at(-1)!.key, "cd".repeat(20) + id.toString(16).padStart(8, "0"));

  for (const bad of [
    [{ ...account, key: "11" }],
    [{ address: "cd".repeat(20) }],
    [{ ...account, address: "0x" + account.address }],
    { [account.address]: account.key },
    null,
  ]) {
    writeFileSync(join(tmp, "loadtest.json"), JSON.stringify(bad));
    t.throws(
      () => applyGenesisDir(base, tmp),
      { name: "ConfigError", message: /loadtest\.json/ },
      JSON.stringify(bad),
    );
  }
  writeFileSync(join(tmp, "loadtest.json"), "[{");
  t.same(
    applyGenesisDir(base, tmp).config.loadtestAccounts,
    [],
    "unparsable JSON: no loadtest account, as json.load failing",
  );
});
