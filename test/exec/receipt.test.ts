import t from "tap";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bloomOr, emptyBloom } from "../../src/backend/exec/bloom.ts";
import { intrinsicGas } from "../../src/backend/exec/intrinsic-gas.ts";
import { encodeReceipt, encodeReceiptList, logsBloom, makeReceipt } from "../../src/backend/exec/receipt.ts";
import { rlpEncode, rlpInt } from "../../src/tx/rlp.ts";
import { encodedReceiptRoot, receiptRoot } from "../../src/backend/exec/receipt-root.ts";
import { Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";

const sharedTail = Uint8Array.of(0x5a, 0x11, 0x42);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const addr = (byte: number): Uint8Array => new Uint8Array(20).fill(byte);
/** A 256-bit stack word's 32 bytes. */
const word = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
/** bloom.py:bloom_insert of each value over keccak, computed here without the memo. */
const referenceBloom = (values: Uint8Array[]): string => {
  const bloom = new Uint8Array(256);
  for (const v of values) {
    const h = keccak_256(v);
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
      bloom[255 - (bit >> 3)]! |= 1 << (bit & 7);
    }
  }
  return hex(bloom);
};

// Expected bytes are pyquarkchain's: rlp.encode(mk_receipt(state, success, logs, contract_address, fsk)).
t.test("a transfer's receipt: status 1, cumulative gas, empty bloom, no logs, no address, the shard key", async (t) => {
  const r = makeReceipt(true, 21000n, [], new Uint8Array(0), 0);
  t.equal(hex(encodeReceipt(r)), "f9010e01825208b90100" + "00".repeat(256) + "c0808400000000");
});

t.test(
  "a failed receipt with two logs: the bloom covers each address and topic, topics are 32-byte words",
  async (t) => {
    const logs = [
      { address: addr(0x11), topics: [1n, 2n ** 255n + 7n], data: Uint8Array.of(1, 2) },
      { address: addr(0x22), topics: [], data: new Uint8Array(0) },
    ];
    const r = makeReceipt(false, 133993n, logs, addr(0x33), 0x10001);
    const bloom =
      "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000000000040000000000000000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000000001000000000000000100000000000000000400000000004000000000000000000000000000000000000000000000000000100010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000040000000000000000002000000000001000000000000000000000000000000000000";
    t.equal(hex(logsBloom(logs)), bloom);
    t.equal(
      hex(encodeReceipt(r)),
      "f9019a8083020b69b9010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000000000040000000000000000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000000001000000000000000100000000000000000400000000004000000000000000000000000000000000000000000000000000100010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000040000000000000000002000000000001000000000000000000000000000000000000f876f85c941111111111111111111111111111111111111111f842a00000000000000000000000000000000000000000000000000000000000000001a08000000000000000000000000000000000000000000000000000000000000007820102d7942222222222222222222222222222222222222222c0809433333333333333333333333333333333333333338400010001",
    );
    t.equal(hex(bloomOr(emptyBloom(), r.bloom)), hex(r.bloom), "OR into an empty bloom copies it");
  },
);

t.test(
  "intrinsic gas: 21000, +32000 to create, 4 per zero and 68 per other data byte, +9000 cross-shard",
  async (t) => {
    const data = Uint8Array.of(0, 1, 0, 2);
    t.equal(intrinsicGas({ to: addr(1), data: new Uint8Array(0) }, false), 21000n);
    t.equal(intrinsicGas({ to: addr(1), data }, false), 21000n + 8n + 136n);
    t.equal(intrinsicGas({ to: new Uint8Array(0), data }, false), 53000n + 8n + 136n);
    t.equal(
      intrinsicGas({ to: new Uint8Array(0), data: Uint8Array.of(0x60, 0, 0) }, true),
      62076n,
      "pyquarkchain's figure",
    );
  },
);

