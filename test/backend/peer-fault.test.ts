import t from "tap";
import { PeerFault, type PeerHandlers, type PeerRef } from "../../src/backend/api.ts";
import { ChainBackend } from "../../src/backend/chain-backend.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import { loadQuarkChainConfig } from "../../src/config/cluster-config.ts";
import { TestContext } from "../helpers/test-context.ts";
import { silentLog } from "../helpers/test-log.ts";
import { chainFixture, fixtureBlock } from "./chain-helpers.ts";

const f = chainFixture();
const SHARD = f.full_shard_id;

/** What a peer handler rejected with (undefined: it did not reject). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err;
  }
}

t.test("a peer's bad request or invalid block is a PeerFault; what is not the peer's doing is not", async (t) => {
  const genesis = new NetworkGenesis(loadQuarkChainConfig(f.cluster_config_json));
  const backend = new ChainBackend({ shards: [SHARD], genesis, log: silentLog });
  backend.attach(new TestContext());
  await backend.createShards(genesis.rootBlock());
  const peer = backend.peer as Required<PeerHandlers>;
  const ref: PeerRef = { clusterPeerId: 1n, fullShardId: SHARD };
  const tip = backend.chain(SHARD)!.tipHash;

  const tooMany = Array.from({ length: 101 }, () => tip);
  const faults: Array<[string, Promise<unknown>]> = [
    ["101 blocks asked", peer.GET_MINOR_BLOCK_LIST_REQUEST(ref, { minor_block_hash_list: tooMany })],
    [
      "a header list of another branch",
      peer.GET_MINOR_BLOCK_HEADER_LIST_REQUEST(ref, {
        block_hash: tip,
        branch: { value: SHARD + 1 },
        limit: 1,
        direction: 0,
      }),
    ],
    [
      "an unknown block hash",
      peer.GET_MINOR_BLOCK_HEADER_LIST_REQUEST(ref, {
        block_hash: new Uint8Array(32),
        branch: { value: SHARD },
        limit: 1,
        direction: 0,
      }),
    ],
    [
      "no header announced",
      peer.NEW_MINOR_BLOCK_HEADER_LIST(ref, {
        root_block_header: genesis.rootBlock().header,
        minor_block_header_list: [],
      }),
    ],
  ];
  const b1 = fixtureBlock(f, "B1");
  const invalid = { ...b1, header: { ...b1.header, evm_gas_limit: 1n } };
  faults.push(["an invalid block", peer.NEW_BLOCK_MINOR(ref, { block: invalid })]);
  for (const [what, p] of faults) {
    const err = await rejection(p);
    t.ok(err instanceof PeerFault, `${what}: ${String(err)}`);
  }

  const notLocal = await rejection(
    peer.GET_MINOR_BLOCK_LIST_REQUEST({ clusterPeerId: 1n, fullShardId: SHARD + 1 }, { minor_block_hash_list: [] }),
  );
  t.ok(notLocal instanceof Error && !(notLocal instanceof PeerFault), "a shard that is not local: the slave's own");
});
