import t from "tap";
import type { TypedTransaction } from "../../src/messages/core.ts";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { CLAIMED, DONE, NO_SENDER, SenderJob, UNCLAIMED, UNDECODABLE, recoverJob } from "../../src/tx/sender-worker.ts";
import { addressKeccak, hasAddressKeccak } from "../../src/crypto/address-keccak.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { encode } from "../../src/codec/index.ts";
import { merkleRoot } from "../../src/backend/chain/block-rules.ts";
import { TypedTransaction as TypedTransactionCodec, typedTransactionHash } from "../../src/messages/core.ts";
import {
  PARALLEL_MIN_TXS,
  postToSenderThread,
  recoverSendersAhead,
  txHashesAhead,
  senderOf,
  startSenderThreads,
  stopSenderThreads,
} from "../../src/tx/senders.ts";
import { decodeEvmTransaction, encodeEvmTransaction, recoverSender } from "../../src/tx/transaction.ts";
import { addressOf, signTx, signer } from "../../harness/signers.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

// One sender thread, whatever the machine (a 1-core machine has none by default).
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

/** In-place recovery's answer for each transaction, by the decoded transaction itself. */
function inPlace(txs: readonly TypedTransaction[], want: ReadonlyArray<string | undefined>): void {
  txs.forEach(({ tx }, i) => {
    if (want[i] === undefined) return; // undecodable: run_block reports it before it asks
    const got = hex(senderOf(tx.serialized_tx, decodeEvmTransaction(tx.serialized_tx)));
    if (got !== want[i]) throw new Error(`tx ${i}: ${got}, want ${want[i]}`);
  });
}

const states = (job: SenderJob): number[] => Array.from(job.states);

/** Until the threads have settled every transaction of `job` (or `enough` of them). */
async function settled(job: SenderJob, enough = job.count): Promise<void> {
  while (states(job).filter((s) => s !== UNCLAIMED && s !== CLAIMED).length < enough)
    await new Promise((resolve) => setTimeout(resolve, 2));
}

t.test("a block's senders recovered on a sender thread are the signers (nobody where a signature fails)", async (t) => {
  reportSeedOnFailure(t);
  t.equal(await startSenderThreads(), 1, "one sender thread ready");
  const { txs, want } = block(3 * 48, "big");
  const job = recoverSendersAhead(txs);
  if (job === undefined) return t.fail("the block did not go to the thread");
  await settled(job);
  t.equal(states(job)[txs.length - 3], UNDECODABLE, "the undecodable transaction is left to run_block");
  t.ok(states(job).includes(NO_SENDER), "signatures that recover nobody: no sender");
  // A decoded stand-in that is NOT the transaction: only a sender the thread wrote answers for it.
  const stranger = decodeEvmTransaction(
    signTx(signer("senders-stranger", 0), { ...decodeEvmTransaction(txs[0]!.tx.serialized_tx), version: 0n }).tx
      .serialized_tx,
  );
  let fromThread = 0;
  txs.forEach(({ tx }, i) => {
    if (want[i] === undefined) return;
    const got = hex(senderOf(tx.serialized_tx, stranger));
    if (got !== want[i]) t.fail(`tx ${i}: ${got}, want ${want[i]}`);
    else fromThread++;
  });
  t.equal(fromThread, txs.length - 1, "every decodable transaction's sender came from the thread, as in place");
});

t.test(
  "run_block takes senders while the thread recovers them: the main thread steals what is unclaimed",
  async (t) => {
    await startSenderThreads();
    const { txs, want } = block(400, "race");
    const job = recoverSendersAhead(txs);
    t.ok(job, "the block went to the thread");
    inPlace(txs, want); // at once: some by the thread, some here, some waited for
    t.notOk(
      states(job!).some((s, i) => (s === UNCLAIMED || s === CLAIMED) && want[i] !== undefined),
      "every transaction asked for is settled",
    );
  },
);