t.test("the receipt root is core.py:mk_receipt_sha: rlp(i) -> rlp(receipt) in a plain trie", async (t) => {
  const transfer = makeReceipt(true, 21000n, [], new Uint8Array(0), 0);
  const logs = [
    { address: addr(0x11), topics: [1n, 2n ** 255n + 7n], data: Uint8Array.of(1, 2) },
    { address: addr(0x22), topics: [], data: new Uint8Array(0) },
  ];
  const failed = makeReceipt(false, 133993n, logs, addr(0x33), 0x10001);
  t.equal(hex(receiptRoot([])), "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
  t.equal(hex(receiptRoot([transfer])), "02b9f3b5f5dd2170014e196ba91b342d6d950ca09cfb7dddf4d8811058451f6a");
  t.equal(hex(receiptRoot([transfer, failed])), "b27362b5a8135b20d5cfd18debfb70a450b9ca9ccb9c9019da216a126c0397d6");
});

t.test("a block's receipts are stored as rlp of their encodings, written once into one buffer", async (t) => {
  const logs = [{ address: addr(0x11), topics: [3n], data: new Uint8Array(70).fill(9) }];
  const receipts = [
    makeReceipt(true, 0n, [], new Uint8Array(0), 0), // gas 0: the empty string
    makeReceipt(true, 0x7fn, [], new Uint8Array(0), 0xffffffff), // a single byte below 0x80 is itself
    makeReceipt(false, 0x80n, logs, new Uint8Array(0), 1),
    makeReceipt(true, 2n ** 40n, [], addr(0x44), 0x00010001),
  ];
  const { record, each } = encodeReceiptList(receipts);
  // The generic RLP encoder over messages.py's Receipt fields.
  const reference = receipts.map((r) =>
    rlpEncode([
      r.success ? Uint8Array.of(1) : new Uint8Array(0),
      rlpInt(r.gasUsed),
      r.bloom,
      r.logs.map((l) => [l.address, l.topics.map(word), l.data]),
      r.contractAddress,
      Uint8Array.from(Buffer.from(r.contractFullShardKey.toString(16).padStart(8, "0"), "hex")),
    ]),
  );
  t.same(each.map(hex), reference.map(hex));
  t.same(
    receipts.map((r) => hex(encodeReceipt(r))),
    reference.map(hex),
  );
  t.equal(hex(record), hex(rlpEncode(reference)), "the list pyquarkchain stores");
  t.equal(hex(encodeReceiptList([]).record), "c0");
  t.equal(hex(encodeReceipt(receipts[1]!)).slice(0, 10), "f9010c017f", "gas 0x7f written as one byte");
});

t.test("the receipt root from the sorted keys equals the trie's root after a put per receipt", async (t) => {
  const put = (encoded: Uint8Array[]): string => {
    const trie = new Trie(TrieNodeDb.memory());
    encoded.forEach((r, i) => trie.put(rlpEncode(rlpInt(i)), r));
    return hex(trie.root());
  };
  for (const n of [0, 1, 2, 15, 16, 17, 127, 128, 129, 255, 256, 300, 700]) {
    const encoded = Array.from({ length: n }, (_, i) =>
      encodeReceipt(makeReceipt(i % 7 !== 3, 21000n * BigInt(i + 1), [], new Uint8Array(0), i)),
    );
    t.equal(hex(encodedReceiptRoot(encoded)), put(encoded), `${n} receipts`);
  }
});

t.test("the bloom's memo of recent addresses and topics gives bloom_insert's bits, colliding or not", async (t) => {
  let seed = 7n;
  const next = (): bigint => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 256n);
  const addresses = Array.from({ length: 200 }, (_, i) => {
    const a = word(next()).subarray(12);
    if (i % 2 === 1) a.set(sharedTail, 17); // many share the bytes the memo's slot is taken from
    return a;
  });
  const topics = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? BigInt(i) : next()));
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i]!;
      const ts = [topics[(i * 25) % topics.length]!, topics[i]!, 0n];
      const logs = [{ address, topics: ts, data: new Uint8Array(0) }];
      // Half through a receipt, whose topics are hashed from their bytes in its encoding.
      const got = hex(
        (round + i) % 2 === 0 ? logsBloom(logs) : makeReceipt(true, 1n, logs, new Uint8Array(0), 0).bloom,
      );
      if (got !== referenceBloom([address, ...ts.map(word)])) {
        t.fail(`round ${round}, log ${i}`);
        return;
      }
    }
  }
  // Past the topic memo's bound, then the first ones again.
  for (const topic of topics) logsBloom([{ address: addresses[0]!, topics: [topic], data: new Uint8Array(0) }]);
  const again = [{ address: addresses[1]!, topics: [topics[1]!, topics[4999]!], data: new Uint8Array(0) }];
  t.equal(hex(logsBloom(again)), referenceBloom([addresses[1]!, word(topics[1]!), word(topics[4999]!)]));
  t.pass("200 logs twice, 3 topics each, as bloom_insert");
});

