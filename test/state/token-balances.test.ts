import t from "tap";
import { MemoryKvEnv } from "../../src/backend/kv.ts";
import { Journal } from "../../src/backend/state/journal.ts";
import { BLANK_ROOT, StateDb } from "../../src/backend/state/state-db.ts";
import { TokenBalances } from "../../src/backend/state/token-balances.ts";
import { hex } from "../../src/codec/bytes.ts";
import { tokenIdEncode as id } from "../../src/config/token.ts";

/** pyquarkchain's quarkchain/evm/tests/test_token_balances.py, case by case, with its byte vectors. */

const db = () => new StateDb(new MemoryKvEnv().shard(0));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const withBalances = (d: StateDb, m: [bigint, bigint][]) => {
  const b = new TokenBalances(d, new Uint8Array(0));
  const j = new Journal();
  for (const [k, v] of m) b.set(j, k, v);
  return b;
};
const sorted = (m: Map<bigint, bigint>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
const byId = (m: [bigint, bigint][]) => [...m].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1));
/** {"Q"+chr(65+i): i*1000 + 42} for i < n, as the Python test builds it. */
const letters = (n: number): [bigint, bigint][] =>
  Array.from({ length: n }, (_, i) => [id("Q" + String.fromCharCode(65 + i)), BigInt(i * 1000 + 42)]);

t.test("test_blank_account", async (t) => {
  const b = new TokenBalances(db(), new Uint8Array(0));
  t.equal(hex(b.serialize()), "");
  t.ok(b.isBlank());
  t.strictSame(sorted(b.toMap()), []);
});

const encodings: [string, [bigint, bigint][]][] = [
  ["00c7c6808405f5e100", [[0n, 100000000n]]],
  [
    "00dbcc808a152d049e0d3c654c3e00cd831388f9881bc16d674ec80000",
    [
      [0n, 100000132341555000000000n],
      [id("QETH"), 2n * 10n ** 18n],
    ],
  ],
  [
    "00d1c2800ac7831388f48203e8c5831388f964",
    [
      [0n, 10n],
      [id("QETH"), 100n],
      [id("QETC"), 1000n],
    ],
  ],
  [
    "00f89fc6808405f5e100c88203d68477359400c88203d78405f5e100cc8203d8880de0b6b3a7640000c88203d98405f5e100c78203da830f4240c88203db841dcd6500c88203dc8423c34600c88203dd8429b92700c88203de842faf0800c88203df8435a4e900c88203e0843b9aca00cc8203e188016345785d8a0000cc8203e2880214e8348c4f0000c9831388f48405f5e100cd831388f98829a2241af62c0000",
    [
      [0n, 10n ** 8n],
      [id("QETH"), 3n * 10n ** 18n],
      [id("QETC"), 10n ** 8n],
      [id("QA"), 2n * 10n ** 9n],
      [id("QB"), 10n ** 8n],
      [id("QC"), 10n ** 18n],
      [id("QD"), 10n ** 8n],
      [id("QE"), 10n ** 6n],
      [id("QF"), 5n * 10n ** 8n],
      [id("QG"), 6n * 10n ** 8n],
      [id("QH"), 7n * 10n ** 8n],
      [id("QI"), 8n * 10n ** 8n],
      [id("QJ"), 9n * 10n ** 8n],
      [id("QK"), 10n * 10n ** 8n],
      [id("QL"), 10n ** 17n],
      [id("QM"), 15n * 10n ** 16n],
    ],
  ],
];

t.test("test_encode_bytes: 16 tokens or fewer as a sorted list", async (t) => {
  for (const [encoding, mapping] of encodings) {
    t.equal(hex(withBalances(db(), mapping).serialize()), encoding, "from a blank account");
    const b1 = new TokenBalances(db(), bytes(encoding));
    t.strictSame(sorted(b1.toMap()), byId(mapping), "decoded");
    t.equal(hex(b1.serialize()), encoding, "re-encoded");
  }
});

t.test("test_encode_zero_balance: zeros are left out, but a map of zeros is not empty", async (t) => {
  const cases: [string, [bigint, bigint][]][] = [
    ["00c0", [[0n, 0n]]],
    [
      "00cecd831388f9881bc16d674ec80000",
      [
        [0n, 0n],
        [id("QETH"), 2n * 10n ** 18n],
      ],
    ],
    [
      "00cfce831388f9891e3fce3b96dbf80000",
      [
        [0n, 0n],
        [id("QETH"), 558n * 10n ** 18n],
        [id("QETC"), 0n],
      ],
    ],
    [
      "00cecd831388f98829a2241af62c0000",
      [
        [0n, 0n],
        [id("QETH"), 3n * 10n ** 18n],
        [id("QETC"), 0n],
        ...letters(13).map(([k]) => [k, 0n] as [bigint, bigint]),
      ],
    ],
  ];
  for (const [encoding, mapping] of cases) {
    t.equal(hex(withBalances(db(), mapping).serialize()), encoding, "from a blank account");
    const b1 = new TokenBalances(db(), bytes(encoding));
    t.strictSame(sorted(b1.toMap()), byId(mapping), "decoded without the zeros");
    t.equal(hex(b1.serialize()), byId(mapping).length > 0 ? encoding : "", "re-encoded");
  }
});

