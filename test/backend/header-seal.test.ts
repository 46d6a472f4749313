import t from "tap";
import { ValidationError, checkDoubleSha256 } from "../../src/backend/chain/block-rules.ts";
import { validateHeaderSeal } from "../../src/backend/chain/seal-check.ts";
import { NetworkGenesis } from "../../src/backend/genesis.ts";
import type { QuarkChainConfig } from "../../src/config/cluster-config.ts";
import type { MinorBlockHeader } from "../../src/messages/core.ts";
import { oneChainNetwork } from "../helpers/one-chain-network.ts";

/*
 * The header-only seal check of the sync walk (SyncTask.__validate_block_headers): with PoSW
 * ENABLED the difficulty is divided by get_diff_divider at the header's time, whoever the
 * coinbase is and whatever ENABLE_TIMESTAMP says (the walk has no state; add_block checks the
 * stake), and shards without a seal are not checked.
 */

const SHARD = 1;
const T0 = 1_600_000_000;
const network = (consensus: string, posw: object): QuarkChainConfig =>
  oneChainNetwork({
    CONSENSUS_TYPE: consensus,
    POSW_CONFIG: posw,
    GENESIS: { TIMESTAMP: T0, DIFFICULTY: 1_000_000 },
  });
const POSW = { ENABLED: true, ENABLE_TIMESTAMP: T0 + 1_000_000, DIFF_DIVIDER: 1000 };
const header = (config: QuarkChainConfig): MinorBlockHeader => {
  const g = new NetworkGenesis(config);
  return g.genesisBlock(SHARD, g.rootBlock()).header;
};
const check = (config: QuarkChainConfig, h: MinorBlockHeader) => () =>
  validateHeaderSeal(config, config.shards.get(SHARD)!, h);

t.test("POW_DOUBLESHA256 with PoSW: a seal at difficulty / DIFF_DIVIDER passes, not without PoSW", async (t) => {
  const withPosw = network("POW_DOUBLESHA256", POSW);
  const base = header(withPosw);
  // The first nonce meeting 1,000,000 / 1000 and not 1,000,000.
  let sealed: MinorBlockHeader | undefined;
  for (let nonce = 0n; !sealed; nonce++) {
    const h = { ...base, nonce };
    const meets = (d: bigint) => {
      try {
        checkDoubleSha256(h, d);
        return true;
      } catch {
        return false;
      }
    };
    if (meets(1000n) && !meets(1_000_000n)) sealed = h;
  }
  t.doesNotThrow(check(withPosw, sealed), "PoSW enabled (not yet active by ENABLE_TIMESTAMP): the divided difficulty");
  t.throws(check(network("POW_DOUBLESHA256", {}), sealed), ValidationError, "PoSW off: the full difficulty");
  t.throws(check(withPosw, { ...sealed, difficulty: sealed.difficulty * 1000n }), ValidationError, "1000x harder");
});

t.test("POW_SIMULATE headers carry no seal to check", async (t) => {
  const config = network("POW_SIMULATE", POSW);
  t.doesNotThrow(check(config, { ...header(config), nonce: 12345n, mixhash: new Uint8Array(32).fill(9) }));
});
