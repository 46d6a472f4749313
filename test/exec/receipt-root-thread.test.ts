import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { type Receipt, encodeReceiptList, makeReceipt } from "../../src/backend/exec/receipt.ts";
import {
  THREAD_MIN_RECEIPTS,
  encodedReceiptRoot,
  receiptRoot,
  receiptRootAhead,
} from "../../src/backend/exec/receipt-root.ts";
import { CLAIMED, DONE, HERE, type ListRootJob, POSTED } from "../../src/backend/exec/receipt-root-job.ts";
import { listRoot } from "../../src/backend/state/trie/list-root.ts";
import { rlpEncode, rlpInt } from "../../src/tx/rlp.ts";
import { recoverSendersAhead, startSenderThreads, stopSenderThreads } from "../../src/tx/senders.ts";
import { senderStats } from "../../src/tx/sender-stats.ts";
import { trieRoot } from "../../harness/trie-oracle.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

// One sender thread, whatever the machine (a 1-core machine has none by default).
process.env["QKC_SENDER_THREADS"] ??= "1";

type Random = ReturnType<typeof makeRandom>;

/** A block's receipts: cumulative gas, some failed, some creates, with `logs` logs of up to 4 topics each or none. */
function receipts(random: Random, count: number, logs: boolean): Receipt[] {
  const out: Receipt[] = [];
  let gas = 0n;
  for (let i = 0; i < count; i++) {
    gas += BigInt(21000 + random.int(200000));
    const made = Array.from({ length: logs ? random.int(4) : 0 }, () => ({
      address: random.bytes(20),
      topics: Array.from({ length: random.int(5) }, () => BigInt(`0x${hex(random.bytes(32)) || "0"}`)),
      data: random.bytes(random.int(3) === 0 ? 0 : 1 + random.int(200)),
    }));
    const create = random.int(10) === 0;
    out.push(
      makeReceipt(random.int(8) !== 0, gas, made, create ? random.bytes(20) : new Uint8Array(0), random.int(2 ** 32)),
    );
  }
  return out;
}

/** Until a thread has settled the job (DONE), or `ms` passed. */
async function settled(job: ListRootJob, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  while (Atomics.load(job.state, 0) !== DONE && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 2));
  return Atomics.load(job.state, 0);
}

const onThread = (p: object): ListRootJob | undefined => ("job" in p ? (p.job as ListRootJob) : undefined);

const LENGTHS = [0, 1, 2, THREAD_MIN_RECEIPTS - 1, THREAD_MIN_RECEIPTS, 127, 128, 129, 255, 256, 257, 300, 1000];

t.test("a block's receipt root from a sender thread is the one listRoot gives here, for every shape", async (t) => {
  reportSeedOnFailure(t);
  t.equal(await startSenderThreads(), 1, "one sender thread ready");
  const random = makeRandom("receipt-root-thread");
  const before = senderStats.rootsByThread;
  let threaded = 0;
  for (const n of LENGTHS)
    for (const logs of [false, true])
      for (let round = 0; round < 3; round++) {
        const list = receipts(random, n, logs);
        const { record, each } = encodeReceiptList(list);
        const want = hex(listRoot(each));
        const pending = receiptRootAhead(record, each);
        const job = onThread(pending);
        t.equal(
          job !== undefined,
          n >= THREAD_MIN_RECEIPTS,
          `${n} receipts: on a thread iff at least ${THREAD_MIN_RECEIPTS}`,
        );
        if (job !== undefined) {
          t.equal(await settled(job), DONE, "the thread wrote the root");
          threaded++;
        }
        const got = hex(pending.take());
        if (got !== want) t.fail(`${n} receipts (logs: ${logs}): ${got}, want ${want}`);
        if (round === 0) {
          t.equal(got, hex(receiptRoot(list)), `${n} receipts (logs: ${logs}): as receiptRoot`);
          t.equal(got, hex(trieRoot(each.map((v, i) => [rlpEncode(rlpInt(i)), v] as const))), "as the trie oracle");
        }
      }
  t.equal(senderStats.rootsByThread - before, threaded, "every root posted was the thread's");
});

