import t from "tap";
import { txIndexRecords } from "../../src/backend/chain/tx-index.ts";
import { encode, struct, uint32, uint64 } from "../../src/codec/index.ts";

/* The "ti" records a block's canonical index writes: "ti" + tx hash -> TxLocation (uint64 height, uint32 index). */
const TxLocation = struct("TxLocation", { height: uint64, index: uint32 });

t.test("each hash's record: its key and TxLocation's encoding, in order, views of one buffer", async (t) => {
  const hashes = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(0xff)];
  const height = (1n << 40n) + 7n;
  const out: Array<readonly [Uint8Array, Uint8Array | undefined]> = [[new Uint8Array([1]), undefined]];
  txIndexRecords(hashes, height, out);
  t.equal(out.length, 4, "appended after what was there");
  hashes.forEach((h, index) => {
    const [key, value] = out[index + 1]!;
    t.same(key, new Uint8Array([0x74, 0x69, ...h]), `key ${index}: "ti" + hash`);
    t.same(value, encode(TxLocation, { height, index }), `value ${index}: TxLocation`);
  });
  t.equal(out[1]![0].buffer, out[3]![1]!.buffer, "one buffer for all");
  const none: Array<readonly [Uint8Array, Uint8Array | undefined]> = [];
  txIndexRecords([], 5n, none);
  t.same(none, [], "a block without transactions writes none");
});
