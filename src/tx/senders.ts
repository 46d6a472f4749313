import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { rememberAddressKeccak } from "../crypto/address-keccak.ts";
import { countPosted, senderStats } from "./sender-stats.ts";
import { CLAIMED, DONE, NO_SENDER, NOT_HASHED, SenderJob, UNCLAIMED } from "./sender-worker.ts";
import { type EvmTransaction, recoverSender } from "./transaction.ts";

/**
 * A block's senders recovered on sender threads WHILE run_block executes it (issue 17): public-key
 * recovery is the largest single cost of importing a block of transfers, each transaction's is
 * independent of the others', and run_block needs them one at a time, in order. So a block's
 * transactions go to the threads in one shared buffer (sender-worker.ts) as it arrives; the threads
 * claim them in order and run_block's senderOf(i) takes transaction i's sender when a thread has
 * written it, recovers it itself when no thread has claimed it yet (so the main thread steals work
 * whenever it catches up, and the split balances itself), and waits, boundedly, when a thread is on it.
 * On 2 cores a block then takes about max(recovery, execution) instead of their sum. Nothing waits for
 * the recovery: blocks are added in arrival order, as without threads.
 */

/** Below this many transactions a block is recovered in place: its shared buffer and the posts cost more. */
export const PARALLEL_MIN_TXS = 4;

/**
 * How long senderOf waits for a thread on a transaction it claimed before it recovers the sender
 * itself (the thread, should it finish after all, writes the same bytes): a few recoveries' time
 * (one: ~55 us). A thread still on it by then has stopped, or the OS has taken its core. It spins
 * (Atomics.load) rather than sleeps: a main thread that gives its core up on a busy machine waits
 * for it again far longer than the wait (bench:exec (a) at load 16: 18 futex waits of at most
 * 0.5 ms took 154 ms; with 50 ms, 22 took 342 ms at load 14).
 */
const WAIT_MS = 0.25;

/** Jobs posted and not yet overtaken (a block that never runs, stale or refused, is cancelled by the next). */
const MAX_LIVE = 512;

/**
 * The live job each posted transaction's bytes went to (by the block's own serialized arrays); its
 * index there is found from the job's cursor (run_block asks in order). A plain Map whose entries go
 * with their job (release), not a WeakMap: a WeakMap's entries cost the garbage collector's
 * ephemeron passes ~0.5 us each, a block's worth every block.
 */
const jobOf = new Map<Uint8Array, SenderJob>();
const live: SenderJob[] = [];
let current: SenderJob | undefined;

/** Where `serialized` is in `job` (-1: not there), from the job's cursor first. */
function indexIn(job: SenderJob, serialized: Uint8Array): number {
  const at = job.cursor;
  const i = job.serialized[at] === serialized ? at : job.serialized.indexOf(serialized);
  if (i >= 0) job.cursor = i + 1;
  return i;
}

/** `job` leaves the live set: its transactions are no longer looked up (a later job's same bytes stay). */
function release(job: SenderJob): void {
  job.cancel();
  for (const t of job.serialized) if (jobOf.get(t) === job) jobOf.delete(t);
  if (spare.length < MAX_SPARE) spare.push(job.buffer); // for a later block, once no thread is in it
}

/**
 * Buffers of released jobs, for later blocks: a new one (~75 KB of shared memory, zeroed) cost the main
 * thread 0.2-0.6 ms a block. One released a block, and the job of the block after next takes it.
 */
const spare: SharedArrayBuffer[] = [];
const MAX_SPARE = 4;
/** A new buffer's least size: the next blocks, of about as many transactions, fit in it. */
const MIN_JOB_BYTES = 128 * 1024;

/** A spare buffer of at least `bytes`, closed to the threads (none is in it), or undefined. */
function spareBuffer(bytes: number): SharedArrayBuffer | undefined {
  for (let k = 0; k < spare.length; k++) {
    const buffer = spare[k]!;
    if (buffer.byteLength >= bytes && SenderJob.reopen(buffer)) return spare.splice(k, 1)[0];
  }
  return undefined;
}

