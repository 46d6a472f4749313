import t from "tap";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { decode, encode } from "../../src/codec/index.ts";
import { MinorBlock, TypedTransaction, typedTransactionHash } from "../../src/messages/core.ts";
import { emptyMinorBlock } from "../../src/backend/handlers/master.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const typed = (serialized_tx: Uint8Array): TypedTransaction => ({ tx: { type: 0, serialized_tx } });
/** The hash as core.py defines it: sha3_256 of the whole serialized TypedTransaction. */
const byDefinition = (tx: TypedTransaction) => hex(keccak256(encode(TypedTransaction, tx)));

t.test("a transaction's hash is keccak of its TypedTransaction encoding, wherever its bytes lie", async (t) => {
  for (const size of [0, 1, 150, 70000]) {
    const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 255);
    t.equal(hex(typedTransactionHash(typed(bytes))), byDefinition(typed(bytes)), `${size} bytes of their own`);

    // Decoded from a frame: a view right after its own tag and length (hashed as one window).
    const frame = Buffer.concat([Buffer.from("ffee", "hex"), encode(TypedTransaction, typed(bytes))]);
    const decoded = decode(TypedTransaction, frame.subarray(2));
    t.ok(decoded.tx.serialized_tx.byteOffset >= 5, "a view into the frame");
    t.equal(hex(typedTransactionHash(decoded)), byDefinition(typed(bytes)), `${size} bytes in a frame`);

    // A view whose preceding bytes only look like a head, one byte off: not taken for one.
    const fake = Buffer.concat([
      Buffer.from([0, size >>> 24, (size >>> 16) & 255, (size >>> 8) & 255, (size & 255) ^ 1]),
      bytes,
    ]);
    const view = fake.subarray(5);
    t.equal(hex(typedTransactionHash(typed(view))), byDefinition(typed(bytes)), `${size} bytes after a wrong head`);
  }
});

t.test("the hash is asked for again and again while a block is added: the same answer each time", async (t) => {
  const txs = [1, 2, 3].map((k) => typed(Uint8Array.from({ length: 40 * k }, (_, i) => i ^ k)));
  const block = decode(MinorBlock, encode(MinorBlock, { ...emptyMinorBlock(), tx_list: txs }));
  const first = block.tx_list.map(typedTransactionHash);
  t.strictSame(first.map(hex), txs.map(byDefinition), "each from the block's bytes");
  t.strictSame(block.tx_list.map(typedTransactionHash), first, "asked again: the same arrays");
});
