/**
 * What a block's receipt root costs the MAIN thread (src/backend/exec/receipt-root.ts): computed here
 * (encodedReceiptRoot) against started on a sender thread before world.commit and taken after it
 * (receiptRootAhead: the copy into the job's buffer, the post, the take). world.commit is stood in for
 * by 4.5 ms of spinning on this thread, which is not counted. Blocks like bench:exec's (a) (285
 * receipts, no logs) and (b) (156, one Transfer log each); rounds taken in turns, medians in microseconds
 * (the machine is shared: a thread that got no core in time shows as roots computed here).
 * `npx tsx bench/receipt-root.bench.ts`.
 */
import { encodeReceiptList, makeReceipt } from "../src/backend/exec/receipt.ts";
import { encodedReceiptRoot, receiptRootAhead } from "../src/backend/exec/receipt-root.ts";
import { senderStats } from "../src/tx/sender-stats.ts";
import { startSenderThreads } from "../src/tx/senders.ts";

const BLOCKS = 200;
const COMMIT_MS = 4.5;

const word = (k: number): bigint => BigInt(k) * 0x1000000000000000000000001n;
const workloads = {
  "(a) 285 receipts, no logs": Array.from({ length: 285 }, (_, i) =>
    makeReceipt(true, BigInt(21000 * (i + 1)), [], new Uint8Array(0), 0),
  ),
  "(b) 156 receipts, a Transfer log each": Array.from({ length: 156 }, (_, i) =>
    makeReceipt(
      true,
      BigInt(36000 * (i + 1)),
      [
        {
          address: new Uint8Array(20).fill(7),
          topics: [word(1), word(i + 2), word(i + 3)],
          data: new Uint8Array(32).fill(i),
        },
      ],
      new Uint8Array(0),
      0,
    ),
  ),
};

function spin(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

console.log(`sender threads: ${await startSenderThreads()}`);
for (const [name, receipts] of Object.entries(workloads)) {
  const here: number[] = [];
  const ahead: number[] = [];
  const byThread0 = senderStats.rootsByThread;
  for (let b = 0; b < BLOCKS; b++) {
    const { record, each } = encodeReceiptList(receipts);
    let t0 = performance.now();
    spin(COMMIT_MS);
    let t1 = performance.now();
    encodedReceiptRoot(each);
    here.push(performance.now() - t1);

    t0 = performance.now();
    const pending = receiptRootAhead(record, each);
    const posted = performance.now() - t0;
    spin(COMMIT_MS);
    t1 = performance.now();
    pending.take();
    ahead.push(posted + performance.now() - t1);
    await new Promise((resolve) => setTimeout(resolve, 2)); // the next block's arrival
  }
  const byThread = senderStats.rootsByThread - byThread0;
  console.log(
    `${name}: main thread ${(1000 * median(here)).toFixed(0)} us here, ${(1000 * median(ahead)).toFixed(0)} us with the thread ` +
      `(${byThread} of ${BLOCKS} roots by the thread)`,
  );
}
process.exit(0);