t.test("a job no thread has started is taken back here; the thread then leaves it", async (t) => {
  await startSenderThreads();
  const random = makeRandom("receipt-root-back");
  // The thread is busy with a block of senders: the root waits behind it, and is taken back here.
  const busy = Array.from({ length: 3000 }, () => ({ tx: { type: 0, serialized_tx: Uint8Array.of(0xc0) } }));
  const list = receipts(random, 300, true);
  const { record, each } = encodeReceiptList(list);
  recoverSendersAhead(busy);
  const pending = receiptRootAhead(record, each);
  const job = onThread(pending)!;
  t.ok(job, "posted");
  const stateBefore = Atomics.load(job.state, 0);
  t.equal(hex(pending.take()), hex(listRoot(each)));
  if (stateBefore === POSTED) {
    t.equal(Atomics.load(job.state, 0), HERE, "taken back");
    await new Promise((r) => setTimeout(r, 200));
    t.not(Atomics.load(job.state, 0), CLAIMED, "the thread, reaching it later, left it");
  }
  // The next job reuses the buffer and the thread computes it.
  const next = receiptRootAhead(record, each);
  t.equal(await settled(onThread(next)!), DONE);
  t.equal(hex(next.take()), hex(listRoot(each)));
});

t.test(
  "a job claimed by a thread that stopped is computed here after a bounded wait, its buffer not reused",
  async (t) => {
    await startSenderThreads();
    const random = makeRandom("receipt-root-stalled");
    const { record, each } = encodeReceiptList(receipts(random, 200, true));
    let stalled: ListRootJob | undefined;
    for (let tries = 0; stalled === undefined && tries < 20; tries++) {
      const pending = receiptRootAhead(record, each);
      const job = onThread(pending)!;
      // Claimed as by a thread that then died (unless the thread was quicker: then again).
      if (Atomics.compareExchange(job.state, 0, POSTED, CLAIMED) !== POSTED) {
        pending.take();
        continue;
      }
      stalled = job;
      const t0 = performance.now();
      t.equal(hex(pending.take()), hex(listRoot(each)), "the root, computed here");
      t.ok(performance.now() - t0 < 1000, "after a bounded wait");
      t.equal(Atomics.load(job.state, 0), CLAIMED, "the job still the stopped thread's");
    }
    if (stalled === undefined) return t.fail("the thread always claimed the job first");
    for (let i = 0; i < 4; i++) {
      const next = receiptRootAhead(record, each);
      t.not(onThread(next)!.buffer, stalled.buffer, "a buffer a thread may still write into is not reused");
      t.equal(hex(next.take()), hex(listRoot(each)));
    }
  },
);

t.test("a thread stopped with a root posted to it: the root is computed here", async (t) => {
  await startSenderThreads();
  const random = makeRandom("receipt-root-killed");
  const { record, each } = encodeReceiptList(receipts(random, 150, true));
  const pending = receiptRootAhead(record, each);
  t.ok(onThread(pending), "posted");
  await stopSenderThreads();
  t.equal(hex(pending.take()), hex(listRoot(each)));
  t.equal(await startSenderThreads(), 1, "a new thread for the next blocks");
  const next = receiptRootAhead(record, each);
  t.equal(await settled(onThread(next)!), DONE, "... which computes their roots");
  t.equal(hex(next.take()), hex(listRoot(each)));
});

t.test("a cancelled job is left by the thread (or finished unread); the next root is unaffected", async (t) => {
  await startSenderThreads();
  const random = makeRandom("receipt-root-cancel");
  const { record, each } = encodeReceiptList(receipts(random, 100, false));
  const pending = receiptRootAhead(record, each);
  const job = onThread(pending)!;
  pending.cancel();
  await new Promise((r) => setTimeout(r, 100));
  t.not(Atomics.load(job.state, 0), CLAIMED, "left");
  const after = receiptRootAhead(record, each);
  t.equal(hex(after.take()), hex(encodedReceiptRoot(each)), "the next block's root unaffected");
});

t.test("QKC_SENDER_THREADS=0: no thread, every root here, the same", async (t) => {
  await stopSenderThreads();
  process.env["QKC_SENDER_THREADS"] = "0";
  t.equal(await startSenderThreads(), 0);
  const random = makeRandom("receipt-root-none");
  for (const n of LENGTHS)
    for (const logs of [false, true]) {
      const { record, each } = encodeReceiptList(receipts(random, n, logs));
      const pending = receiptRootAhead(record, each);
      t.equal(onThread(pending), undefined, `${n} receipts: here`);
      t.equal(hex(pending.take()), hex(listRoot(each)), `${n} receipts (logs: ${logs})`);
    }
});
