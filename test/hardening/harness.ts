import type { Logger } from "pino";
import type t from "tap";
import type { SlaveBackend } from "../../src/backend/api.ts";
import { SlaveServer, type SlaveServerOptions } from "../../src/cluster/slave-server.ts";
import type { SlaveInfo } from "../../src/messages/cluster.ts";
import { within } from "../../harness/frame-socket.ts";
import { TestBackend } from "../helpers/test-backend.ts";
import { type CapturedLog, captureLog } from "../helpers/test-log.ts";
import { TestMaster } from "../../harness/test-master.ts";

/**
 * Like test/helpers/test-slave.ts, but every hardening option of SlaveServer can be set
 * (the shared helper keeps pyquarkchain's defaults for the older tests).
 */

export type Test = Parameters<Parameters<typeof t.test>[0]>[0];

export const SHARD_A = 1; // chain 0
export const SHARD_B = 65537; // chain 1
export const SHARD_C = 131073; // chain 2
export const NETWORK = [SHARD_A, SHARD_B, SHARD_C];

export type HardenedOptions<B extends SlaveBackend> = Partial<
  Omit<SlaveServerOptions, "self" | "networkShards" | "backend" | "log" | "host" | "port">
> & {
  id?: string;
  shards?: number[];
  networkShards?: number[];
  backend?: B;
  log?: Logger;
  host?: string;
};

export interface Hardened<B extends SlaveBackend> {
  server: SlaveServer;
  backend: B;
  port: number;
  log: CapturedLog;
  id: string;
  shards: number[];
  info(host?: string): SlaveInfo;
  stop(): Promise<string>;
}

/** A SlaveServer on 127.0.0.1, port 0, logs captured; stopped at teardown. */
export async function startHardened<B extends SlaveBackend = TestBackend>(
  t: Test,
  opts: HardenedOptions<B> = {},
): Promise<Hardened<B>> {
  const log = captureLog();
  const id = opts.id ?? "S1";
  const shards = opts.shards ?? [SHARD_A];
  const backend = opts.backend ?? (new TestBackend({ shards }) as unknown as B);
  const server = new SlaveServer({
    rpcTimeoutMs: 5_000,
    dialTimeoutMs: 2_000,
    handshakeTimeoutMs: 5_000,
    maxPayloadBytes: 16 * 1024 * 1024,
    ...opts,
    self: { id, fullShardIds: shards },
    networkShards: new Set(opts.networkShards ?? NETWORK),
    host: opts.host ?? "127.0.0.1",
    port: 0,
    backend,
    log: opts.log ?? log.log,
  });
  const addr = await server.listen();
  const stop = () => {
    server.shutdown("test over");
    return within(server.stopped, `slave ${id} to stop`);
  };
  t.teardown(stop);
  return {
    server,
    backend,
    port: addr.port,
    log,
    id,
    shards,
    info: (host = "127.0.0.1") => ({
      id: Buffer.from(id, "latin1"),
      host: Buffer.from(host, "latin1"),
      port: addr.port,
      full_shard_id_list: [...shards],
    }),
    stop,
  };
}

/** The master connects (first socket) and PINGs; `root` also runs PING #2 (shards created). */
export async function connectMaster(t: Test, port: number, opts: { root?: boolean } = {}): Promise<TestMaster> {
  const master = await TestMaster.dial(port);
  t.teardown(() => master.destroy());
  await master.ping();
  if (opts.root) await master.ping(TestMaster.genesisRoot());
  return master;
}

/** A round trip on the master link: it is up, and everything sent before was read. */
export async function masterAnswers(t: Test, master: TestMaster, what: string): Promise<void> {
  const pong = await master.ping();
  t.ok(pong.id.length > 0 && !master.isClosed, what);
}

/**
 * Waits until `cond()` holds, looking again every few milliseconds (for state inside the
 * slave that no frame reports); fails the test with `what` after WAIT_MS.
 */
export function until(cond: () => boolean, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const look = () => (cond() ? resolve() : void setTimeout(look, 5).unref());
      look();
    }),
    what,
  );
}
