import t from "tap";
import { encode } from "../../src/codec/index.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { merkleRoot } from "../../src/backend/chain/block-rules.ts";
import { type TypedTransaction, TypedTransaction as TypedTransactionCodec } from "../../src/messages/core.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => Uint8Array.from([...a, ...b]);

/** core.py:calculate_merkle_root as written: keccak of each tx's serialization, pairs padded with zero hashes, then the count. */
function calculateMerkleRoot(txs: TypedTransaction[]): Uint8Array {
  let tree: Uint8Array[] =
    txs.length === 0 ? [new Uint8Array(32)] : txs.map((tx) => keccak256(encode(TypedTransactionCodec, tx)));
  let zero: Uint8Array = new Uint8Array(32);
  while (tree.length !== 1) {
    if (tree.length % 2 !== 0) tree.push(zero);
    const next: Uint8Array[] = [];
    for (let i = 0; i < tree.length; i += 2) next.push(keccak256(cat(tree[i]!, tree[i + 1]!)));
    tree = next;
    zero = keccak256(cat(zero, zero));
  }
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, BigInt(txs.length));
  return keccak256(cat(tree[0]!, count));
}

t.test("the merkle root's leaves are the transactions' hashes: the same root as calculate_merkle_root", async (t) => {
  for (const n of [0, 1, 2, 3, 5, 8, 13, 285]) {
    const txs: TypedTransaction[] = Array.from({ length: n }, (_, i) => ({
      tx: { type: 0, serialized_tx: Uint8Array.from({ length: 20 + i }, (_, j) => (i * 31 + j) & 255) },
    }));
    t.equal(hex(merkleRoot(txs)), hex(calculateMerkleRoot(txs)), `${n} transactions`);
  }
});
