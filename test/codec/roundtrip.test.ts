import t from "tap";
import {
  type Codec,
  DecodeError,
  EncodeError,
  type Json,
  decode,
  decodePrefix,
  encode,
} from "../../src/codec/index.ts";
import { type MessageCodec, messageTypes, opTables } from "../../src/messages/registry.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/**
 * Property tests over every Serializable we declare: whatever value the schema can hold,
 * bytes → value → bytes is the identity, JSON → value → JSON too, and cutting the bytes
 * short anywhere is a clean "truncated". The values are seeded (QKC_SEED) and bounded.
 */

reportSeedOnFailure(t);

const VALUES_PER_TYPE = 50;
const TRUNCATED_VALUES_PER_TYPE = 4; // every prefix of a value is tried, so keep this small
const MAX_PREFIXES = 400; // beyond this length, a spread of prefix lengths (always incl. the edges)

/** quarkchain/core.py: the core classes, plus the two frame metadata classes of cluster/protocol.py. */
const CORE_TYPES = [
  "Address",
  "Branch",
  "ClusterMetadata",
  "CrossShardTransactionDeposit",
  "CrossShardTransactionList",
  "HashList",
  "Log",
  "MinorBlock",
  "MinorBlockHeader",
  "MinorBlockMeta",
  "P2PMetadata",
  "RootBlock",
  "RootBlockHeader",
  "SerializedEvmTransaction",
  "TokenBalanceMap",
  "TransactionReceipt",
  "TypedTransaction",
  "XshardTxCursorInfo",
];

/** Helper classes of rpc.py and p2p_commands.py that are fields of messages, never a payload themselves. */
const HELPER_TYPES = [
  "AccountBranchData",
  "ArtificialTxConfig",
  "EcoInfo",
  "HeadersInfo",
  "MinorBlockExtraInfo",
  "RootBlockSychronizerStats", // sic: pyquarkchain's spelling
  "ShardStats",
  "SlaveInfo",
  "TransactionDetail",
  "PeerInfo",
];

