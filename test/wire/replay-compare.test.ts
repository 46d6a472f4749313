/** The replayer's comparison and transcript reading, without a slave. */
import t from "tap";
import { bytesDiff, compareExchange, firstDifference, requestsDiff } from "../../src/wire/replay/compare.ts";
import {
  type Exchange,
  type RecordedFrame,
  TranscriptError,
  configWithPort,
  parseTranscript,
} from "../../src/wire/replay/transcript.ts";

const hex = (s: string): Buffer => Buffer.from(s, "hex");
const frame = (op: number, payload: string, branch = 0, clusterPeerId = 0n): RecordedFrame => ({
  op,
  branch,
  clusterPeerId,
  payload: hex(payload),
});
const HEADER = 145; // ADD_MINOR_BLOCK_HEADER_REQUEST

t.test("byte differences: where, and a window around it", async (t) => {
  t.equal(firstDifference(hex("0102"), hex("0102")), -1);
  t.equal(firstDifference(hex("010203"), hex("010303")), 1);
  t.equal(firstDifference(hex("0102"), hex("010203")), 2, "a prefix differs where the shorter ends");
  t.equal(bytesDiff(hex("00"), hex("00")), null);
  t.equal(bytesDiff(hex("00000000"), hex("0000000e")), "at byte 3 (4 bytes): expected 00000000, got 0000000e");
  const long = Buffer.alloc(40);
  const other = Buffer.from(long);
  other[20] = 0xab;
  t.equal(
    bytesDiff(long, other),
    "at byte 20 (40 bytes): expected …00000000000000000000000000000000…, got …0000000000000000ab00000000000000…",
  );
  t.equal(bytesDiff(hex("0102"), hex("01")), "at byte 1 (expected 2 bytes, got 1): expected 0102, got 01");
});

t.test("the slave's requests are a multiset: order ignored, duplicates counted", async (t) => {
  const a = frame(HEADER, "aa");
  const b = frame(HEADER, "bb");
  t.equal(requestsDiff([a, b], [b, a]), null, "order is not compared");
  t.equal(requestsDiff([a, a], [a]), "missing ADD_MINOR_BLOCK_HEADER_REQUEST (meta 0/0, 1 bytes)");
  t.equal(requestsDiff([a], [a, a]), "unexpected ADD_MINOR_BLOCK_HEADER_REQUEST (meta 0/0, 1 bytes)");
  t.equal(
    requestsDiff([a, b], [a, frame(HEADER, "bc")]),
    "ADD_MINOR_BLOCK_HEADER_REQUEST payload at byte 0 (1 bytes): expected bb, got bc",
  );
  t.equal(requestsDiff([a], [frame(HEADER, "aa", 2)]), "ADD_MINOR_BLOCK_HEADER_REQUEST meta expected 0/0, got 2/0");
  t.equal(
    requestsDiff([a], [frame(187, "aa")]),
    "missing ADD_MINOR_BLOCK_HEADER_REQUEST (meta 0/0, 1 bytes), unexpected ADD_MINOR_BLOCK_HEADER_LIST_REQUEST (meta 0/0, 1 bytes)",
  );
});

t.test("an exchange: response op, meta, payload and the slave's requests, each reported", async (t) => {
  const ex: Exchange = {
    n: 3,
    kind: "block",
    op: 151,
    opName: "ADD_MINOR_BLOCK_REQUEST",
    request: hex("00"),
    response: frame(152, "00000000"),
    slaveRequests: [frame(HEADER, "aa")],
  };
  t.same(compareExchange(ex, { response: frame(152, "00000000"), slaveFrames: [frame(HEADER, "aa")] }), []);
  t.same(
    compareExchange(ex, { response: frame(150, "0000000e", 0, 7n), slaveFrames: [] }).map((m) => m.kind),
    ["response op", "response meta", "response payload", "slave requests"],
  );
  t.same(compareExchange(ex, { response: undefined, slaveFrames: [frame(HEADER, "aa")], lost: "gone" }), [
    { kind: "no response", detail: "gone" },
  ]);
});

// Written out: a JS number could not hold the amount.
const config = '{"SLAVE_LIST":[{"ID":"S0","PORT":38000}],"ALLOC":120000000000000000001}';

function transcript(exchanges: unknown[]): string {
  return JSON.stringify({
    format: "qkc-exec-transcript/1",
    slave_id: "S0",
    cluster_config_json: config,
    master_answers: { "145": { op: 146, payload: "00" } },
    exchanges,
  });
}

const ping = {
  n: 0,
  kind: "setup",
  op: 129,
  request: "00",
  response: { op: 130, meta: [0, 0], payload: "" },
  slave_requests: [{ op: 145, meta: [0, 18446744073709551615n.toString()], payload: "ab" }],
};

t.test("a transcript is read losslessly; a bad one names the field", async (t) => {
  const withPeer = transcript([ping]).replace('"18446744073709551615"', "18446744073709551615");
  const tr = parseTranscript(withPeer, "x.json");
  t.equal(tr.exchanges[0]!.slaveRequests[0]!.clusterPeerId, 2n ** 64n - 1n, "u64 metas stay exact");
  t.same([...tr.masterAnswers.keys()], [145]);

  const bad = (exchanges: unknown[], why: string | RegExp): void => {
    t.throws(() => parseTranscript(transcript(exchanges), "x.json"), { name: "TranscriptError", message: why });
  };
  bad([{ ...ping, n: 1 }], "x.json: exchanges[0].n: expected 0 (exchanges are listed in the order of play)");
  bad([{ ...ping, kind: "mine" }], "x.json: exchanges[0].kind: expected one of setup, block, pool, query, got mine");
  bad([{ ...ping, op: 130 }], "x.json: exchanges[0].op: 130 is not a cluster request op");
  bad([{ ...ping, response: { op: 130, meta: [0], payload: "" } }], "x.json: exchanges[0].response.meta: expected");
  bad([{ ...ping, request: "abc" }], "x.json: exchanges[0].request: expected lowercase hex of whole bytes, no 0x");
  bad([], "x.json: exchanges: empty");
  t.throws(
    () => parseTranscript('{"format": "other"}', "y.json"),
    new TranscriptError("y.json: format: expected qkc-exec-transcript/1, got other"),
  );
});

t.test("the config is written back with the new port and everything else as it was", async (t) => {
  t.equal(
    configWithPort(config, "S0", 41234),
    '{"SLAVE_LIST":[{"ID":"S0","PORT":41234}],"ALLOC":120000000000000000001}',
    "amounts above 2^53 unchanged",
  );
  t.throws(() => configWithPort(config, "S9", 1), { message: /no entry with ID "S9"/ });
});
