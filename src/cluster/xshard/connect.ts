import { connect as netConnect, type Socket } from "node:net";
import type { SlaveInfo } from "../../messages/cluster.ts";
import { RootBlock } from "../../messages/core.ts";
import { XshardConn, type XshardConnOptions, identityOnWire } from "./xshard-conn.ts";

export interface DialOptions extends XshardConnOptions {
  dialTimeoutMs: number;
  /** How a socket is opened (tests give one that never connects). */
  connect?: (opts: { host: string; port: number }) => Socket;
}

/** A connected socket, or an error once `timeoutMs` has passed (the socket is then destroyed). */
export function dial(
  host: string,
  port: number,
  timeoutMs: number,
  connect: (opts: { host: string; port: number }) => Socket = netConnect,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Dials a sibling the master announced, PINGs it (with the all-default RootBlock that
 * pyquarkchain slaves send) and checks that the PONG names the announced id and the
 * exact shard list. Returns the verified link, or the error string for the master;
 * a link that fails the check is closed (pyquarkchain leaves it open).
 */
export async function connectToSlave(info: SlaveInfo, opts: DialOptions): Promise<XshardConn | string> {
  const id = Buffer.from(info.id).toString("latin1");
  const host = Buffer.from(info.host).toString("latin1");
  let socket: Socket;
  try {
    socket = await dial(host, info.port, opts.dialTimeoutMs, opts.connect);
  } catch (err) {
    return `Failed to connect ${host}:${info.port} with exception ${(err as Error).message}`;
  }
  const conn = new XshardConn(socket, "outbound", opts);
  opts.log.info({ conn: conn.name, slave: id }, "slave link up");
  try {
    const pong = await conn.rpc.call("PING", { ...identityOnWire(opts.self), root_tip: RootBlock.zero() });
    const got = Buffer.from(pong.id).toString("latin1");
    let mismatch: string | undefined;
    if (got !== id) mismatch = `id does not match. expect ${id} got ${got}`;
    else if (!sameList(pong.full_shard_id_list, info.full_shard_id_list)) {
      mismatch = `shard list does not match. expect [${info.full_shard_id_list.join(", ")}] got [${pong.full_shard_id_list.join(", ")}]`;
    }
    if (mismatch) {
      conn.close(mismatch);
      return mismatch;
    }
    conn.remote = { id, fullShardIds: pong.full_shard_id_list };
    return conn;
  } catch (err) {
    conn.close((err as Error).message);
    return `PING to ${id} at ${host}:${info.port} failed: ${(err as Error).message}`;
  }
}
