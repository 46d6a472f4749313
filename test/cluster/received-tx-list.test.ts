import t from "tap";
import { receivedTxListBytes } from "../../src/cluster/xshard/received-tx-list.ts";
import { encode } from "../../src/codec/index.ts";
import { AddXshardTxListRequest } from "../../src/messages/cluster.ts";
import { CrossShardTransactionList } from "../../src/messages/core.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

reportSeedOnFailure(t);

t.test("the received tx_list bytes are exactly the list's encoding, copied", async (t) => {
  const rand = makeRandom("received-tx-list");
  for (let i = 0; i < 200; i++) {
    const req = AddXshardTxListRequest.arbitrary(rand);
    const payload = encode(AddXshardTxListRequest, req);
    const got = receivedTxListBytes(payload, req.tx_list);
    if (!got) {
      t.fail(`request ${i} (${req.tx_list.tx_list.length} deposits): no bytes`);
      continue;
    }
    if (!Buffer.from(got).equals(encode(CrossShardTransactionList, req.tx_list))) {
      t.fail(`request ${i}: bytes differ from the encoding`);
    }
  }
  t.pass("200 random requests: the same bytes as encoding their lists");
  const req = AddXshardTxListRequest.arbitrary(rand);
  const payload = encode(AddXshardTxListRequest, req);
  const got = receivedTxListBytes(payload, req.tx_list)!;
  const before = Buffer.from(got);
  payload.fill(0xee);
  t.same(Buffer.from(got), before, "a copy: the received buffer may be reused");
});

t.test("bytes that are not what encoding gives are refused (the list is then encoded)", async (t) => {
  const rand = makeRandom("received-tx-list-refused");
  const req = AddXshardTxListRequest.arbitrary(rand);
  const payload = encode(AddXshardTxListRequest, req);
  t.equal(receivedTxListBytes(Buffer.concat([payload, Buffer.from([0])]), req.tx_list), undefined, "trailing bytes");
  const v2 = Buffer.from(payload);
  v2[v2.length - 1] = 2;
  t.equal(receivedTxListBytes(v2, req.tx_list), undefined, "a version other than 1 (encode forces 1)");
  t.equal(receivedTxListBytes(payload.subarray(1), req.tx_list), undefined, "too short");
});
