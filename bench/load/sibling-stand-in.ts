/**
 * A sibling slave as the slave under test sees it on the mesh (0-byte metadata links, which
 * the slave dials on CONNECT_TO_SLAVES): it answers PING with its id and shard list, and
 * every ADD_XSHARD_TX_LIST_REQUEST / BATCH_ADD_XSHARD_TX_LIST_REQUEST with error_code 0 straight
 * from the frame header, counting the lists it was sent. Lists for another shard and any other
 * frame are problems the bench reports.
 */
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { encode } from "../../src/codec/index.ts";
import { ClusterOp, Pong, type SlaveInfo } from "../../src/messages/cluster.ts";
import { FrameSplitter } from "./frames.ts";

const SLAVE_HEAD = 13;
const errorCodeZero = Buffer.alloc(4);

export class SiblingStandIn {
  /** xshard lists received (a batch counts its items). */
  lists = 0;
  /** One frame of each request op the slave sent (the ideal slave replays them). */
  readonly firstFrames = new Map<number, Buffer>();
  readonly problems: string[] = [];
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(
    readonly id: string,
    readonly shard: number,
    private readonly server: Server,
  ) {}

  static async listen(id: string, shard: number): Promise<SiblingStandIn> {
    const server = createServer();
    const s = new SiblingStandIn(id, shard, server);
    server.on("connection", (socket) => s.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    s.port = (server.address() as AddressInfo).port;
    return s;
  }

  /** How CONNECT_TO_SLAVES lists it. */
  get info(): SlaveInfo {
    const ascii = (s: string) => Buffer.from(s, "ascii");
    return { id: ascii(this.id), host: ascii("127.0.0.1"), port: this.port, full_shard_id_list: [this.shard] };
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on("close", () => this.sockets.delete(socket));
    const split = new FrameSplitter(SLAVE_HEAD);
    const pong = Buffer.from(encode(Pong, { id: Buffer.from(this.id, "ascii"), full_shard_id_list: [this.shard] }));
    socket.on("data", (chunk: Buffer) => {
      const out: Buffer[] = [];
      split.push(chunk, (buf, at) => {
        const op = split.op(buf, at);
        if (!this.firstFrames.has(op)) this.firstFrames.set(op, Buffer.from(split.frame(buf, at)));
        if (op === ClusterOp.ADD_XSHARD_TX_LIST_REQUEST) {
          // The payload starts with the destination branch.
          this.check(buf.readUInt32BE(at + SLAVE_HEAD), op);
          this.lists++;
        } else if (op === ClusterOp.BATCH_ADD_XSHARD_TX_LIST_REQUEST) {
          this.lists += buf.readUInt32BE(at + SLAVE_HEAD); // the list's item count
        } else if (op !== ClusterOp.PING) {
          this.problem(`unexpected op ${op}`);
          return;
        }
        out.push(...split.answer(buf, at, op === ClusterOp.PING ? pong : errorCodeZero));
      });
      if (out.length) socket.write(Buffer.concat(out));
    });
  }

  private check(branch: number, op: number): void {
    if (branch !== this.shard) this.problem(`op ${op} for shard ${branch}`);
  }

  private problem(what: string): void {
    if (this.problems.length < 5) this.problems.push(`${this.id}: ${what}`);
  }
}
