import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { rlpEncode, rlpInt } from "../../src/tx/rlp.ts";
import { BLANK_ROOT, Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { listRoot } from "../../src/backend/state/trie/list-root.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/** The receipt trie as any trie builds it: values[i] put under rlp(i), in index order. */
function trieListRoot(values: readonly Uint8Array[]): Uint8Array {
  const trie = new Trie(TrieNodeDb.memory());
  values.forEach((v, i) => trie.put(rlpEncode(rlpInt(i)), v));
  return trie.root();
}

t.test("a list's root built from its sorted keys is the trie's, for every length that changes the shape", async (t) => {
  reportSeedOnFailure(t);
  const random = makeRandom("list-root");
  t.equal(hex(listRoot([])), hex(BLANK_ROOT), "no values: the blank root");
  // Short values are inlined in their parents, long ones hashed; lengths around 16, 128, 256 and 4096
  // change the keys' shapes (one byte, 0x80 for 0, 0x81 xx, 0x82 xx xx).
  const lengths = [1, 2, 3, 15, 16, 17, 127, 128, 129, 130, 144, 255, 256, 257, 300, 4097];
  for (const n of lengths) {
    for (const size of [1, 4, 40, 300]) {
      const values = Array.from({ length: n }, () => random.bytes(1 + random.int(size)));
      const want = trieListRoot(values);
      t.equal(hex(listRoot(values)), hex(want), `${n} values of up to ${size} bytes`);
      t.equal(hex(trieRoot(values.map((v, i) => [rlpEncode(rlpInt(i)), v] as const))), hex(want), "the oracle agrees");
    }
  }
});

t.test("pyquarkchain's roots of such lists (trie.Trie.update(rlp.encode(i), v), then root_hash)", async (t) => {
  // vectors/list-root.py: values[i] is keccak256("list-root" + i) repeated, cut at (37 i mod 300) + 1 bytes
  const value = (i: number) => {
    const h = keccak256(new TextEncoder().encode(`list-root${i}`));
    const long = new Uint8Array(32 * 12);
    for (let k = 0; k < 12; k++) long.set(h, 32 * k);
    return long.subarray(0, ((i * 37) % 300) + 1);
  };
  const roots: [number, string][] = [
    [1, "7b3bc4ff96e594143a467c746e95e2853c800de512a41f0a41e373229eb7dfbe"],
    [2, "bbafa2a181951b160a425da5c1eb81df28082e038be7cc4f97893e375253a9e7"],
    [17, "9b3341e12a1895cfcf7646b55c0da86ae2beb945cac41bd1d3304c036663f4ce"],
    [128, "8f40e158cb81c6bc5f227b54643e92b7d392f3d61fcc169774b15ced4eff368a"],
    [129, "01871887eab395a6f8e082e8547e52d2ddb99322f578d2470b0c6b6c1f56b9c1"],
    [300, "17972e5ea37ce6f03e7156242c75448b2da1320f4ecf449a981e29318054777c"],
    [700, "2a31522915821be33186a358ee5d2a66c74ea8a95d3e436652c63e5c7b13e73b"],
  ];
  for (const [n, root] of roots)
    t.equal(hex(listRoot(Array.from({ length: n }, (_, i) => value(i)))), root, `${n} values`);
});
