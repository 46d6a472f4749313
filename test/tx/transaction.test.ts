import t from "tap";
import type { Json } from "../../src/codec/codec.ts";
import { RlpDecodingError, rlpDecode, rlpEncode, type RlpItem } from "../../src/tx/rlp.ts";
import {
  decodeEvmTransaction,
  encodeEvmTransaction,
  evmTransactionJsonOrError,
  evmTransactionToJson,
  hashTyped,
  recoverSender,
  unsignedHash,
  type EvmTransaction,
} from "../../src/tx/transaction.ts";
import { fixturesMissing, loadFixture } from "../helpers/fixtures.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/^0x/, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const str = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "latin1"));

t.test("RLP vectors from the Ethereum RLP spec", async (t) => {
  const lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  const vectors: Array<[string, RlpItem, string]> = [
    ["dog", str("dog"), "83646f67"],
    ["[cat, dog]", [str("cat"), str("dog")], "c88363617483646f67"],
    ["empty string", new Uint8Array(0), "80"],
    ["empty list", [], "c0"],
    ["byte 0x00", hex("00"), "00"],
    ["byte 0x0f", hex("0f"), "0f"],
    ["byte 0x7f", hex("7f"), "7f"],
    ["byte 0x80 is wrapped", hex("80"), "8180"],
    ["0x0400", hex("0400"), "820400"],
    ["set-theoretic three", [[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"],
    ["56-byte string (long form)", str(lorem), "b838" + toHex(str(lorem))],
    ["55-byte string (short form)", new Uint8Array(55).fill(0xaa), "b7" + "aa".repeat(55)],
    ["1024-byte string", new Uint8Array(1024).fill(1), "b90400" + "01".repeat(1024)],
    ["list with 56-byte payload", [str(lorem.slice(0, 55))], "f838b7" + toHex(str(lorem.slice(0, 55)))],
    ["list with 55-byte payload", [str(lorem.slice(0, 54))], "f7b6" + toHex(str(lorem.slice(0, 54)))],
  ];
  for (const [name, item, encoded] of vectors) {
    t.equal(toHex(rlpEncode(item)), encoded, `encode ${name}`);
    t.strictSame(rlpDecode(hex(encoded)), item, `decode ${name}`);
  }
});

t.test("non-canonical and malformed RLP is rejected with the shim's messages", async (t) => {
  const bad: Array<[string, string]> = [
    ["", "Input too short"],
    ["8100", "Encoded as short string although single byte was possible"],
    ["817f", "Encoded as short string although single byte was possible"],
    ["b800", "Length starts with zero bytes"],
    ["b9004000", "Length starts with zero bytes"],
    ["b837" + "61".repeat(55), "Long string prefix used for short string"],
    ["f837" + "61".repeat(55), "Long list prefix used for short list"],
    ["f90037" + "61".repeat(55), "Length starts with zero bytes"],
    ["b9", "Truncated length-of-length"],
    ["b901", "Truncated length-of-length"],
    ["ff0102", "Truncated length-of-length"],
    ["83646f", "Payload longer than input"],
    ["b838" + "61".repeat(55), "Payload longer than input"],
    ["c2836f", "Payload longer than input"],
    ["c1826f67", "List payload length mismatch"],
    ["8000", "RLP string ends with 1 superfluous bytes"],
    ["c0c0c0", "RLP string ends with 2 superfluous bytes"],
  ];
  for (const [input, message] of bad) {
    t.throws(() => rlpDecode(hex(input)), { name: "DecodingError", message }, `0x${input.slice(0, 16)}: ${message}`);
  }
  let caught: unknown;
  try {
    rlpDecode(hex("c1"));
  } catch (e) {
    caught = e;
  }
  t.type(caught, RlpDecodingError, "errors are RlpDecodingError instances");
});

// A tx whose fields are all zero; pyquarkchain's `unsigned_hash` of it is in core.json too.
const ZERO_TX = "d78080808080808084000000008400000000808080808080";

t.test("EVM transaction sedes, as pyquarkchain (with the harness rlp shim) reports them", async (t) => {
  const cases: Array<[string, string]> = [
    [
      "d680808080808080840000000084000000008080808080",
      "ObjectDeserializationError: List length 14 does not match sedes 15",
    ],
    ["83616263", "ObjectDeserializationError: Can only deserialize sequences"],
    [
      "d982000180808080808084000000008400000000808080808080",
      "ObjectDeserializationError: Invalid serialization (not minimal length)",
    ],
    [
      "d7c080808080808084000000008400000000808080808080",
      "ObjectDeserializationError: Invalid serialization (not bytes)",
    ],
    [
      "d680808080808080830000018400000000808080808080",
      "ObjectDeserializationError: Invalid serialization (wrong size)",
    ],
    [
      "d780808080808080c4808080808400000000808080808080",
      "ObjectDeserializationError: Invalid serialization (not bytes)",
    ],
    [
      "d8808080808080808500000000008400000000808080808080",
      "ObjectDeserializationError: Invalid serialization (wrong size)",
    ],
    [
      "d7808080c080808084000000008400000000808080808080",
      "ObjectDeserializationError: Objects of type list cannot be deserialized",
    ],
    [
      "d88080808080c1618084000000008400000000808080808080",
      "ObjectDeserializationError: Objects of type list cannot be deserialized",
    ],
    [
      "ea808080930101010101010101010101010101010101010180808084000000008400000000808080808080",
      "ObjectDeserializationError: <class 'bytes'> has invalid length",
    ],
    [
      "f838a101000000000000000000000000000000000000000000000000000000000000000080808080808084000000008400000000808080808080",
      "InvalidTransaction: Values way too high!",
    ],
    ["df80808080808080840000000084000000008843a3163a810750748080808080", "InvalidTransaction: Values way too high!"],
    [ZERO_TX + "0000", "DecodingError: RLP string ends with 2 superfluous bytes"],
  ];
  for (const [input, error] of cases) {
    t.strictSame(evmTransactionJsonOrError(hex(input)), { _evm_tx_error: error }, error);
  }
  // TOKEN_ID_MAX itself is allowed.
  const maxToken = decodeEvmTransaction(hex("df80808080808080840000000084000000008843a3163a810750738080808080"));
  t.equal(maxToken.gas_token_id, 4873763662273663091n);
  t.equal(recoverSender(maxToken), null, "r = s = 0: unsigned");

  const zero = decodeEvmTransaction(hex(ZERO_TX));
  t.equal(toHex(encodeEvmTransaction(zero)), ZERO_TX, "shard keys re-encode as 4 bytes");
  t.equal(toHex(unsignedHash(zero)), "bfc6be4a4b0c28996355496601adb5bba4e52966ba695b4d2d7cfa2a60fe6689");
  t.throws(() => encodeEvmTransaction({ ...zero, from_full_shard_key: 2 ** 32 }), { name: "ObjectSerializationError" });
  t.throws(() => encodeEvmTransaction({ ...zero, to: new Uint8Array(19) }), { name: "ObjectSerializationError" });
  t.throws(() => encodeEvmTransaction({ ...zero, nonce: -1n }), { name: "ObjectSerializationError" });
});

t.test("version 1 (typed data): pyquarkchain's tests/test_solidity_abi.py vector", async (t) => {
  const tx: EvmTransaction = {
    nonce: 0x0dn,
    gasprice: 0x02540be400n,
    startgas: 0x7530n,
    to: hex("314b2cd22c6d26618ce051a58c65af1253aecbb8"),
    value: 0x056bc75e2d63100000n,
    data: new Uint8Array(0),
    network_id: 3n,
    from_full_shard_key: 0xc47decfd,
    to_full_shard_key: 0xc49c1950,
    gas_token_id: 0x0111n,
    transfer_token_id: 0x0222n,
    version: 1n,
    v: 0x1bn,
    r: 0xb5145678e43df2b7ea8e0e969e51dbf72c956dd52e234c95393ad68744394855n,
    s: 0x44515b465dbbf746a484239c11adb98f967e35347e17e71b84d850d8e5c38a6an,
  };
  const typed = "e768719d0a211ffb0b7f9c7bc6af9286136b3dd8b6be634a57dc9d6bee35b492";
  t.equal(toHex(hashTyped(tx)), typed);
  t.equal(toHex(unsignedHash(tx)), typed, "version 1 signs the typed-data hash");
  t.equal(toHex(recoverSender(tx)!), "2e6144d0a4786e6f62892eee59c24d1e81e33272");
  const back = decodeEvmTransaction(encodeEvmTransaction(tx));
  t.strictSame({ ...back }, tx, "round trip (its fields)");
  const asV0 = recoverSender({ ...tx, version: 0n });
  t.ok(asV0 && toHex(asV0) !== "2e6144d0a4786e6f62892eee59c24d1e81e33272", "as version 0 it recovers another key");
  t.equal(recoverSender({ ...tx, v: 0x1fn }), null, "recovery id 4");
  t.equal(recoverSender({ ...tx, version: 3n }), null, "versions above 2 have no sender");
  t.equal(recoverSender({ ...tx, network_id: 1n << 256n }), null, "typed data cannot pack network_id >= 2^256");
});

interface EvmTxRecord {
  type: string;
  case: string;
  value: Record<string, Json>;
  payload_hex: string;
  unsigned_hash: string;
}

t.test("core.json EvmTransaction records", { skip: fixturesMissing("pyquarkchain/core.json") }, async (t) => {
  const records = loadFixture<EvmTxRecord>("pyquarkchain/core.json").records.filter((r) => r.type === "EvmTransaction");
  t.ok(records.length >= 5, `${records.length} records`);
  for (const r of records) {
    const raw = hex(r.payload_hex);
    const tx = decodeEvmTransaction(raw);
    t.strictSame(evmTransactionToJson(tx), r.value, `${r.case}: fields and _sender`);
    t.equal(toHex(encodeEvmTransaction(tx)), r.payload_hex, `${r.case}: re-encodes`);
    t.equal("0x" + toHex(unsignedHash(tx)), r.unsigned_hash, `${r.case}: unsigned_hash`);
    const sender = recoverSender(tx);
    t.equal(sender === null ? null : "0x" + toHex(sender), r.value["_sender"], `${r.case}: sender`);
  }
});

/** Every object that carries a serialized_tx with its rendered `_evm_tx` or `_evm_tx_error`. */
function* renderedEvmTxs(node: Json): Generator<{ [key: string]: Json }> {
  if (Array.isArray(node)) {
    for (const x of node) yield* renderedEvmTxs(x);
  } else if (node !== null && typeof node === "object") {
    if (typeof node["serialized_tx"] === "string" && ("_evm_tx" in node || "_evm_tx_error" in node)) yield node;
    for (const x of Object.values(node)) yield* renderedEvmTxs(x);
  }
}

for (const file of ["core.json", "cluster.json", "p2p.json", "malformed.json"]) {
  const skip = fixturesMissing(`pyquarkchain/${file}`);
  t.test(`${file}: _evm_tx / _evm_tx_error inside TypedTransactions`, { skip }, async (t) => {
    const records = loadFixture<Json>(`pyquarkchain/${file}`).records;
    let n = 0;
    for (const node of renderedEvmTxs(records)) {
      const want = "_evm_tx" in node ? { _evm_tx: node["_evm_tx"]! } : { _evm_tx_error: node["_evm_tx_error"]! };
      t.strictSame(evmTransactionJsonOrError(hex(node["serialized_tx"] as string)), want, `tx #${n++}`);
    }
    t.ok(n > 0, `${n} rendered EVM transactions`);
  });
}

t.test("malformed.json to_evm_tx outcomes", { skip: fixturesMissing("pyquarkchain/malformed.json") }, async (t) => {
  type Rec = {
    case: string;
    to_evm_tx?: { outcome: string; error: { type: string; message: string } | null };
    decoded_value?: Json;
  };
  const records = loadFixture<Rec>("pyquarkchain/malformed.json").records.filter((r) => r.to_evm_tx);
  t.ok(records.length > 0);
  for (const r of records) {
    const [node] = [...renderedEvmTxs(r.decoded_value ?? null)];
    const raw = hex(node!["serialized_tx"] as string);
    if (r.to_evm_tx!.outcome === "raise") {
      const { type, message } = r.to_evm_tx!.error!;
      t.throws(() => decodeEvmTransaction(raw), { name: type, message }, r.case);
    } else {
      t.doesNotThrow(() => decodeEvmTransaction(raw), r.case);
    }
  }
});
