import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { MalformedTrieNodeError, Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { packPath, unpackPath } from "../../src/backend/state/trie/nibbles.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";

t.test("hex-prefix paths (trie.py pack_nibbles / unpack_to_nibbles)", async (t) => {
  // The examples of the Yellow Paper appendix C and trie.py's docstrings.
  const cases: [number[], boolean, string][] = [
    [[1, 2, 3, 4, 5], false, "112345"],
    [[0, 1, 2, 3, 4, 5], false, "00012345"],
    [[0, 15, 1, 12, 11, 8], true, "200f1cb8"],
    [[15, 1, 12, 11, 8], true, "3f1cb8"],
    [[], true, "20"],
    [[], false, "00"],
  ];
  for (const [nibbles, leaf, packed] of cases) {
    t.equal(hex(packPath(Uint8Array.from(nibbles), leaf)), packed, `pack ${nibbles} ${leaf ? "leaf" : "extension"}`);
    t.same(unpackPath(Buffer.from(packed, "hex")), { path: Uint8Array.from(nibbles), leaf });
  }
  for (const bad of ["", "40", "01", "2f12"]) t.equal(unpackPath(Buffer.from(bad, "hex")), undefined, `reject ${bad}`);
});

t.test("a corrupt node record is reported with its hash", async (t) => {
  const db = TrieNodeDb.memory();
  // The last two are branches whose children are read only when wanted (packed): checked whole at the read all the same.
  const shortReference = "f0" + "9f" + "00".repeat(31) + "80".repeat(16);
  const badInlineChild = "d4" + "c3010203" + "80".repeat(16);
  for (const rlp of [
    "8180",
    "c3010203",
    "c2",
    "e2a120" + "00".repeat(32),
    "c4822a0101",
    shortReference,
    badInlineChild,
  ]) {
    const record = Buffer.from(rlp, "hex");
    const hash = keccak256(record);
    db.write([[db.keyOf(hash), record]]);
    t.throws(() => new Trie(db, hash), MalformedTrieNodeError, `${rlp}`);
  }
  const record = Buffer.from("c3010203", "hex");
  const hash = keccak256(record);
  t.throws(() => new Trie(db, hash), { message: new RegExp(hex(hash)) });
});

t.test("values of every RLP length class round-trip through the store and hash as the oracle does", async (t) => {
  const db = TrieNodeDb.memory();
  const trie = new Trie(db);
  const entries: [Uint8Array, Uint8Array][] = [];
  // 1 byte < 0x80 (itself), short strings, 56+ (1-byte length), 256+ (2 bytes), 65536+ (3 bytes).
  for (const [i, size] of [1, 2, 31, 55, 56, 255, 256, 65_535, 65_536, 70_000].entries()) {
    const value = new Uint8Array(size).fill(0x11 * (i + 1));
    const key = Uint8Array.of(i, i);
    trie.put(key, value);
    entries.push([key, value]);
  }
  trie.put(Uint8Array.of(0xaa), Uint8Array.of(0x7f)); // a single byte under 0x80 is its own RLP
  entries.push([Uint8Array.of(0xaa), Uint8Array.of(0x7f)]);
  t.equal(hex(trie.root()), hex(trieRoot(entries)));
  const { root, writes } = trie.commit();
  db.write(writes);
  const reopened = new Trie(new TrieNodeDb(db.kv), root);
  for (const [key, value] of entries) t.equal(hex(reopened.get(key)!), hex(value), `${value.length} bytes`);
  reopened.put(Uint8Array.of(3, 3, 3), Uint8Array.of(1)); // re-encodes a branch holding the reopened (inlined, hashed) children
  entries.push([Uint8Array.of(3, 3, 3), Uint8Array.of(1)]);
  t.equal(hex(reopened.root()), hex(trieRoot(entries)));
});
