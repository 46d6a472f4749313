import t, { type Test } from "tap";
import {
  ClusterConfigError,
  chainIdOf,
  configForShards,
  defaultClusterConfig,
  defaultQuarkChainConfig,
  fullShardIdByFullShardKey,
  fullShardIds,
  genesisRootHeight,
  initializedFullShardIdsBeforeRootHeight,
  loadClusterConfig,
  loadQuarkChainConfig,
  shardIdOf,
  shardSizeOf,
  slaveConfig,
  tokenIdDecode,
  tokenIdEncode,
  TOKEN_ID_MAX,
} from "../../src/config/cluster-config.ts";
import { fractionOfDouble, limitDenominator, pythonFraction } from "../../src/config/fraction.ts";
import { ConfigError } from "../../src/config/slave-options.ts";

/** JSON text with bigints written as plain integers (as an operator writes big amounts); "@raw<text>" is written as <text>. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `@raw${v}` : v)).replace(
    /"@raw([^"]*)"/g,
    "$1",
  );
}

/** Expects fn to throw a ClusterConfigError (a ConfigError) naming `field`. */
function failsAt(t: Test, fn: () => unknown, field: string, message?: RegExp): void {
  try {
    fn();
    t.fail(`accepted; expected an error at ${field}`);
  } catch (err) {
    t.type(err, ClusterConfigError);
    t.type(err, ConfigError, "slave-main's ConfigError, so a bad config exits with the usage code");
    t.equal((err as ClusterConfigError).field, field, (err as Error).message);
    if (message) t.match((err as Error).message, message);
  }
}

const consensus = { CONSENSUS_TYPE: "POW_SIMULATE", CONSENSUS_CONFIG: {}, POSW_CONFIG: {} };
/** A valid QUARKCHAIN section of `chains` one-shard chains; `edit` changes it before it is written. */
function section(edit: (q: Record<string, any>) => void = () => {}, chains = 2): string {
  const q: Record<string, any> = {
    CHAIN_SIZE: chains,
    ROOT: { ...consensus, GENESIS: {} },
    CHAINS: Array.from({ length: chains }, (_, i) => ({
      ...consensus,
      CHAIN_ID: i,
      SHARD_SIZE: 1,
      GENESIS: { ALLOC: {} },
    })),
  };
  edit(q);
  return jsonText(q);
}

t.test("pyquarkchain's defaults", async (t) => {
  const q = defaultQuarkChainConfig();
  t.equal(q.CHAIN_SIZE, 3);
  t.same(fullShardIds(q), [2, 3, 65538, 65539, 131074, 131075]);
  t.equal(q.NETWORK_ID, 3);
  t.equal(q.genesisToken, 35760n);
  t.same(q.REWARD_TAX_RATE, { numerator: 1n, denominator: 2n });
  t.same([...q.TX_WHITELIST_SENDERS], [], "nobody is whitelisted by default");
  t.equal(q.ROOT.GENESIS.TIMESTAMP, 1519147489n);
  t.equal(q.ROOT.GENESIS.DIFFICULTY, 1000000n);
  t.equal(q.ROOT.COINBASE_AMOUNT, 120n * 10n ** 18n);
  t.equal(q.ROOT.POSW_CONFIG.WINDOW_SIZE, 4320);
  const chain = q.CHAINS[1]!;
  t.equal(chain.ETH_CHAIN_ID, 100002);
  t.equal(chain.COINBASE_AMOUNT, 5n * 10n ** 18n);
  t.equal(chain.CONSENSUS_CONFIG?.TARGET_BLOCK_TIME, 3);
  t.equal(chain.GENESIS.GAS_LIMIT, 12_000_000n);
  t.equal(chain.GENESIS.DIFFICULTY, 10000n);
  t.match(Buffer.from(chain.GENESIS.EXTRA_DATA).toString(), /^It was the best of times/);
  t.same(q.shards.get(65539)?.COINBASE_ADDRESS.full_shard_key, 65539);

  const c = defaultClusterConfig();
  t.same(
    c.SLAVE_LIST.map((s) => [s.ID, s.PORT, s.FULL_SHARD_ID_LIST]),
    [["S0", 38000, [1]]],
  );
  t.equal(c.DB_PATH_ROOT, "./db");
});

