/** A thread job (postToSenderThread) that throws on the thread, for senders.test.ts. */
export function runThreadJob(buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer), 0, 1); // reached
  throw new Error("a thread job that throws");
}