t.test("a transaction claimed by a thread that stopped is recovered in place after a bounded wait", async (t) => {
  await startSenderThreads();
  const { txs, want } = block(1500, "stalled");
  const job = recoverSendersAhead(txs)!;
  job.cancel(); // the thread takes nothing more ...
  const last = txs.length - 1;
  t.ok(job.claim(last), "... and the last transaction is claimed as by a thread that then died");
  t.equal(hex(senderOf(txs[last]!.tx.serialized_tx, decodeEvmTransaction(txs[last]!.tx.serialized_tx))), want[last]);
  t.equal(states(job)[last], want[last] === "null" ? NO_SENDER : DONE, "written back: a second run does not wait");
  inPlace(txs, want);
});

t.test(
  "a thread killed mid-block: the block's senders are still every signer, and a new thread serves the next",
  async (t) => {
    await startSenderThreads();
    const { txs, want } = block(1500, "killed");
    const job = recoverSendersAhead(txs)!;
    await settled(job, 20);
    await stopSenderThreads();
    t.ok(states(job).filter((s) => s === UNCLAIMED).length > 0, "killed before the end of the block");
    inPlace(txs, want);
    t.equal(await startSenderThreads(), 1, "a new thread");
    const next = block(100, "after-kill");
    const nextJob = recoverSendersAhead(next.txs)!;
    await settled(nextJob);
    inPlace(next.txs, next.want);
  },
);

t.test(
  "blocks are recovered in the order posted; one that never runs is cancelled once a later one runs",
  async (t) => {
    await startSenderThreads();
    const skipped = block(1500, "skipped");
    const runs = block(60, "runs");
    const first = recoverSendersAhead(skipped.txs)!;
    const second = recoverSendersAhead(runs.txs)!;
    inPlace(runs.txs.slice(0, 1), runs.want);
    t.ok(Atomics.load(first.next, 0) >= first.count, "the thread claims nothing more of the block that was overtaken");
    inPlace(runs.txs, runs.want);
    await settled(second, second.count - 1); // the thread went on to it (its undecodable one too)
    inPlace(skipped.txs, skipped.want); // a block overtaken that runs after all is recovered in place
  },
);

t.test(
  "a block posted twice (as sync's download, then its batch): the later job answers; the first, overtaken, forgets only its own",
  async (t) => {
    await startSenderThreads();
    const { txs, want } = block(120, "twice");
    const first = recoverSendersAhead(txs)!;
    const second = recoverSendersAhead(txs)!;
    t.not(first, second);
    inPlace(txs, want);
    t.ok(Atomics.load(first.next, 0) >= first.count, "the first job is cancelled once the second runs");
    t.notOk(
      states(second).some((s, i) => (s === UNCLAIMED || s === CLAIMED) && want[i] !== undefined),
      "the second job settled every transaction asked for",
    );
    t.same(
      txHashesAhead(txs, () => new Uint8Array(32))!.map(hex),
      txs.map((typed) => hex(keccak256(encode(TypedTransactionCodec, typed)))),
      "its hashes are the block's",
    );
    // The same transaction array twice in one block, asked for out of order: found wherever it is.
    const { txs: more, want: moreWant } = block(30, "repeated");
    const repeated = [...more, more[0]!];
    recoverSendersAhead(repeated);
    inPlace(repeated.slice().reverse(), [...moreWant, moreWant[0]].reverse());
    inPlace(more, moreWant); // and again, in order, after the job's cursor passed them
  },
);

/**
 * A thread, other than the sender threads, that has claimed transaction 0 of the job in `buffer` and is
 * slow: it recovers it only once run_block has stolen some other transaction meanwhile.
 */
const SLOW_CLAIMANT = `
import("node:worker_threads").then(async ({ parentPort, workerData }) => {
  (await import("tsx/esm/api")).register();
  const { SenderJob, UNCLAIMED } = await import(workerData.module);
  const job = new SenderJob(workerData.buffer);
  parentPort.postMessage("ready");
  const until = Date.now() + 10_000;
  while (Date.now() < until && job.states.every((s, i) => i === 0 || s === UNCLAIMED));
  job.recover(0);
  parentPort.postMessage("settled");
});
`;