t.test("absent keys take class defaults when loading JSON", async (t) => {
  const q = loadQuarkChainConfig(section());
  t.same(fullShardIds(q), [1, 65537]);
  t.equal(
    q.CHAINS[0]!.CONSENSUS_CONFIG?.TARGET_BLOCK_TIME,
    10,
    "POWConfig's class default, not the 3 s of QuarkChainConfig()",
  );
  t.equal(q.ROOT.POSW_CONFIG.WINDOW_SIZE, 256, "POSWConfig's class default, not RootConfig.__init__'s 4320");
  t.equal(q.CHAINS[1]!.GENESIS.ROOT_HEIGHT, 0);
  t.same(q.CHAINS[0]!.GENESIS.ALLOC, []);
});

t.test("full shard id helpers", async (t) => {
  t.same(fullShardIds(configForShards(2, 1)), [1, 65537]);
  t.same([chainIdOf(65539), shardSizeOf(65539), shardIdOf(65539)], [1, 2, 1]);
  t.same([chainIdOf(5), shardSizeOf(5), shardIdOf(5)], [0, 4, 1]);
  const q = loadQuarkChainConfig(
    section((q) => {
      q.CHAINS[1].SHARD_SIZE = 4;
      q.CHAINS[1].GENESIS.ROOT_HEIGHT = 3;
    }),
  );
  t.same(fullShardIds(q), [1, 65540, 65541, 65542, 65543]);
  t.equal(fullShardIdByFullShardKey(q, 0x0001abcd), 65541, "low bits masked by SHARD_SIZE - 1");
  t.equal(fullShardIdByFullShardKey(q, 0x00001234), 1);
  t.throws(() => fullShardIdByFullShardKey(q, 0x00051234), /no chain 5/);
  t.equal(genesisRootHeight(q, 65542), 3);
  t.equal(genesisRootHeight(q, 2), undefined);
  t.same(initializedFullShardIdsBeforeRootHeight(q, 1), [1]);
  t.same(initializedFullShardIdsBeforeRootHeight(q, 4), [1, 65540, 65541, 65542, 65543]);
});

t.test("a whole cluster config: SLAVE_LIST with hex ids, lossless amounts", async (t) => {
  const text = `{
    "DB_PATH_ROOT": "",
    "QUARKCHAIN": ${section((q) => {
      q.REWARD_TAX_RATE = 0.3;
      q.TX_WHITELIST_SENDERS = ["A92885095A33E45A3C018DF7AA6242B62ACB9718"];
      q.CHAINS[0].COINBASE_AMOUNT = 200000000000000000000000000n;
      q.CHAINS[0].GENESIS.ALLOC = {
        A92885095A33E45A3C018DF7AA6242B62ACB971800000000: { QKC: 1180591620717411303424n, QETC: 0 },
      };
    })},
    "SLAVE_LIST": [
      {"ID": "S0", "HOST": "10.0.0.1", "PORT": 38000, "FULL_SHARD_ID_LIST": ["0x00000001", "0X0001_0001"]},
      {"ID": "S1", "PORT": 38001, "FULL_SHARD_ID_LIST": ["10001"]}
    ]
  }`;
  const c = loadClusterConfig(text);
  t.equal(c.DB_PATH_ROOT, "");
  t.same(slaveConfig(c, "S0").FULL_SHARD_ID_LIST, [1, 65537]);
  t.equal(slaveConfig(c, "S0").HOST, "10.0.0.1");
  t.same(slaveConfig(c, "S1").FULL_SHARD_ID_LIST, [65537]);
  t.equal(slaveConfig(c, "S1").HOST, null);
  t.throws(() => slaveConfig(c, "S9"), /no slave with ID "S9"/);
  const q = c.QUARKCHAIN;
  t.same(q.REWARD_TAX_RATE, { numerator: 3n, denominator: 10n });
  t.same([...q.TX_WHITELIST_SENDERS], ["a92885095a33e45a3c018df7aa6242b62acb9718"], "bytes.fromhex, any case");
  t.equal(q.CHAINS[0]!.COINBASE_AMOUNT, 200000000000000000000000000n);
  const entry = q.CHAINS[0]!.GENESIS.ALLOC[0]!;
  t.equal(Buffer.from(entry.address.recipient).toString("hex"), "a92885095a33e45a3c018df7aa6242b62acb9718");
  t.same(
    entry.balances.map((b) => [b.token, b.tokenId, b.amount]),
    [
      ["QKC", 35760n, 2n ** 70n],
      ["QETC", 1280244n, 0n],
    ],
  );
});