/** What a call threw, as "DecodeError truncated", or "no error". */
function failure(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (e) {
    if (e instanceof EncodeError || e instanceof DecodeError) return `${e.name} ${e.kind}`;
    return `unexpected ${String(e)}`;
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const hexOf = (b: Uint8Array, max = 160): string => {
  const h = Buffer.from(b).toString("hex");
  return h.length > max ? `${h.slice(0, max)}… (${b.length} bytes)` : h;
};

t.test("the registry holds every class of the protocol", async (t) => {
  for (const name of [...CORE_TYPES, ...HELPER_TYPES]) t.ok(messageTypes.has(name), `${name} is registered`);
  t.ok(CORE_TYPES.length + HELPER_TYPES.length >= 28, "core and helper classes: 18 + 10");

  const clusterPayloads = new Set(opTables.cluster.entries().map((e) => e.message));
  const p2pPayloads = new Set(opTables.p2p.entries().map((e) => e.message));
  t.equal(clusterPayloads.size, 67, "67 cluster ops, each with its own class");
  // p2p ops 6/17 and 12/20 share a response class, and PING/PONG share PingPongCommand.
  t.equal(p2pPayloads.size, 18, "21 p2p ops over 18 classes");
  for (const m of [...clusterPayloads, ...p2pPayloads]) {
    t.equal(messageTypes.get(m.name), m, `op payload ${m.name} is the registered class`);
  }

  const known = new Set([...CORE_TYPES, ...HELPER_TYPES, ...[...clusterPayloads, ...p2pPayloads].map((m) => m.name)]);
  const stray = [...messageTypes.keys()].filter((n) => !known.has(n));
  t.same(stray, [], "every registered class is an op payload or a known core/helper class");
  t.equal(messageTypes.size, known.size, `${known.size} classes in all`);

  // Every class named inside a field's schema (list(…, X), optional(X), enum(…0:X)) is registered too.
  const unregistered = new Set<string>();
  for (const codec of messageTypes.values()) {
    for (const [, field] of codec.fields) {
      for (const word of field.schema.match(/\b[A-Z][A-Za-z0-9]*\b/g) ?? []) {
        if (!messageTypes.has(word)) unregistered.add(`${codec.name}: ${word}`);
      }
    }
  }
  t.same([...unregistered], [], "no field refers to an unregistered class");
});

t.test("op tables: 67 cluster ops, 21 p2p ops, responses at request + 1", async (t) => {
  const cluster = opTables.cluster.entries();
  const p2p = opTables.p2p.entries();
  t.same(
    cluster.map((e) => e.op).sort((a, b) => a - b),
    range(129, 196).filter((op) => op !== 156),
    "cluster ops are 129..196 without 156 (DESTROY has no response)",
  );
  t.same(
    p2p.map((e) => e.op).sort((a, b) => a - b),
    range(0, 20),
    "p2p ops are 0..20",
  );

  for (const table of [opTables.cluster, opTables.p2p]) {
    const answered = new Set<number>();
    for (const e of table.entries()) {
      if (e.kind !== "request") {
        t.equal(e.responseOp, undefined, `${table.family} ${e.name} (${e.kind}) has no response op`);
        continue;
      }
      t.equal(e.responseOp, e.op + 1, `${table.family} ${e.name} is answered by op ${e.op + 1}`);
      t.equal(table.byOp(e.op + 1)?.kind, "response", `${table.family} op ${e.op + 1} is a response`);
      answered.add(e.op + 1);
      t.equal(table.byName(e.name), e, `${e.name} is found by name`);
    }
    const orphans = table
      .entries()
      .filter((e) => e.kind === "response" && !answered.has(e.op))
      .map((e) => e.name);
    t.same(orphans, [], `every ${table.family} response answers a request`);
  }

  const commands = (entries: typeof cluster) => entries.filter((e) => e.kind === "command").map((e) => e.op);
  t.same(commands(cluster), [155], "DESTROY_CLUSTER_PEER_CONNECTION_COMMAND is the only cluster command");
  t.same(commands(p2p), [0, 1, 2, 13, 14, 15, 18], "p2p commands: HELLO, NEW_* and PING/PONG");
  t.equal(opTables.cluster.byOp(156), undefined, "op 156 is unused");
  t.equal(opTables.cluster.byOp(128), undefined, "op 128 (CLUSTER_OP_BASE) is not an op");
  t.equal(opTables.p2p.byOp(21), undefined, "p2p op 21 does not exist");
});

/**
 * The checks for one value. Returns what went wrong (empty when all is well). The JSON
 * goes through text so that only real JSON (no bigint, no Buffer) survives.
 */
function checkValue(codec: MessageCodec, value: unknown): string[] {
  const c = codec as Codec<unknown>;
  const problems: string[] = [];
  const bytes = encode(c, value);
  const { value: decoded, consumed } = decodePrefix(c, bytes);
  if (consumed !== bytes.length) problems.push(`decoding consumed ${consumed} of ${bytes.length} bytes`);
  const again = encode(c, decoded);
  if (!again.equals(bytes)) problems.push(`re-encoding changed the bytes: ${hexOf(bytes)} → ${hexOf(again)}`);

  const text = JSON.stringify(c.toJson(value));
  if (JSON.stringify(c.toJson(decoded)) !== text) problems.push(`the decoded value renders differently: ${text}`);
  const fromJson = c.fromJson(JSON.parse(text) as Json);
  const viaJson = encode(c, fromJson);
  if (!viaJson.equals(bytes)) problems.push(`JSON round trip changed the bytes: ${hexOf(bytes)} → ${hexOf(viaJson)}`);
  if (JSON.stringify(c.toJson(fromJson)) !== text) problems.push(`JSON round trip changed the JSON: ${text}`);
  return problems;
}

/** Prefix lengths to try: all of them for short values, else the edges plus an even spread. */
function prefixLengths(length: number): number[] {
  if (length <= MAX_PREFIXES) return range(0, length - 1);
  const step = Math.ceil(length / MAX_PREFIXES);
  const picks = new Set([...range(0, 64), ...range(length - 64, length - 1)]);
  for (let n = 0; n < length; n += step) picks.add(n);
  return [...picks].sort((a, b) => a - b);
}

for (const [name, codec] of messageTypes) {
  t.test(name, async (t) => {
    const rand = makeRandom(`roundtrip:${name}`);
    const values = Array.from({ length: VALUES_PER_TYPE }, () => codec.arbitrary(rand));

    const problems: string[] = [];
    values.forEach((v, i) => problems.push(...checkValue(codec, v).map((p) => `value #${i}: ${p}`)));
    t.same(problems.slice(0, 5), [], `${VALUES_PER_TYPE} random values survive bytes and JSON round trips`);

    t.same(checkValue(codec, codec.zero()), [], "zero() survives the round trips");

    const notTruncated: string[] = [];
    for (const v of values.slice(0, TRUNCATED_VALUES_PER_TYPE)) {
      const bytes = encode(codec, v);
      for (const n of prefixLengths(bytes.length)) {
        const got = failure(() => decode(codec, bytes.subarray(0, n)));
        if (got !== "DecodeError truncated") notTruncated.push(`${hexOf(bytes)} cut at ${n}: ${got}`);
      }
    }
    t.same(notTruncated.slice(0, 5), [], "any cut short encoding is DecodeError truncated");
  });
}
