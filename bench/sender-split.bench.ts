/**
 * How run_block's loop and the sender threads share a block (src/tx/senders.ts): a main thread that
 * asks senderOf for each transaction in order and then "executes" it (a busy wait of EXEC_US, ~what a
 * transfer costs the daemon's main thread), against one sender thread recovering the same block.
 * Prints the loop's wall time per block (median of rounds), against the ideal split of the same work
 * over two cores ((recoveries + executions) / 2, a recovery timed here), how many senders the main
 * thread took, and how many transactions it executed after the thread had run out of work (the
 * tail, one core idle). `npx tsx bench/sender-split.bench.ts [EXEC_US] [HEAD_START_MS]`.
 */
import { transferBlock } from "./samples.ts";
import { senderStats } from "../src/tx/sender-stats.ts";
import { recoverSendersAhead, senderOf, startSenderThreads, stopSenderThreads } from "../src/tx/senders.ts";
import { decodeEvmTransaction, recoverSender } from "../src/tx/transaction.ts";

process.env["QKC_SENDER_THREADS"] ??= "1";
const TXS = 285; // an (a) block of bench:exec
const ROUNDS = 41;
const EXEC_US = Number(process.argv[2] ?? 16);
const HEAD_START_MS = Number(process.argv[3] ?? 1); // validate's time, while the thread starts

const block = (round: number) => transferBlock(TXS, 64, `${round}/`);

const spin = (us: number): void => {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
};

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

if ((await startSenderThreads()) !== 1) throw new Error("no sender thread");
const blocks = Array.from({ length: ROUNDS + 2 }, (_, r) => block(r));
const decoded = blocks.map((b) => b.map((t) => decodeEvmTransaction(t.tx.serialized_tx)));

// One recovery on this thread, the best of a few passes (the machine is shared).
let recoveryUs = Infinity;
for (let pass = 0; pass < 3; pass++) {
  const t0 = performance.now();
  for (const tx of decoded[0]!) recoverSender(tx);
  recoveryUs = Math.min(recoveryUs, ((performance.now() - t0) * 1000) / TXS);
}

const loops: number[] = [];
const tails: number[] = [];
const stolen: number[] = [];
for (let r = 0; r < blocks.length; r++) {
  const txs = blocks[r]!;
  const job = recoverSendersAhead(txs)!;
  spin(HEAD_START_MS * 1000);
  const before = senderStats.stolen + senderStats.here;
  let tail = 0;
  const t0 = performance.now();
  for (let i = 0; i < TXS; i++) {
    senderOf(txs[i]!.tx.serialized_tx, decoded[r]![i]!);
    // The thread has nothing left to claim: whatever the main thread executes from here, it executes alone.
    if (Atomics.load(job.next, 0) >= TXS && job.threadsInside() === 0) tail++;
    spin(EXEC_US);
  }
  const ms = performance.now() - t0;
  if (r < 2) continue; // warm-up
  loops.push(ms);
  tails.push(tail);
  stolen.push(senderStats.stolen + senderStats.here - before);
}
await stopSenderThreads();
const ideal = (TXS * (recoveryUs + EXEC_US)) / 2 / 1000 - HEAD_START_MS / 2;
console.log(
  `loop ${median(loops).toFixed(2)} ms a block (median of ${loops.length}; ideal split ${ideal.toFixed(2)} ms: ` +
    `${((ideal / median(loops)) * 100).toFixed(0)}%), recovery ${recoveryUs.toFixed(1)} us, exec ${EXEC_US} us; ` +
    `main took ${median(stolen)} senders, executed ${median(tails)} alone at the end (medians)`,
);