t.test("legacy CHAIN_MASK_LIST", async (t) => {
  const cluster = (masks: unknown, shardSize = 1) =>
    loadClusterConfig(
      `{"QUARKCHAIN": ${section((q) => {
        q.CHAINS.forEach((c: any) => (c.SHARD_SIZE = shardSize));
      }, 4)}, "SLAVE_LIST": [{"ID": "S0", "CHAIN_MASK_LIST": ${JSON.stringify(masks)}}]}`,
    );
  // Mask 2 (binary 10): chains whose lowest bit is 0; mask 3 (11): lowest bit 1.
  t.same(cluster([2]).SLAVE_LIST[0]!.FULL_SHARD_ID_LIST, [0x00000001, 0x00020001]);
  t.same(cluster([3]).SLAVE_LIST[0]!.FULL_SHARD_ID_LIST, [0x00010001, 0x00030001]);
  t.same(cluster([1]).SLAVE_LIST[0]!.FULL_SHARD_ID_LIST, [1, 65537, 131073, 196609]);
  t.same(cluster([2, 3]).SLAVE_LIST[0]!.FULL_SHARD_ID_LIST, [0x00010001, 0x00030001], "only the last mask counts");
  failsAt(t, () => cluster([2], 2), "SLAVE_LIST[0].CHAIN_MASK_LIST");
});

t.test("bad input names the field", async (t) => {
  const bad = (text: string, field: string, message?: RegExp) =>
    failsAt(t, () => loadQuarkChainConfig(text), field, message);
  bad("{", "QUARKCHAIN", /invalid JSON/);
  bad(
    section((q) => (q.CHAIN_SIZE = 3)),
    "QUARKCHAIN.CHAIN_SIZE",
    /CHAINS lists 2/,
  );
  bad(
    section((q) => (q.CHAINS[1].CHAIN_ID = 0)),
    "QUARKCHAIN.CHAINS",
    /0\.\.1/,
  );
  bad(
    section((q) => (q.CHAINS[1].SHARD_SIZE = 3)),
    "QUARKCHAIN.CHAINS[1].SHARD_SIZE",
    /power of two/,
  );
  bad(
    section((q) => (q.CHAINS[1].GENESIS = {})),
    "QUARKCHAIN.CHAINS[1].GENESIS",
    /non-empty/,
  );
  bad(
    section((q) => delete q.CHAINS[0].CONSENSUS_TYPE),
    "QUARKCHAIN.CHAINS[0].CONSENSUS_TYPE",
  );
  bad(
    section((q) => delete q.ROOT.POSW_CONFIG),
    "QUARKCHAIN.ROOT.POSW_CONFIG",
    /missing/,
  );
  bad(
    section((q) => delete q.ROOT),
    "QUARKCHAIN.ROOT",
    /missing/,
  );
  bad(
    section((q) => (q.ROOT.GENESIS.DIFFICULTY = 1.5)),
    "QUARKCHAIN.ROOT.GENESIS.DIFFICULTY",
    /integer, got 1\.5/,
  );
  bad(
    section((q) => (q.CHAINS[0].GENESIS.TIMESTAMP = -1)),
    "QUARKCHAIN.CHAINS[0].GENESIS.TIMESTAMP",
    /at least 0/,
  );
  bad(
    section((q) => (q.CHAINS[0].GENESIS.HASH_MERKLE_ROOT = "0x" + "00".repeat(32))),
    "QUARKCHAIN.CHAINS[0].GENESIS.HASH_MERKLE_ROOT",
    /no 0x/,
  );
  bad(
    section((q) => (q.CHAINS[0].GENESIS.HASH_PREV_MINOR_BLOCK = "00")),
    "QUARKCHAIN.CHAINS[0].GENESIS.HASH_PREV_MINOR_BLOCK",
    /32 bytes/,
  );
  bad(
    section((q) => (q.REWARD_TAX_RATE = 0.123)),
    "QUARKCHAIN.REWARD_TAX_RATE",
    /123\/1000/,
  );
  bad(
    section((q) => (q.TX_WHITELIST_SENDERS = ["0xa92885095a33e45a3c018df7aa6242b62acb9718"])),
    "QUARKCHAIN.TX_WHITELIST_SENDERS[0]",
    /no 0x/,
  );
  bad(
    section((q) => (q.GENESIS_TOKEN = "qkc")),
    "QUARKCHAIN.GENESIS_TOKEN",
    /bad token name/,
  );
  const alloc = (value: unknown, key = "00".repeat(24)) =>
    section((q) => (q.CHAINS[0].GENESIS.ALLOC = { [key]: value }));
  const at = `QUARKCHAIN.CHAINS[0].GENESIS.ALLOC["${"00".repeat(24)}"]`;
  bad(alloc({ QKC: 1 }, "00".repeat(20)), `QUARKCHAIN.CHAINS[0].GENESIS.ALLOC["${"00".repeat(20)}"]`, /24 bytes/);
  bad(alloc({ qkc: 1 }), `${at}.qkc`, /bad token name/);
  bad(alloc({ balances: { QKC: -1 } }), `${at}.balances.QKC`, /at least 0/);
  bad(alloc({ QKC: "@raw1.0" }), `${at}.QKC`, /integer, got 1\.0/);
  bad(alloc({ code: "0xabc" }), `${at}.code`);
  bad(alloc({ code: "00", storage: { "0x01": 5 } }), `${at}.storage["0x01"]`, /string/);
  bad(
    alloc({ code: "00", storage: { ["0x01" + "00".repeat(32)]: "0x01" } }),
    `${at}.storage key "0x01${"00".repeat(32)}"`,
    /32 bytes/,
  );

  const cluster = (slave: unknown, extra = "") =>
    loadClusterConfig(`{${extra} "QUARKCHAIN": ${section()}, "SLAVE_LIST": [${JSON.stringify(slave)}]}`);
  failsAt(t, () => cluster({ ID: "S0" }), "SLAVE_LIST[0].FULL_SHARD_ID_LIST");
  failsAt(t, () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: [] }), "SLAVE_LIST[0].FULL_SHARD_ID_LIST");
  failsAt(t, () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: [1] }), "SLAVE_LIST[0].FULL_SHARD_ID_LIST[0]");
  failsAt(t, () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: ["0xg"] }), "SLAVE_LIST[0].FULL_SHARD_ID_LIST[0]");
  failsAt(t, () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: ["0x1"], CHAIN_MASK_LIST: [1] }), "SLAVE_LIST[0]");
  failsAt(t, () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: ["0x1"], PORT: 70000 }), "SLAVE_LIST[0].PORT");
  // GENESIS_DIR is read (config/genesis-dir.ts applies it: test/config/genesis-dir.test.ts); a non-string is refused.
  t.equal(
    cluster({ ID: "S0", FULL_SHARD_ID_LIST: ["0x1"] }, `"GENESIS_DIR": "./genesis_data",`).GENESIS_DIR,
    "./genesis_data",
  );
  failsAt(
    t,
    () => cluster({ ID: "S0", FULL_SHARD_ID_LIST: ["0x1"] }, `"GENESIS_DIR": 5,`),
    "cluster config.GENESIS_DIR",
  );
  failsAt(t, () => loadClusterConfig(`{"SLAVE_LIST": []}`), "QUARKCHAIN");
});

