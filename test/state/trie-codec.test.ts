import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { MalformedTrieNodeError, Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { packPath, unpackPath } from "../../src/backend/state/trie/nibbles.ts";

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
  for (const rlp of ["8180", "c3010203", "c2", "e2a120" + "00".repeat(32), "c4822a0101"]) {
    const record = Buffer.from(rlp, "hex");
    const hash = keccak256(record);
    db.write([[db.keyOf(hash), record]]);
    t.throws(() => new Trie(db, hash), MalformedTrieNodeError, `${rlp}`);
  }
  const record = Buffer.from("c3010203", "hex");
  const hash = keccak256(record);
  t.throws(() => new Trie(db, hash), { message: new RegExp(hex(hash)) });
});