t.test("test_encoding_order_of_balance", async (t) => {
  const up = withBalances(
    db(),
    [0n, 1n, 2n, 3n].map((k) => [k, 100n]),
  );
  const down = withBalances(
    db(),
    [3n, 2n, 1n, 0n].map((k) => [k, 100n]),
  );
  t.equal(hex(up.serialize()), hex(down.serialize()));
});

t.test("test_encoding_in_trie: 17 tokens are a trie", async (t) => {
  const encoding = "01848d4271e44ea41466fe355561dd43b166c927d2eca0a8dd901a8e6469ecdeb1";
  const d = db();
  const b0 = withBalances(d, letters(17));
  b0.commit();
  t.equal(hex(b0.serialize()), encoding);
  t.ok(b0.usesTrie);

  const b1 = new TokenBalances(d, bytes(encoding));
  t.strictSame(sorted(b1.toMap()), byId(letters(17)), "listed from the trie");
  t.equal(hex(b1.serialize()), encoding);
  t.ok(b1.usesTrie);
  t.notOk(b1.isBlank());
  t.equal(b1.balance(id("QC")), 2042n);
  t.equal(b1.cachedEntries, 1, "the balance read is cached");
  t.throws(() => b1.serialize(), /not committed/, "serialize before commit fails");
  b1.commit();
  t.equal(hex(b1.serialize()), encoding);
});

t.test("test_encoding_change_from_dict_to_trie: the trie is sticky", async (t) => {
  const d = db();
  const journal = new Journal();
  const b = withBalances(d, letters(16));
  b.commit();
  t.equal(b.serialize()[0], 0x00, "16 tokens: a list");
  t.notOk(b.usesTrie);

  const qkc = id("QKC");
  b.set(journal, qkc, 123n);
  t.equal(b.balance(qkc), 123n);
  b.commit();
  t.ok(b.usesTrie, "17 tokens: a trie");
  const root1 = hex(b.serialize());
  t.equal(root1.slice(0, 2), "01");
  t.strictSame(sorted(b.toMap()), byId([...letters(16), [qkc, 123n]]));

  for (const [k] of letters(16)) b.set(journal, k, 0n);
  t.equal(b.balance(id("QA")), 0n);
  t.strictSame(sorted(b.toMap()), [[qkc, 123n]]);
  b.commit();
  const root2 = hex(b.serialize());
  t.equal(root2.slice(0, 2), "01", "one token left: still a trie");
  t.not(root2, root1);
  t.equal(b.cachedEntries, 0, "the balance map is emptied by the commit");
  t.equal(b.balance(id("QB")), 0n);
  t.equal(b.cachedEntries, 0, "zeros read from the trie are not cached");
  t.notOk(b.isBlank());

  b.set(journal, qkc, 0n);
  t.strictSame(sorted(b.toMap()), []);
  b.commit();
  t.equal(hex(b.serialize()), "01" + hex(BLANK_ROOT), "no token left: the empty trie");
  t.notOk(b.isBlank(), "an account with a token trie is never blank");
});

t.test("test_reset_balance_in_trie_and_revert", async (t) => {
  const b = withBalances(db(), letters(17));
  b.commit();
  t.equal(b.cachedEntries, 0);
  const journal = new Journal();
  b.set(journal, 999n, 999n);
  b.set(journal, id("QA"), 1n);
  t.equal(b.balance(999n), 999n);
  t.equal(b.balance(id("QA")), 1n);
  b.reset(journal);
  t.ok(b.isBlank());
  t.strictSame(sorted(b.toMap()), []);
  journal.revertTo(0);
  t.notOk(b.isBlank());
  t.strictSame(sorted(b.toMap()), byId(letters(17)));
  t.ok(b.cachedEntries > 0);
});

t.test("the balance map in insertion order, its first entry kept apart (_balances as a dict)", async (t) => {
  const d = db();
  const journal = new Journal();
  const b = new TokenBalances(d, new Uint8Array(0));
  t.equal(b.cachedEntries, 0);
  b.set(journal, 7n, 0n);
  t.equal(b.cachedEntries, 1, "a zero is an entry");
  t.equal(hex(b.serialize()), "00c0", "a map of one zero");
  t.equal(b.soleToken, undefined, "no positive balance to write in place");
  b.set(journal, 7n, 5n);
  t.equal(b.cachedEntries, 1, "the same token again");
  t.equal(b.soleToken, 7n);
  t.equal(b.soleBalance, 5n);
  b.set(journal, 3n, 9n);
  b.set(journal, 9n, 0n);
  t.equal(b.cachedEntries, 3);
  t.equal(b.soleToken, undefined, "two entries: the list encoder");
  t.equal(
    hex(b.serialize()),
    hex(
      withBalances(d, [
        [3n, 9n],
        [7n, 5n],
      ]).serialize(),
    ),
  );
  t.strictSame(sorted(b.toMap()), [
    [3n, 9n],
    [7n, 5n],
  ]);
  journal.revertTo(2);
  t.equal(b.balance(3n), 0n, "undone: the undo writes the old value, the entry stays");
  t.equal(b.cachedEntries, 3);
  journal.revertTo(0);
  t.equal(b.balance(7n), 0n);
  t.ok(b.isBlank());
  t.equal(hex(b.serialize()), "00c0", "entries of zeros are still entries");

  const read = new TokenBalances(d, bytes("00cecd831388f9881bc16d674ec80000"));
  t.equal(read.soleToken, id("QETH"));
  t.equal(read.soleBalance, 2n * 10n ** 18n);
});