t.test(
  "a thread is on the transaction run_block needs: the main thread takes the next one nobody claimed, from the front",
  async (t) => {
    await startSenderThreads();
    // The sender thread held, so that the job's states change only as this test says.
    const hold = new SharedArrayBuffer(8);
    const held = new Int32Array(hold);
    t.ok(postToSenderThread({ module: new URL("./holding-thread-job.ts", import.meta.url).href, buffer: hold }));
    while (Atomics.load(held, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const { txs, want } = block(1000, "front");
    const job = recoverSendersAhead(txs)!;
    t.equal(Atomics.add(job.next, 0, 1), 0, "transaction 0 claimed as a sender thread claims it ...");
    t.ok(job.claim(0), "... by a thread that is slow");
    const module = new URL("../../src/tx/sender-worker.ts", import.meta.url).href;
    const slow = new Worker(SLOW_CLAIMANT, { eval: true, workerData: { module, buffer: job.buffer } });
    try {
      await once(slow, "message");
      const done = once(slow, "message");
      inPlace(txs.slice(0, 1), want); // run_block asks for transaction 0
      await done;
      t.equal(states(job)[1], DONE, "the main thread stole transaction 1, the next it needs");
      const last = txs.length - 1;
      t.equal(states(job)[last], UNCLAIMED, "the block's back is left to the threads");
      Atomics.store(held, 0, 1);
      Atomics.notify(held, 0);
      await settled(job, txs.length - 1); // the sender thread recovers the rest
      t.equal(states(job)[last], DONE, "which the sender thread recovered");
      inPlace(txs, want);
    } finally {
      Atomics.store(held, 0, 1);
      Atomics.notify(held, 0);
      await slow.terminate();
    }
  },
);

t.test("a posted block's transaction hashes and merkle root are the same from the threads as in place", async (t) => {
  await startSenderThreads();
  const { txs } = block(301, "hashes");
  // The same transactions in other arrays: never posted, so hashed in place.
  const copies = txs.map(
    (typed) => ({ tx: { ...typed.tx, serialized_tx: typed.tx.serialized_tx.slice() } }) as TypedTransaction,
  );
  const want = hex(merkleRoot(copies));
  recoverSendersAhead(txs);
  t.equal(hex(merkleRoot(txs)), want, "at once (the main thread hashes from the back meanwhile)");
  t.equal(hex(merkleRoot(txs)), want, "again");
  const hashes = txHashesAhead(txs, () => new Uint8Array(32))!;
  t.same(
    hashes.map(hex),
    copies.map((c) => hex(typedTransactionHash(c))),
    "every hash written back to the job",
  );
  txs.forEach((typed, i) => {
    if (typedTransactionHash(typed) !== hashes[i]! && hex(typedTransactionHash(typed)) !== hex(hashes[i]!))
      t.fail(`tx ${i}: typedTransactionHash differs`);
  });

  const stalled = block(40, "hashes-stalled");
  const job = recoverSendersAhead(stalled.txs)!;
  job.cancel();
  await settled(job, 0);
  const k = stalled.txs.length - 1;
  job.claimHash(k); // as by a thread that died on it (if the thread has not hashed it yet)
  const got = txHashesAhead(stalled.txs, (i) => typedTransactionHash(stalled.txs[i]!))!;
  t.same(
    got.map(hex),
    stalled.txs.map((typed) => hex(keccak256(encode(TypedTransactionCodec, typed)))),
    "a hash a thread claimed and never wrote: hashed in place after a bounded wait",
  );
  t.equal(
    txHashesAhead(stalled.txs.slice(1), () => new Uint8Array(32)),
    undefined,
    "not a posted block: no hashes",
  );
});

t.test("the sender's and recipient's secure-trie keys come from the thread with the sender", async (t) => {
  await startSenderThreads();
  const { txs, want } = block(200, "keys");
  const job = recoverSendersAhead(txs)!;
  await settled(job);
  let fromThread = 0;
  txs.forEach(({ tx: { serialized_tx } }, i) => {
    if (want[i] === undefined || want[i] === "null") return;
    const tx = decodeEvmTransaction(serialized_tx);
    const sender = senderOf(serialized_tx, tx)!;
    if (hex(addressKeccak(sender)) !== hex(keccak256(sender))) t.fail(`tx ${i}: the sender's key`);
    if (hex(addressKeccak(tx.to)) !== hex(keccak256(tx.to))) t.fail(`tx ${i}: the recipient's key`);
    if (hasAddressKeccak(sender) && hasAddressKeccak(tx.to)) fromThread++;
    const other = sender.slice();
    other[0]! ^= 1; // another address in the same slot of the table: hashed, not taken for the sender
    if (hex(addressKeccak(other)) !== hex(keccak256(other))) t.fail(`tx ${i}: another address's key`);
  });
  // In the table unless the recipient took the sender's slot: 1 in 4,096.
  const senders = want.filter((w) => w !== undefined && w !== "null").length;
  t.ok(fromThread >= 0.9 * senders, `${fromThread} of ${senders} transactions' keys from the thread`);
});

t.test("a released block's buffer serves a later block; every block's senders are still the signers", async (t) => {
  await startSenderThreads();
  const buffers = new Set<SharedArrayBuffer>();
  for (let b = 0; b < 12; b++) {
    const { txs, want } = block(40 + 10 * (b % 3), `reused-${b}`);
    const job = recoverSendersAhead(txs);
    if (job === undefined) return t.fail("the block did not go to the thread");
    buffers.add(job.buffer);
    if (b % 2 === 0) await settled(job); // the thread has all of some, a part of others
    inPlace(txs, want); // running it releases the block before it
  }
  t.ok(buffers.size <= 6, `12 blocks in ${buffers.size} buffers`);
});

t.test("a buffer a thread is in is not reused; a closed one is left by a thread that meets it", async (t) => {
  const { txs } = block(20, "closed");
  const job = SenderJob.of(txs.map((x) => x.tx.serialized_tx));
  const inside = new Int32Array(job.buffer, 12, 1); // the header's `inside` word
  Atomics.add(inside, 0, 1); // as a thread that entered it
  t.notOk(SenderJob.reopen(job.buffer), "not closed for reuse while a thread is in it");
  Atomics.sub(inside, 0, 1);
  t.ok(SenderJob.reopen(job.buffer), "closed once it left");
  recoverJob(job.buffer); // as a thread with an old message does
  t.same(states(job), new Array(20).fill(UNCLAIMED), "nothing claimed in a closed job");
  t.equal(Atomics.load(inside, 0), 0, "and it left");
  const next = SenderJob.of(
    txs.map((x) => x.tx.serialized_tx),
    undefined,
    job.buffer,
  );
  recoverJob(next.buffer);
  t.notOk(states(next).includes(UNCLAIMED), "reopened with a new job, a thread works on it");
});

t.test("a thread job that throws leaves the thread up for the next blocks", async (t) => {
  t.equal(await startSenderThreads(), 1);
  const buffer = new SharedArrayBuffer(4);
  const module = new URL("./throwing-thread-job.ts", import.meta.url).href;
  t.ok(postToSenderThread({ module, buffer }), "posted");
  while (Atomics.load(new Int32Array(buffer), 0) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  const { txs, want } = block(60, "after-throw");
  const job = recoverSendersAhead(txs);
  if (job === undefined) return t.fail("no thread up");
  await settled(job);
  t.ok(
    states(job).every((s) => s !== UNCLAIMED && s !== CLAIMED),
    "the same thread recovered the next block",
  );
  inPlace(txs, want);
});

t.test("a small block is recovered in place", async (t) => {
  await startSenderThreads();
  const { txs, want } = block(PARALLEL_MIN_TXS - 1, "small");
  t.equal(recoverSendersAhead(txs), undefined);
  inPlace(txs, want);
});

t.test("QKC_SENDER_THREADS=0: no thread, every sender in place", async (t) => {
  await stopSenderThreads();
  process.env["QKC_SENDER_THREADS"] = "0";
  t.equal(await startSenderThreads(), 0);
  const { txs, want } = block(100, "none");
  t.equal(recoverSendersAhead(txs), undefined);
  inPlace(txs, want);
});

t.test("sender threads never hold the process open: it exits once its work is done", async (t) => {
  const script = `
    import { recoverSendersAhead, startSenderThreads } from "./src/tx/senders.ts";
    if ((await startSenderThreads()) !== 1) throw new Error("no sender thread");
    recoverSendersAhead(Array.from({ length: 50 }, () => ({ tx: { serialized_tx: Uint8Array.of(0xc0) } })));
    console.log("posted");
  `;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, QKC_SENDER_THREADS: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  t.equal(run.stdout.trim(), "posted");
  t.equal(run.status, 0, "exited by itself");
  t.equal(run.stderr.trim(), "", "no warning: the thread was up and never stopped");
});
