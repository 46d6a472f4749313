import t from "tap";
import {
  type EvmTransaction,
  decodeEvmTransaction,
  decodeEvmTransactionItems,
  encodeEvmTransaction,
  recoverSender,
  unsignedHash,
} from "../../src/tx/transaction.ts";
import { WireTransaction, intAt, scratchTxLayout, txLayout, txLayoutInto } from "../../src/tx/tx-layout.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";
import { signTx, signer } from "../../harness/signers.ts";

const hex = (b: Uint8Array | null): string => (b === null ? "null" : Buffer.from(b).toString("hex"));

/** A field value's JSON-ish rendering, so both decoders' answers compare as text. */
const show = (tx: EvmTransaction): string =>
  JSON.stringify(tx, (_, v) => (typeof v === "bigint" ? `n${v}` : v instanceof Uint8Array ? hex(v) : v));

function outcome(decode: (b: Uint8Array) => EvmTransaction, bytes: Uint8Array): string {
  try {
    return show(decode(bytes));
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

t.test(
  "the one-pass reader decodes exactly what the generic decoder does, values and errors, on mutated transactions",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("tx-layout");
    const int = (): bigint =>
      random.pick([0n, 1n, 0x7fn, 0x80n, 0xffn, BigInt(random.int(2 ** 48)), 1n << 255n, (1n << 256n) + 5n]);
    let fast = 0;
    const cases = 4000;
    for (let i = 0; i < cases; i++) {
      const tx: EvmTransaction = {
        nonce: int(),
        gasprice: int(),
        startgas: int(),
        to: random.pick([new Uint8Array(0), random.bytes(20)]),
        value: int(),
        data: random.bytes(random.pick([0, 1, 55, 56, 300])),
        network_id: int(),
        from_full_shard_key: random.u32(),
        to_full_shard_key: random.u32(),
        gas_token_id: random.pick([0n, 0x8bb0n, 4873763662273663092n]),
        transfer_token_id: random.pick([0n, 0x8bb0n]),
        version: random.pick([0n, 1n, 2n, 3n]),
        v: int(),
        r: int(),
        s: int(),
      };
      let bytes = encodeEvmTransaction(tx);
      switch (random.int(6)) {
        case 0: // a random byte changed
          bytes[random.int(bytes.length)] = random.int(256);
          break;
        case 1: // truncated
          bytes = bytes.slice(0, random.int(bytes.length));
          break;
        case 2: // a byte too many
          bytes = Uint8Array.of(...bytes, random.int(256));
          break;
        default:
      }
      const a = outcome(decodeEvmTransaction, bytes);
      const b = outcome(decodeEvmTransactionItems, bytes);
      if (a !== b) return t.fail(`case ${i}: ${hex(bytes)}\n one pass: ${a}\n generic:  ${b}`);
      // txLayout (what the sender threads read) takes exactly the bytes the one-pass reader takes.
      const layout = txLayout(bytes);
      const wire = WireTransaction.read(bytes);
      if ((layout !== undefined) !== (wire !== undefined))
        return t.fail(`case ${i}: txLayout and the one-pass reader disagree on ${hex(bytes)}`);
      if (layout !== undefined && intAt(bytes, layout.starts[13]!, layout.ends[13]!) !== wire!.r)
        return t.fail(`case ${i}: r off the layout`);
      if (!a.startsWith("{")) continue;
      fast++;
      // The unsigned hash off the signed bytes is the re-encoded one (a copy has no layout).
      const decoded = decodeEvmTransaction(bytes);
      if (decoded.version !== 1n || decoded.network_id < 1n << 256n) {
        const window = hex(unsignedHash(decoded));
        const encoded = hex(unsignedHash({ ...decoded }));
        if (window !== encoded) return t.fail(`case ${i}: unsigned hash ${window}, re-encoded ${encoded}`);
      }
    }
    t.ok(fast > cases / 6, `${fast} of ${cases} decoded, every outcome the generic one`);
  },
);

t.test("senders recovered off the signed bytes are the signers, versions 0 and 2", async (t) => {
  for (let i = 0; i < 40; i++) {
    const from = signer("tx-layout", i);
    const typed = signTx(from, {
      gasprice: 1n,
      startgas: 21000n,
      to: new Uint8Array(20).fill(i),
      value: BigInt(i) << 200n,
      data: new Uint8Array(i * 3),
      network_id: 3n,
      from_full_shard_key: i,
      to_full_shard_key: 0,
      gas_token_id: 0x8bb0n,
      transfer_token_id: 0x8bb0n,
      version: 0n,
    });
    const tx = decodeEvmTransaction(typed.tx.serialized_tx);
    t.equal(hex(recoverSender(tx)), hex(from.address), `signer ${i}`);
    t.equal(hex(recoverSender({ ...tx })), hex(from.address), `signer ${i}, from the values`);
  }
  // Version 2 (EIP-155): the preimage is the first 7 fields, then rlp(0), rlp(0).
  const v2: EvmTransaction = {
    ...decodeEvmTransaction(
      signTx(signer("tx-layout", 99), {
        gasprice: 1n,
        startgas: 21000n,
        to: new Uint8Array(20),
        value: 1n,
        data: new Uint8Array(0),
        network_id: 7n,
        from_full_shard_key: 0,
        to_full_shard_key: 0,
        gas_token_id: 0n,
        transfer_token_id: 0n,
        version: 2n,
      }).tx.serialized_tx,
    ),
  };
  t.equal(hex(unsignedHash(decodeEvmTransaction(encodeEvmTransaction(v2)))), hex(unsignedHash(v2)));
});

t.test("integers read off the bytes are the big-endian values, every length up to 40", async (t) => {
  const random = makeRandom("intAt");
  const raw = Uint8Array.from({ length: 64 }, () => random.int(256));
  raw[0] = raw[8] = raw[20] = 0; // leading zeros too
  let same = 0;
  let total = 0;
  for (let start = 0; start < 24; start++)
    for (let end = start; end <= start + 40; end++) {
      const expected = end === start ? 0n : BigInt("0x" + hex(raw.subarray(start, end)));
      total++;
      if (intAt(raw, start, end) === expected) same++;
      else t.fail(`intAt(${start}, ${end}) = ${intAt(raw, start, end)}, expected ${expected}`);
    }
  t.equal(same, total);
});

t.test(
  "one scratch layout read again and again (the sender threads') holds each transaction's own bounds",
  async (t) => {
    const random = makeRandom("txLayoutInto");
    // Transactions whose items lie at different offsets (data of every prefix size), and bytes refused.
    const txs = Array.from({ length: 60 }, (_, i) =>
      encodeEvmTransaction({
        nonce: BigInt(random.int(2 ** 40)),
        gasprice: BigInt(random.int(1e9)),
        startgas: 21000n,
        to: i % 7 === 0 ? new Uint8Array(0) : random.bytes(20),
        value: BigInt(random.int(1e9)) << BigInt(random.int(200)),
        data: random.bytes([0, 1, 54, 300, 70000][i % 5]!),
        network_id: BigInt(random.int(300)),
        from_full_shard_key: random.u32(),
        to_full_shard_key: random.u32(),
        gas_token_id: 0x8bb0n,
        transfer_token_id: 0x8bb0n,
        version: BigInt(i % 3),
        v: 27n + BigInt(i % 2),
        r: BigInt(random.int(2 ** 48)) << 200n,
        s: BigInt(1 + random.int(1000)),
      }),
    );
    const fresh = txs.map((raw) => {
      const l = txLayout(raw)!;
      return [raw, [...l.heads], [...l.starts], [...l.ends]] as const;
    });
    const scratch = scratchTxLayout();
    for (let round = 0; round < 300; round++) {
      const [raw, heads, starts, ends] = random.pick(fresh);
      t.ok(txLayoutInto(raw, scratch));
      // A refused transaction (truncated, or a byte too many) leaves the last layout as it was.
      t.notOk(txLayoutInto(raw.subarray(0, raw.length - 1 - random.int(5)), scratch));
      t.notOk(txLayoutInto(Uint8Array.of(...raw, 0), scratch));
      const same =
        scratch.raw === raw &&
        [...scratch.heads].join() === heads.join() &&
        [...scratch.starts].join() === starts.join() &&
        [...scratch.ends].join() === ends.join();
      if (!same) return t.fail(`round ${round}: the scratch layout is not the transaction's own`);
    }
  },
);
