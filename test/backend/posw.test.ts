import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import type { MasterHandlers } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { GetMinorBlockResponse } from "../../src/messages/cluster.ts";
import { RootBlock } from "../../src/messages/core.ts";
import { silentLog } from "../helpers/test-log.ts";
import { TestContext } from "../helpers/test-context.ts";
import { bytes, hex } from "./chain-helpers.ts";

/** test/backend/fixtures/posw.json, made by gen-posw.py with pyquarkchain's ShardState. */
interface PoswFixture {
  cluster_config_json: string;
  full_shard_id: number;
  root_block: string;
  genesis_hash: string;
  blocks: Array<{ height: number; hash: string; hex: string }>;
  answers: string[];
}

const f = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "posw.json"), "utf8"),
) as PoswFixture;
const config = loadQuarkChainConfig(f.cluster_config_json);
const SHARD = f.full_shard_id;

t.test("GET_MINOR_BLOCK with need_extra_info: PoSW extra info byte for byte as pyquarkchain", async (t) => {
  const backend = new ChainBackend({ shards: [SHARD], genesis: new NetworkGenesis(config), log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(decode(RootBlock, bytes(f.root_block)));
  const master = backend.master as Required<MasterHandlers>;
  for (const b of f.blocks) {
    t.same(await master.ADD_MINOR_BLOCK_REQUEST({ minor_block_data: bytes(b.hex) }), { error_code: 0 }, `B${b.height}`);
  }
  const hashes = [f.genesis_hash, ...f.blocks.map((b) => b.hash)];
  const ask = (height: number, byHash: boolean, need_extra_info: boolean) =>
    master.GET_MINOR_BLOCK_REQUEST({
      branch: { value: SHARD },
      minor_block_hash: byHash ? bytes(hashes[height]!) : new Uint8Array(32),
      height: BigInt(height),
      need_extra_info,
    });
  const kinds = new Set<string>();
  for (let height = 0; height < f.answers.length; height++) {
    const expected = f.answers[height]!;
    const byHeight = await ask(height, false, true);
    t.equal(hex(encode(GetMinorBlockResponse, byHeight)), expected, `height ${height}, by height`);
    t.equal(hex(encode(GetMinorBlockResponse, await ask(height, true, true))), expected, `height ${height}, by hash`);
    const plain = await ask(height, false, false);
    t.equal(plain.extra_info, null, `height ${height} without need_extra_info: none`);
    const extra = byHeight.extra_info;
    kinds.add(
      extra === null ? "none" : extra.effective_difficulty < byHeight.minor_block.header.difficulty ? "posw" : "plain",
    );
  }
  // The fixture has teeth: the genesis (none), stake used (divided, boosted or not), stake exhausted.
  t.same([...kinds].sort(), ["none", "plain", "posw"], "every kind of answer is covered");
  await backend.close();
});