/** Transaction.sender for `tx` decoded from `serialized`: from the sender threads when its block went there, else now. */
export function senderOf(serialized: Uint8Array, tx: EvmTransaction): Uint8Array | null {
  const job = jobOf.get(serialized);
  if (job === undefined) return recoverSender(tx);
  const index = indexIn(job, serialized);
  if (index < 0) return recoverSender(tx);
  if (job !== current) overtake(job);
  let state = Atomics.load(job.states, index);
  if (state === UNCLAIMED) {
    if (job.claim(index)) {
      senderStats.here++;
      job.recover(index);
    }
    state = Atomics.load(job.states, index);
  }
  // A thread has it: rather than wait, recover the next transaction nobody has claimed meanwhile
  // (from the front, as the threads claim: see stealAhead).
  while (state === CLAIMED && stealAhead(job, index)) state = Atomics.load(job.states, index);
  if (state === CLAIMED) state = waitFor(job.states, index);
  if (state === CLAIMED) {
    // Still claimed: the thread stopped mid-transaction (or is starved of a core): recovered here
    // (from the same bytes, should the thread write after all).
    senderStats.here++;
    job.recover(index);
    state = Atomics.load(job.states, index);
  }
  if (state === DONE) return taken(job, index, tx);
  if (state === NO_SENDER) return null;
  return recoverSender(tx); // UNDECODABLE: run_block decoded it, so not these bytes after all
}

/** Transaction `index`'s sender, its secure-trie key and its recipient's handed on to world-state (address-keccak.ts). */
function taken(job: SenderJob, index: number, tx: EvmTransaction): Uint8Array {
  rememberAddressKeccak(job.senders, index * ADDRESS, job.senderKeys, index * HASH);
  if (job.hasTo(index, tx.to)) rememberAddressKeccak(tx.to, 0, job.toKeys, index * HASH);
  return job.sender(index);
}

const ADDRESS = 20;
const HASH = 32;

/** Wait, boundedly, for a thread to settle entry `index` of `states` (CLAIMED still: it did not in time). */
function waitFor(states: Int32Array, index: number): number {
  senderStats.waits++;
  const t0 = performance.now();
  let state = Atomics.load(states, index);
  while (state === CLAIMED && performance.now() - t0 < WAIT_MS) state = Atomics.load(states, index);
  if (senderStats.on) senderStats.waitMs += performance.now() - t0;
  return state;
}

/**
 * Claim and recover the next transaction after `index` that no thread has claimed, taking it from the
 * front, through the threads' own counter (false: the threads have claimed everything). From the front
 * and not from the back: the main thread then executes what it stole right after (one it needs
 * next or soon), while the threads go on recovering to the block's end. Stolen from the back, the
 * main thread's own share was executed last, after the threads had finished and idled: in (a) ~40% of
 * the block's transactions, 16 us each, with one core idle (see the commit message for the figures).
 */
function stealAhead(job: SenderJob, index: number): boolean {
  for (;;) {
    const j = Atomics.add(job.next, 0, 1);
    if (j >= job.count) return false;
    // j <= index: run_block asked out of order, and already has it (or will claim it itself).
    if (j > index && job.claim(j)) {
      senderStats.stolen++;
      job.recover(j); // an undecodable one is UNDECODABLE: run_block meets (and reports) the error itself
      return true;
    }
  }
}

/**
 * typedTransactionHash of each of `txs` when they are a block posted whole to the sender threads:
 * the threads hash a job's transactions first, and the main thread takes the ones they have and
 * hashes the others with `hashHere` (from the back while a thread is on the one it needs: the
 * hashes are all taken at once, so no tail is left to execute). Undefined when `txs` is not such a
 * block (the caller hashes them all).
 */
