import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EthashCache } from "./ethash.ts";

/**
 * An epoch's ethash cache built on a worker thread: ~1 M keccak512 (2-7 s on this machine),
 * which on the event loop would stall every connection of the slave (pyquarkchain builds it
 * on its loop, with pyethash's C in about a second). The cache's buffer is moved back, not
 * copied. The worker runs ethash.ts itself (its sibling: .ts under tsx, .js when built) and holds
 * the process open for nobody (unref).
 */

const ETHASH_MODULE = new URL(`./ethash${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

// From sources (.ts), the worker registers tsx's loader itself: an eval worker gets no --import hooks.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const loader = workerData.module.endsWith(".ts") ? import("tsx/esm/api").then((t) => t.register()) : Promise.resolve();
loader.then(() => import(workerData.module)).then((m) => {
  const cache = m.makeEthashCache(workerData.epoch);
  parentPort.postMessage(cache, [cache.words.buffer]);
});
`;

export function buildEthashCacheOffThread(epoch: number): Promise<EthashCache> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: ETHASH_MODULE, epoch } });
    worker.unref();
    worker.once("message", (cache: EthashCache) => {
      resolve(cache);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`ethash cache worker exited (code ${code})`)));
  });
}