t.test("token ids (token_id_encode)", async (t) => {
  t.equal(tokenIdEncode("QKC"), 35760n);
  t.equal(tokenIdEncode("0"), 0n);
  t.equal(tokenIdEncode("Z"), 35n);
  t.equal(tokenIdEncode("00"), 36n, "bijective: '00' is not '0'");
  t.equal(tokenIdEncode("ZZZZZZZZZZZZ"), TOKEN_ID_MAX);
  for (const name of ["QKC", "0", "00", "QETC", "ZZZZZZZZZZZZ", "A1B2"])
    t.equal(tokenIdDecode(tokenIdEncode(name)), name);
  t.throws(() => tokenIdEncode("ZZZZZZZZZZZZZ"));
  t.throws(() => tokenIdEncode(""));
});

t.test("Python's Fraction(x).limit_denominator()", async (t) => {
  t.same(fractionOfDouble(0.3), { numerator: 5404319552844595n, denominator: 18014398509481984n });
  const cases: [number, bigint, bigint][] = [
    [0.3, 3n, 10n],
    [0.5, 1n, 2n],
    [0.1 + 0.2, 3n, 10n],
    [0.333, 333n, 1000n],
    [0.3333333333, 1n, 3n],
    [Math.PI, 3126535n, 995207n],
    [1e-7, 0n, 1n],
    [0.07, 7n, 100n],
  ];
  for (const [x, n, d] of cases) t.same(pythonFraction(x), { numerator: n, denominator: d }, String(x));
  t.same(pythonFraction(1n), { numerator: 1n, denominator: 1n });
  t.same(limitDenominator({ numerator: 1n, denominator: 3n }, 2n), { numerator: 1n, denominator: 2n });
});