export function txHashesAhead(
  txs: readonly SerializedTx[],
  hashHere: (i: number) => Uint8Array,
): Uint8Array[] | undefined {
  const n = txs.length;
  const job = n === 0 ? undefined : jobOf.get(txs[0]!.tx.serialized_tx);
  if (job === undefined || job.count !== n || job.serialized[0] !== txs[0]!.tx.serialized_tx) return undefined;
  if (job.serialized[n - 1] !== txs[n - 1]!.tx.serialized_tx) return undefined;
  const hashes = new Array<Uint8Array>(n);
  let back = n; // the main thread hashed [back, n) itself
  const own = (i: number): void => {
    job.settleHash(i, (hashes[i] = hashHere(i))); // written back: a second validation finds it
  };
  for (let i = 0; i < back; i++) {
    let state = Atomics.load(job.hashStates, i);
    if (state === NOT_HASHED || (state === UNCLAIMED && job.claimHash(i))) {
      hashes[i] = hashHere(i);
      if (state !== NOT_HASHED) job.settleHash(i, hashes[i]!);
      continue;
    }
    while (state === CLAIMED && back - 1 > i && job.claimHash(back - 1)) {
      own(--back);
      state = Atomics.load(job.hashStates, i);
    }
    if (state === CLAIMED) state = waitFor(job.hashStates, i);
    hashes[i] = state === DONE ? job.txHash(i) : hashHere(i); // still claimed: a thread stopped
  }
  return hashes;
}

/** The main thread has reached `job`: blocks posted before it will not run (now), so the threads skip what is left of them. */
function overtake(job: SenderJob): void {
  current = job;
  const at = live.indexOf(job);
  if (at > 0) for (const skipped of live.splice(0, at)) release(skipped);
}

/** QKC_SENDER_THREADS (0: none), else one thread a core besides the main thread's, at most 3. */
function threadCount(): number {
  const set = Number(process.env["QKC_SENDER_THREADS"]);
  if (process.env["QKC_SENDER_THREADS"] !== undefined && Number.isInteger(set) && set >= 0) return Math.min(set, 16);
  return Math.max(0, Math.min(availableParallelism() - 1, 3));
}

