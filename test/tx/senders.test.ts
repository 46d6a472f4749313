import t from "tap";
import type { TypedTransaction } from "../../src/messages/core.ts";
import { PARALLEL_MIN_TXS, recoverSendersAhead, senderOf, startSenderThreads } from "../../src/tx/senders.ts";
import { decodeEvmTransaction, encodeEvmTransaction, recoverSender } from "../../src/tx/transaction.ts";
import { addressOf, signTx, signer } from "../../harness/signers.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

// Threads used whatever the machine's load (without it they stand aside on a busy machine).
process.env["QKC_SENDER_THREADS"] ??= "1";

const hex = (b: Uint8Array | null): string => (b === null ? "null" : Buffer.from(b).toString("hex"));

/** A block's worth of transfers by random signers, some with signatures that recover nobody, one undecodable. */
function block(count: number, stream: string): { txs: TypedTransaction[]; want: Array<string | undefined> } {
  const random = makeRandom(stream);
  const txs: TypedTransaction[] = [];
  const want: Array<string | undefined> = [];
  for (let i = 0; i < count; i++) {
    const from = signer(`senders-${stream}`, random.int(1000));
    const typed = signTx(from, {
      gasprice: BigInt(random.int(1e9)),
      startgas: 21000n,
      to: addressOf(`to-${i}`),
      value: BigInt(random.int(1e9)) * 10n ** 9n,
      data: new Uint8Array(0),
      network_id: 3n,
      from_full_shard_key: 0,
      to_full_shard_key: 0,
      gas_token_id: 0x8bb0n,
      transfer_token_id: 0x8bb0n,
      version: 0n,
    });
    const tx = decodeEvmTransaction(typed.tx.serialized_tx);
    if (i === count - 3) {
      txs.push({ tx: { type: 0, serialized_tx: Uint8Array.of(0xc1, 0x80, 0x00) } } as TypedTransaction);
      want.push(undefined);
    } else if (i % 17 === 5) {
      // r = 0: Transaction.sender raises, so no sender
      txs.push({ tx: { type: 0, serialized_tx: encodeEvmTransaction({ ...tx, r: 0n }) } } as TypedTransaction);
      want.push("null");
    } else if (i % 17 === 9) {
      // a recovery id of 2: x = r + n, almost never on the curve; whatever in-place recovery says
      const odd = { ...tx, v: 29n };
      txs.push({ tx: { type: 0, serialized_tx: encodeEvmTransaction(odd) } } as TypedTransaction);
      want.push(hex(recoverSender(odd)));
    } else {
      txs.push(typed);
      want.push(hex(from.address));
    }
  }
  return { txs, want };
}

t.test(
  "a big block's senders, recovered on the sender threads, are the signers (and nobody where a signature fails)",
  async (t) => {
    reportSeedOnFailure(t);
    const threads = await startSenderThreads();
    t.ok(threads >= 0, `${threads} sender thread(s) ready`);
    const { txs, want } = block(3 * PARALLEL_MIN_TXS, "big");
    await recoverSendersAhead(txs);
    // A decoded stand-in that is NOT the transaction: only a sender recovered ahead answers for it.
    const stranger = decodeEvmTransaction(
      signTx(signer("senders-stranger", 0), { ...decodeEvmTransaction(txs[0]!.tx.serialized_tx), version: 0n }).tx
        .serialized_tx,
    );
    let ahead = 0;
    txs.forEach(({ tx }, i) => {
      if (want[i] === undefined) return; // undecodable: run_block reports it
      const got = hex(senderOf(tx.serialized_tx, stranger));
      if (got !== want[i]) t.fail(`tx ${i}: ${got}, want ${want[i]}`);
      else ahead++;
    });
    t.equal(ahead, txs.length - 1, "every decodable transaction's sender was recovered ahead, as in place");
  },
);

t.test("a small block is recovered in place: nothing to wait for, senderOf recovers", async (t) => {
  const { txs, want } = block(PARALLEL_MIN_TXS - 1, "small");
  t.equal(recoverSendersAhead(txs), undefined);
  txs.forEach(({ tx }, i) => {
    if (want[i] === undefined) return;
    t.equal(hex(senderOf(tx.serialized_tx, decodeEvmTransaction(tx.serialized_tx))), want[i], `tx ${i}`);
  });
});

t.test("blocks keep their order: a small block behind a big one waits for it", async (t) => {
  await startSenderThreads();
  const big = block(2 * PARALLEL_MIN_TXS, "order-big").txs;
  const small = block(3, "order-small").txs;
  const done: string[] = [];
  const first = recoverSendersAhead(big);
  const second = recoverSendersAhead(small);
  if (first === undefined) {
    t.equal(second, undefined, "no sender thread here: both in place");
    return;
  }
  t.ok(second, "the small block waits");
  await Promise.all([first.then(() => done.push("big")), second!.then(() => done.push("small"))]);
  t.same(done, ["big", "small"]);
});
