import { availableParallelism, loadavg } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { RESULT_SIZE } from "./sender-worker.ts";
import { type EvmTransaction, decodeEvmTransaction, recoverSender } from "./transaction.ts";

/**
 * A block's senders recovered up front, on worker threads beside the main one (issue 17): public-key
 * recovery is the largest single cost of importing a block of transfers, and each transaction's is
 * independent of the others'. run_block then takes each sender from here (senderOf) instead of
 * recovering it in its loop. The threads run recoverSender itself (sender-worker.ts), so the answers
 * are the ones recovered in place; whatever a thread does not answer (it failed, it is still
 * starting, the block is small) is recovered in place as before.
 */

/** Below this many transactions a block's senders are recovered in place: a thread's round trip costs more. */
export const PARALLEL_MIN_TXS = 48;

type SerializedTx = { readonly tx: { readonly serialized_tx: Uint8Array } };

/** Recovered senders by the transaction's serialized bytes (the block's own Uint8Array, so a block forgets them). */
const recovered = new WeakMap<Uint8Array, Uint8Array | null>();

/** Transaction.sender for `tx` decoded from `serialized`: recovered ahead when it was, else now. */
export function senderOf(serialized: Uint8Array, tx: EvmTransaction): Uint8Array | null {
  const ahead = recovered.get(serialized);
  return ahead !== undefined ? ahead : recoverSender(tx);
}

/** QKC_SENDER_THREADS (0: none), else one thread a core besides the main thread's, at most 3. */
function threadCount(): number {
  const set = Number(process.env["QKC_SENDER_THREADS"]);
  if (process.env["QKC_SENDER_THREADS"] !== undefined && Number.isInteger(set) && set >= 0) return Math.min(set, 16);
  return Math.max(0, Math.min(availableParallelism() - 1, 3));
}

/**
 * Whether a thread would find a core: with QKC_SENDER_THREADS set, always; else while the 1-minute load
 * average leaves one free. On a machine already busy the threads buy no wall time and cost CPU (the
 * hand-over, the second decode): 20-30% more CPU for the same wall time at load 17 on 2 cores.
 */
function coreFree(): boolean {
  if (process.env["QKC_SENDER_THREADS"] !== undefined) return true;
  return loadavg()[0]! < availableParallelism() - 0.5;
}

const MODULE = new URL(`./sender-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

// From sources (.ts), the worker registers tsx's loader itself: an eval worker gets no --import hooks.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const loader = workerData.module.endsWith(".ts") ? import("tsx/esm/api").then((t) => t.register()) : Promise.resolve();
loader.then(() => import(workerData.module)).then((m) => {
  parentPort.on("message", ({ id, data, ends }) => {
    const out = m.recoverPacked(data, ends);
    parentPort.postMessage({ id, out }, [out.buffer]);
  });
  parentPort.postMessage("ready");
});
`;

interface Reply {
  readonly id: number;
  readonly out: Uint8Array;
}

/** One sender thread: ready once its modules loaded; one request at a time (the queue below orders them). */
class SenderThread {
  ready = false;
  dead = false;
  /** Resolves once the thread is ready or has stopped. */
  readonly started: Promise<void>;
  private settle!: () => void;
  private readonly worker: Worker;
  private pending: { id: number; resolve: (out: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private nextId = 1;

  constructor() {
    this.started = new Promise((resolve) => (this.settle = resolve));
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: MODULE } });
    this.worker.unref(); // held only while a request is out (recover)
    this.worker.on("message", (msg: "ready" | Reply) => {
      if (msg === "ready") {
        this.ready = true;
        this.settle();
        return;
      }
      const p = this.pending;
      if (p === undefined || p.id !== msg.id) return;
      this.pending = undefined;
      this.worker.unref();
      p.resolve(msg.out);
    });
    const fail = (e: Error) => {
      if (this.dead) return;
      this.dead = true;
      this.ready = false;
      this.settle();
      process.emitWarning(`a sender thread stopped (${e.message}); senders are recovered in place`, {
        code: "QKC_SENDER_THREAD",
      });
      this.pending?.reject(e);
      this.pending = undefined;
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
  }

  recover(txs: readonly Uint8Array[]): Promise<Uint8Array> {
    let size = 0;
    for (const t of txs) size += t.length;
    const data = new Uint8Array(size);
    const ends = new Uint32Array(txs.length);
    let at = 0;
    txs.forEach((t, i) => {
      data.set(t, at);
      ends[i] = at += t.length;
    });
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker.ref();
      this.worker.postMessage({ id, data, ends }, [data.buffer, ends.buffer]);
    });
  }
}

let threads: SenderThread[] | undefined;

function readyThreads(): SenderThread[] {
  threads ??= Array.from({ length: threadCount() }, () => new SenderThread());
  return threads.filter((t) => t.ready);
}

/**
 * Start the sender threads now when a core is free for them (else they start with the first big
 * block that finds one, and serve from the block after they are up); resolves to how many are
 * ready. A busy machine never starts them: their start-up (a module loader each) is CPU too.
 */
export async function startSenderThreads(): Promise<number> {
  if (!coreFree()) return 0;
  readyThreads();
  await Promise.all(threads!.map((t) => t.started));
  return readyThreads().length;
}

function keep(txs: readonly Uint8Array[], out: Uint8Array): void {
  txs.forEach((serialized, i) => {
    const at = i * RESULT_SIZE;
    if (out[at] === 1) recovered.set(serialized, out.slice(at + 1, at + RESULT_SIZE));
    else if (out[at] === 0) recovered.set(serialized, null);
  });
}

/** The block's transactions split over the ready threads and this one; this one takes the first share. */
async function recoverSplit(txs: readonly Uint8Array[], helpers: readonly SenderThread[]): Promise<void> {
  const share = Math.ceil(txs.length / (helpers.length + 1));
  const replies = helpers.map((thread, i) => {
    const part = txs.slice((i + 1) * share, (i + 2) * share);
    if (part.length === 0) return undefined;
    return thread.recover(part).then(
      (out) => keep(part, out),
      () => undefined, // left to run_block, which recovers in place
    );
  });
  // This thread's share meanwhile (decoded twice, here and in run_block: a decode is ~1/10 of a recovery).
  for (const serialized of txs.slice(0, share)) {
    try {
      recovered.set(serialized, recoverSender(decodeEvmTransaction(serialized)));
    } catch {
      // undecodable: run_block reports it
    }
  }
  await Promise.all(replies);
}

let tail: Promise<void> | undefined;

/**
 * Recover the senders of a block's transactions ahead of run_block, on the sender threads when the
 * block is big enough and a thread is up. Blocks keep their order: the promises resolve in call
 * order, so a caller that adds its block once this resolves adds blocks in the order they came.
 * undefined (nothing to wait for) when the block is recovered in place and no earlier block is
 * still being recovered; the promise never rejects.
 */
export function recoverSendersAhead(txList: readonly SerializedTx[]): Promise<void> | undefined {
  const helpers = txList.length >= PARALLEL_MIN_TXS && coreFree() ? readyThreads() : [];
  if (helpers.length === 0 && tail === undefined) return undefined;
  const txs = helpers.length === 0 ? [] : txList.map((t) => t.tx.serialized_tx);
  const run = (tail ?? Promise.resolve()).then(() => (txs.length > 0 ? recoverSplit(txs, helpers) : undefined));
  tail = run;
  void run.then(() => {
    if (tail === run) tail = undefined;
  });
  return run;
}
