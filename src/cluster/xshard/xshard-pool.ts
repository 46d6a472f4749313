import type { Logger } from "pino";
import type { XshardFailure } from "../../backend/api.ts";
import type { AddXshardTxListRequest } from "../../messages/cluster.ts";
import type { XshardConn } from "./xshard-conn.ts";

export type { XshardFailure } from "../../backend/api.ts";

/**
 * The verified sibling links, indexed by slave id and by the full shard ids each
 * serves. A link leaves the pool when it closes, and a sibling that links again
 * replaces its stale link (the newest wins). Forgetting a link never loses a list
 * silently: a list for a shard that no link serves is reported as a failure.
 */
export class XshardPool {
  private readonly byId = new Map<string, XshardConn>();
  private readonly byShard = new Map<number, Set<XshardConn>>();
  private closedReason: string | undefined;
  /** Xshard lists sent, by result: "ok", "error-code", "failed" (closed, timeout) or "no-slave" (metrics). */
  readonly fanout = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get size(): number {
    return this.byId.size;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Every linked sibling's link. */
  conns(): XshardConn[] {
    return [...this.byId.values()];
  }

  connsFor(fullShardId: number): XshardConn[] {
    return [...(this.byShard.get(fullShardId) ?? [])];
  }

  add(conn: XshardConn): void {
    const remote = conn.remote;
    if (!remote) throw new Error("only a link whose remote is known can join the pool");
    // A dial still under way when the slave stopped must not leave a link open behind it.
    if (this.closedReason !== undefined) return conn.close(this.closedReason);
    const stale = this.byId.get(remote.id);
    if (stale && stale !== conn) {
      this.remove(stale);
      stale.close(`replaced by a newer link from ${remote.id}`, "replaced");
    }
    this.byId.set(remote.id, conn);
    for (const shard of remote.fullShardIds) {
      let set = this.byShard.get(shard);
      if (!set) this.byShard.set(shard, (set = new Set()));
      set.add(conn);
    }
    conn.link.onClose((reason) => {
      if (this.byId.get(remote.id) === conn) this.remove(conn);
      this.log.info({ conn: conn.name, slave: remote.id, reason }, "slave link closed");
    });
    this.log.info({ conn: conn.name, slave: remote.id, shards: remote.fullShardIds }, "slave link verified");
  }

  /**
   * Sends each list to every sibling serving its destination shard, all in parallel,
   * and collects every failure: a closed link, a timeout, a non-zero error code, or no
   * linked sibling serving the shard at all.
   */
  async sendXshardTxLists(requests: readonly AddXshardTxListRequest[]): Promise<XshardFailure[]> {
    const calls = requests.flatMap((req) =>
      this.sendToShard(req.branch.value, (conn) => conn.rpc.call("ADD_XSHARD_TX_LIST_REQUEST", req)),
    );
    return (await Promise.all(calls)).filter((f): f is XshardFailure => f !== undefined);
  }

  /** One BATCH_ADD_XSHARD_TX_LIST_REQUEST with `requests` to every sibling serving `fullShardId`; the failures. */
  async sendXshardTxListBatch(
    fullShardId: number,
    requests: readonly AddXshardTxListRequest[],
  ): Promise<XshardFailure[]> {
    const batch = { add_xshard_tx_list_request_list: [...requests] };
    const calls = this.sendToShard(fullShardId, (conn) => conn.rpc.call("BATCH_ADD_XSHARD_TX_LIST_REQUEST", batch));
    return (await Promise.all(calls)).filter((f): f is XshardFailure => f !== undefined);
  }

  /** `call` on every link serving `shard`, each settling to its failure or undefined; a failure if none serves it. */
  private sendToShard(
    shard: number,
    call: (conn: XshardConn) => Promise<{ error_code: number }>,
  ): Array<Promise<XshardFailure | undefined>> {
    const conns = this.connsFor(shard);
    if (conns.length === 0) {
      this.countFanout("no-slave");
      return [Promise.resolve({ slave: "-", fullShardId: shard, error: `no linked slave serves shard ${shard}` })];
    }
    return conns.map((conn) => {
      const slave = conn.remote?.id ?? conn.name;
      return call(conn).then(
        (res) => {
          this.countFanout(res.error_code === 0 ? "ok" : "error-code");
          return res.error_code === 0
            ? undefined
            : { slave, fullShardId: shard, error: `error_code ${res.error_code}` };
        },
        (err: Error) => {
          this.countFanout("failed");
          return { slave, fullShardId: shard, error: err.message };
        },
      );
    });
  }

  /** Closes every link; links verified later are closed as they arrive. */
  closeAll(reason: string, kind?: string): void {
    this.closedReason ??= reason;
    for (const conn of [...this.byId.values()]) conn.close(reason, kind);
  }

  private countFanout(result: string): void {
    this.fanout.set(result, (this.fanout.get(result) ?? 0) + 1);
  }

  private remove(conn: XshardConn): void {
    const remote = conn.remote;
    if (!remote) return;
    this.byId.delete(remote.id);
    for (const shard of remote.fullShardIds) this.byShard.get(shard)?.delete(conn);
  }
}