t.test("receipts encoded as they are made keep their bytes while later ones are made, big ones too", async (t) => {
  const reference = (r: ReturnType<typeof makeReceipt>): string =>
    hex(
      rlpEncode([
        r.success ? Uint8Array.of(1) : new Uint8Array(0),
        rlpInt(r.gasUsed),
        logsBloom(r.logs),
        r.logs.map((l) => [l.address, l.topics.map(word), l.data]),
        r.contractAddress,
        Uint8Array.from(Buffer.from(r.contractFullShardKey.toString(16).padStart(8, "0"), "hex")),
      ]),
    );
  const made: [ReturnType<typeof makeReceipt>, string][] = [];
  for (let i = 0; i < 400; i++) {
    // Every 50th log carries more data than a whole chunk of the receipts' buffer.
    const data = new Uint8Array(i % 50 === 7 ? 70_000 + i : i % 90).fill(i & 255);
    const logs = i % 3 === 0 ? [] : [{ address: addr(i & 255), topics: [BigInt(i), 2n ** 200n + BigInt(i)], data }];
    const gas = i === 5 ? 2n ** 60n : 21000n * BigInt(i);
    const r = makeReceipt(i % 4 !== 1, gas, logs, i % 5 === 0 ? addr(0x44) : new Uint8Array(0), i * 65537);
    made.push([r, reference(r)]);
  }
  const stale = made.filter(([r, expected]) => hex(encodeReceipt(r)) !== expected).length;
  t.equal(stale, 0, "400 receipts, each as rlp.encode(mk_receipt) after all were made");
  const { record } = encodeReceiptList(made.map(([r]) => r));
  t.equal(hex(record), hex(rlpEncode(made.map(([, e]) => Uint8Array.from(Buffer.from(e, "hex"))))));
  t.ok(
    made.every(([r]) => hex(r.bloom) === hex(logsBloom(r.logs))),
    "each bloom, a view into its encoding",
  );
});

t.test(
  "a topic met again is written from the memo's bytes: values alike as doubles, or in their low bits, stay apart",
  async (t) => {
    // Each group is one double (the memo's slot), the values in it distinct words.
    const pool = [
      0n,
      1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 64n,
      2n ** 64n + 1n,
      2n ** 159n + 5n,
      2n ** 255n,
      2n ** 255n + 1n,
      2n ** 255n + 2n ** 180n,
      2n ** 256n - 1n,
      2n ** 256n - 2n,
    ];
    let bad = 0;
    for (let i = 0; i < 600; i++) {
      const topics = [pool[i % pool.length]!, pool[(i * 7 + 3) % pool.length]!, pool[(i * 5) % pool.length]!];
      const data = Uint8Array.of(i & 255);
      const r = makeReceipt(true, 21000n, [{ address: addr(0x70 + (i % 3)), topics, data }], new Uint8Array(0), 0);
      const expected = rlpEncode([
        Uint8Array.of(1),
        rlpInt(21000n),
        Uint8Array.from(Buffer.from(referenceBloom([addr(0x70 + (i % 3)), ...topics.map(word)]), "hex")),
        [[addr(0x70 + (i % 3)), topics.map(word), data]],
        new Uint8Array(0),
        Uint8Array.of(0, 0, 0, 0),
      ]);
      if (hex(encodeReceipt(r)) !== hex(expected)) bad++;
      // and the bloom alone, by the other path, interleaved with the receipts
      if (hex(logsBloom(r.logs)) !== hex(r.bloom)) bad++;
    }
    t.equal(bad, 0, "600 receipts of 12 words in 3-topic logs, as rlp.encode(mk_receipt)");
  },
);
