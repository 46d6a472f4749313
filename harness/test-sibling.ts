import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import type {
  AddXshardTxListRequest,
  BatchAddXshardTxListRequest,
  Ping,
  Pong,
  SlaveInfo,
} from "../src/messages/cluster.ts";
import { RootBlock } from "../src/messages/core.ts";
import { FrameSocket, dialSocket, within } from "./frame-socket.ts";

export interface TestSiblingOptions {
  id: string;
  shards: number[];
  /** What the PONG says, when a test wants it to differ from the announced id/list. */
  pongId?: string;
  pongShards?: number[];
  /** Leave PINGs unanswered (the test answers them itself, or never). */
  holdPong?: boolean;
  /** The error_code answered to ADD_XSHARD_TX_LIST / BATCH requests. */
  xshardErrorCode?: number;
}

/**
 * A sibling slave on the 0-byte-metadata mesh link. Listening, it answers PING with a
 * configurable PONG and records the xshard lists it is sent (answering error_code 0);
 * dialing (TestSibling.dial), it is a raw endpoint that PINGs the slave under test.
 */
export class TestSibling {
  readonly id: string;
  readonly shards: number[];
  readonly links: SiblingLink[] = [];
  readonly pings: Ping[] = [];
  readonly xshardLists: AddXshardTxListRequest[] = [];
  readonly batches: BatchAddXshardTxListRequest[] = [];
  xshardErrorCode: number;
  private readonly server: Server;
  private readonly opts: TestSiblingOptions;
  private linkWaiters: Array<() => void> = [];
  private xshardWaiters: Array<() => void> = [];
  private portNumber = 0;

  private constructor(opts: TestSiblingOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.shards = opts.shards;
    this.xshardErrorCode = opts.xshardErrorCode ?? 0;
    this.server = createServer((socket) => this.accept(socket));
  }

  static async listen(opts: TestSiblingOptions): Promise<TestSibling> {
    const s = new TestSibling(opts);
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.portNumber = (s.server.address() as AddressInfo).port;
    return s;
  }

  /** Dials a slave's port as a sibling would (the slave's master must already be connected). */
  static async dial(port: number, name = "sibling"): Promise<SiblingLink> {
    return new SiblingLink(await dialSocket(port), name);
  }

  get port(): number {
    return this.portNumber;
  }

  /** The SlaveInfo a master would announce for this sibling. */
  info(host = "127.0.0.1"): SlaveInfo {
    return {
      id: Buffer.from(this.id, "latin1"),
      host: Buffer.from(host, "latin1"),
      port: this.port,
      full_shard_id_list: [...this.shards],
    };
  }

  /** The next (or an already accepted) link. */
  waitLink(index = 0): Promise<SiblingLink> {
    const l = this.links[index];
    if (l) return Promise.resolve(l);
    return within(
      new Promise<SiblingLink>((resolve) => {
        const check = (): void => {
          const got = this.links[index];
          if (got) resolve(got);
          else this.linkWaiters.push(check);
        };
        this.linkWaiters.push(check);
      }),
      `${this.id}: link #${index}`,
    );
  }

  /** Resolves once `n` ADD_XSHARD_TX_LIST requests (in all) have been received. */
  waitXshard(n: number): Promise<void> {
    if (this.xshardLists.length >= n) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.xshardLists.length >= n) resolve();
          else this.xshardWaiters.push(check);
        };
        this.xshardWaiters.push(check);
      }),
      `${this.id}: ${n} xshard lists`,
    );
  }

  /** Stops listening and closes every link: the sibling is gone. */
  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const l of this.links) l.destroy();
    await Promise.all(this.links.map((l) => l.closed));
    await closing;
  }

  private accept(socket: Socket): void {
    const link = new SiblingLink(socket, `${this.id} link ${this.links.length}`);
    link.onRequest("PING", (ping) => {
      this.pings.push(ping);
      if (this.opts.holdPong) return undefined;
      return {
        id: Buffer.from(this.opts.pongId ?? this.id, "latin1"),
        full_shard_id_list: [...(this.opts.pongShards ?? this.shards)],
      };
    });
    link.onRequest("ADD_XSHARD_TX_LIST_REQUEST", (req) => {
      this.xshardLists.push(req);
      for (const w of this.xshardWaiters.splice(0)) w();
      return { error_code: this.xshardErrorCode };
    });
    link.onRequest("BATCH_ADD_XSHARD_TX_LIST_REQUEST", (req) => {
      this.batches.push(req);
      return { error_code: this.xshardErrorCode };
    });
    this.links.push(link);
    for (const w of this.linkWaiters.splice(0)) w();
  }
}

/** One mesh link end: 0-byte metadata, its own rpc ids. */
export class SiblingLink extends FrameSocket {
  constructor(socket: Socket, name: string) {
    super(socket, "slave", name);
  }

  /** The PING a pyquarkchain slave sends after dialing: own id, own list, an all-default root block. */
  ping(id: string, shards: number[]): Promise<Pong> {
    return this.call("PING", {
      id: Buffer.from(id, "latin1"),
      full_shard_id_list: shards,
      root_tip: RootBlock.zero(),
    });
  }
}
