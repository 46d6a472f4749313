import t from "tap";
import { mineEmpty } from "../../harness/empty-blocks.ts";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { LOG_FILTER_TIMEOUT_MS, getLogs } from "../../src/backend/exec/logs.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { decode } from "../../src/codec/index.ts";
import { loadClusterConfig } from "../../src/config/cluster-config.ts";
import { Ping } from "../../src/messages/cluster.ts";
import type { MinorBlock } from "../../src/messages/core.ts";
import { loadTranscript } from "../../src/wire/replay/transcript.ts";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";

/*
 * GET_LOG's limits beyond what the transcripts show (their answers are compared byte for byte
 * by test/wire/replay-fixtures.test.ts): pyquarkchain's LogFilter gives up after 10 s, checked
 * every 100 candidate blocks, and the request then answers error 1 with no logs.
 */

const missing = fixturesMissing("execution/history.json");
const SHARD = 1;

async function chainOf(blocks: number) {
  const tr = loadTranscript(fixturePath("execution/history.json"));
  const config = loadClusterConfig(tr.clusterConfigJson).QUARKCHAIN;
  const backend = new ChainBackend({ shards: [SHARD], genesis: new NetworkGenesis(config), log: silentLog });
  backend.attach(new TestContext());
  const root = decode(
    Ping,
    tr.exchanges.find((x) => x.opName === "PING" && decode(Ping, x.request).root_tip)!.request,
  ).root_tip!;
  await backend.createShards(root);
  const shard = backend.chain(SHARD)!;
  let parent: MinorBlock = shard.chain.tip;
  for (let i = 0; i < blocks; i++) {
    const block = mineEmpty(
      config,
      shard,
      parent,
      root.header,
      parent.header.create_time + 1n,
      parent.header.coinbase_address,
    );
    const refused = shard.addToChain(block, { validateTime: false });
    if (refused !== undefined) throw new Error(refused);
    parent = block;
  }
  return { backend, shard, config, master: backend.master as Required<MasterHandlers> };
}

t.test("a filter still running after 10 s fails, checked every 100 blocks", { skip: missing }, async (t) => {
  const { backend, shard, config, master } = await chainOf(120);
  const query = { addresses: [], topics: [], startBlock: 0n, endBlock: 120n };
  let clock = 0;
  const slow = () => (clock += LOG_FILTER_TIMEOUT_MS + 1);
  t.equal(getLogs(config, SHARD, shard.store, query, slow), "filter timeout", "121 candidate blocks, a slow clock");
  clock = 0;
  t.same(
    getLogs(config, SHARD, shard.store, { ...query, endBlock: 98n }, slow),
    [],
    "99 candidates: the clock is never looked at again",
  );
  t.same(getLogs(config, SHARD, shard.store, query), [], "at the real clock's pace: no logs, no failure");
  const answer = await master.GET_LOG_REQUEST({
    branch: { value: SHARD },
    addresses: [],
    topics: [],
    start_block: 0n,
    end_block: 121n,
  });
  t.same(answer, { error_code: 1, logs: [] }, "an end block above the tip: error 1");
  const other = await master.GET_LOG_REQUEST({
    branch: { value: 2 },
    addresses: [],
    topics: [],
    start_block: 0n,
    end_block: 0n,
  });
  t.same(other, { error_code: 1, logs: [] }, "a shard not local: error 1");
  const foreign = await master.GET_LOG_REQUEST({
    branch: { value: SHARD },
    addresses: [{ recipient: new Uint8Array(20), full_shard_key: 0x7fff0000 }],
    topics: [],
    start_block: 0n,
    end_block: 1n,
  });
  t.same(foreign, { error_code: 1, logs: [] }, "an address of a chain the network lacks: error 1");
  await backend.close();
});