const MODULE = new URL(`./sender-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

// From sources (.ts), the worker registers tsx's loader itself: an eval worker gets no --import hooks.
// Jobs are handled in the order they come; each to its end (or until the main thread cancels it).
// A block's sender job is its buffer alone; another job names the module whose runThreadJob runs it
// (postToSenderThread), imported once.
// Dynamic imports only: the source is read as CommonJS or, under --input-type=module, as a module.
const WORKER_SOURCE = `
import("node:worker_threads").then(async ({ parentPort, workerData }) => {
  if (workerData.module.endsWith(".ts")) (await import("tsx/esm/api")).register();
  const m = await import(workerData.module);
  const others = new Map();
  parentPort.on("message", (job) => {
    if (job instanceof SharedArrayBuffer) return m.recoverJob(job);
    let run = others.get(job.module);
    if (run === undefined) others.set(job.module, (run = import(job.module).then((o) => o.runThreadJob)));
    // Not run, or it threw: the main thread does the job itself (the thread stays up for the next).
    run.then((f) => f(job.buffer)).catch(() => {});
  });
  let tid = ""; // this thread's id (Linux), for QKC_SENDER_STATS
  try { tid = (await import("node:fs")).readlinkSync("/proc/thread-self").split("/").pop(); } catch {}
  parentPort.postMessage(tid);
});
`;

/** One sender thread, never holding the process open (a job it does not finish the main thread finishes). */
class SenderThread {
  ready = false;
  dead = false;
  /** Resolves once the thread is ready or has stopped. */
  readonly started: Promise<void>;
  private settle!: () => void;
  private readonly worker: Worker;

  constructor() {
    this.started = new Promise((resolve) => (this.settle = resolve));
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: MODULE } });
    this.worker.unref();
    this.worker.on("message", (tid: unknown) => {
      if (typeof tid === "string" && tid !== "") senderStats.tids.push(tid);
      this.ready = true;
      this.settle();
    });
    const fail = (e: Error) => {
      if (this.dead) return;
      this.dead = true;
      this.ready = false;
      this.settle();
      process.emitWarning(`a sender thread stopped (${e.message}); senders are recovered in place`, {
        code: "QKC_SENDER_THREAD",
      });
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
  }

  post(job: SenderJob | ThreadJob): void {
    this.worker.postMessage(job instanceof SenderJob ? job.buffer : job);
    this.worker.unref(); // a post refs the worker again (seen on Node 20: the process then never exits)
  }

  async stop(): Promise<void> {
    this.dead = true;
    this.ready = false;
    await this.worker.terminate();
  }
}

let threads: SenderThread[] | undefined;

/** The threads up now (none before startSenderThreads: a library user that never starts them gets none). */
function readyThreads(): SenderThread[] {
  return threads?.filter((t) => t.ready) ?? [];
}

/**
 * Start the sender threads (the daemon does at start; blocks go to them once they are up); resolves
 * to how many are ready. With 2 cores or more there is one a core besides the
 * main thread's, whatever the load: a slave busy importing is itself the load a load-average gate sees.
 */
export async function startSenderThreads(): Promise<number> {
  threads ??= Array.from({ length: threadCount() }, () => new SenderThread());
  await Promise.all(threads!.map((t) => t.started));
  return readyThreads().length;
}

/** Stop the sender threads (what they were on is recovered in place) until startSenderThreads. */
export async function stopSenderThreads(): Promise<void> {
  const stopping = threads ?? [];
  threads = undefined;
  // A thread terminated inside libsecp256k1's recovery can abort the whole process (the addon throws
  // a C++ Napi::Error as the thread's isolate dies; seen once in CI, test/tx/senders.test.ts): the
  // live jobs are cancelled first, so each thread leaves after the one recovery it is in (bounded).
  for (const job of live) job.cancel();
  const until = performance.now() + 200;
  while (live.some((job) => job.threadsInside() > 0) && performance.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 1));
  await Promise.all(stopping.map((t) => t.stop()));
}

type SerializedTx = { readonly tx: { readonly type: number; readonly serialized_tx: Uint8Array } };

/**
 * Hand a block's transactions to the sender threads, to be recovered while the blocks before it and
 * then it run; returns at once (the job, or undefined when the block is small or no thread is up).
 * Blocks posted in the order they will run are recovered in that order.
 */
export function recoverSendersAhead(txList: readonly SerializedTx[]): SenderJob | undefined {
  if (txList.length < PARALLEL_MIN_TXS) return undefined;
  const helpers = readyThreads();
  if (helpers.length === 0) return undefined;
  const serialized = txList.map((t) => t.tx.serialized_tx);
  let size = 0;
  for (const t of serialized) size += t.length;
  const reuse = spareBuffer(SenderJob.size(serialized.length, size));
  const job = SenderJob.of(
    serialized,
    txList.map((t) => t.tx.type),
    reuse,
    MIN_JOB_BYTES,
  );
  for (const t of job.serialized) jobOf.set(t, job);
  for (const thread of helpers) thread.post(job);
  live.push(job);
  countPosted(job.count);
  if (live.length > MAX_LIVE) release(live.shift()!);
  return job;
}

/** A job for a sender thread other than a block's senders: `module`'s runThreadJob(buffer) runs it there. */
export interface ThreadJob {
  /** The module's URL (import.meta.url-relative, as the main thread loads it). */
  readonly module: string;
  readonly buffer: SharedArrayBuffer;
}

/**
 * Hand `job` to a sender thread (the first one up: between blocks they are idle), to run after what
 * it has already; false when no thread is up (the caller does the job itself). The job's buffer says
 * who took it: the main thread takes back whatever no thread has started, and waits boundedly for one
 * that has (a thread may stop).
 */
export function postToSenderThread(job: ThreadJob): boolean {
  const thread = readyThreads()[0];
  if (thread === undefined) return false;
  thread.post(job);
  return true;
}
