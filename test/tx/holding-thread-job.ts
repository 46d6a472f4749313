/**
 * A thread job (postToSenderThread) that holds its sender thread until the test lets it go, for
 * senders.test.ts: word 1 of the buffer is set once the thread is in it; the thread leaves when word 0
 * is set (and notified), or after 10 s.
 */
export function runThreadJob(buffer: SharedArrayBuffer): void {
  const words = new Int32Array(buffer);
  Atomics.store(words, 1, 1);
  Atomics.wait(words, 0, 0, 10_000);
}
