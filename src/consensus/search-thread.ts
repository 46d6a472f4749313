import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SearchCommand, SearchFound, SearchResult, SearchWork } from "./pow-search.ts";

/**
 * One nonce search on a worker thread (pyquarkchain runs each shard's mine_loop in its own
 * process): the event loop only posts work and receives seals, so the master link and the
 * peers are answered while a shard mines. The worker runs pow-search.ts's serveSearches (its
 * sibling: .ts under tsx, .js when built); its epoch caches are its own. It holds the process
 * open for nobody (unref).
 */

const SEARCH_MODULE = new URL(`./pow-search${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

// From sources (.ts), the worker registers tsx's loader itself: an eval worker gets no --import hooks.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const loader = workerData.module.endsWith(".ts") ? import("tsx/esm/api").then((t) => t.register()) : Promise.resolve();
loader.then(() => import(workerData.module)).then((m) => m.serveSearches(parentPort));
`;

export class SearchThread {
  private readonly worker: Worker;
  private nextId = 0;
  /** The work being searched, by the id it was posted with. */
  private current: { id: number; work: SearchWork } | undefined;
  private stopped = false;

  /**
   * `onFound` gets the seal of the work last given (a seal of work replaced meanwhile is
   * dropped); `onError` a worker that died (the thread is unusable then).
   */
  constructor(onFound: (work: SearchWork, result: SearchResult) => void, onError: (err: Error) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: SEARCH_MODULE } });
    this.worker.unref();
    this.worker.on("message", (found: SearchFound) => {
      const current = this.current;
      if (this.stopped || current?.id !== found.id) return;
      this.current = undefined;
      onFound(current.work, found.result);
    });
    this.worker.once("error", (err) => {
      if (!this.stopped) onError(err);
    });
    this.worker.once("exit", (code) => {
      if (!this.stopped) onError(new Error(`search thread exited (code ${code})`));
    });
  }

  /** Search `work` from a random nonce, replacing whatever was searched. */
  search(work: SearchWork): void {
    if (this.stopped) return;
    const id = this.nextId++;
    this.current = { id, work };
    this.worker.postMessage({ kind: "work", id, work } satisfies SearchCommand);
  }

  /** Stop searching; the thread waits for new work. */
  idle(): void {
    if (this.stopped) return;
    this.current = undefined;
    this.worker.postMessage({ kind: "idle" } satisfies SearchCommand);
  }

  /** Ends the thread (disable: pyquarkchain ends its mining process). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.current = undefined;
    await this.worker.terminate();
  }
}
