import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import t from "tap";
import type { Frame, FrameHeader } from "../../src/cluster/frame/format.ts";
import { FrameDecoder } from "../../src/cluster/frame/decoder.ts";
import { SocketLink } from "../../src/cluster/socket-link.ts";
import { ClusterOp, Pong } from "../../src/messages/cluster.ts";
import { within } from "../../harness/frame-socket.ts";
import { silentLog } from "../helpers/test-log.ts";

/**
 * SocketLink's write path over a real TCP connection: the frames of one tick leave in
 * one socket write, a close flushes what is batched before the socket goes, and nothing
 * is written to a destroyed socket. The far end is a plain socket that records bytes.
 */

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

interface Ends {
  link: SocketLink;
  /** Every write the link made on its socket (byte counts). */
  writes: number[];
  /** The far end's bytes, decoded as master-link frames, and whether it saw EOF. */
  far: { frames: Frame[]; ended: Promise<void>; socket: Socket };
}

async function ends(t: Test): Promise<Ends> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const farSocket = connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port });
  await new Promise<void>((resolve) => farSocket.once("connect", resolve));
  const socket = await accepted;
  server.close();
  const writes: number[] = [];
  const write = socket.write.bind(socket) as (b: Buffer) => boolean;
  // Counting the link's writes, passing them on unchanged.
  socket.write = ((b: Buffer) => {
    writes.push(b.length);
    return write(b);
  }) as typeof socket.write;
  const link = new SocketLink(socket, { link: "master", name: "us", log: silentLog });
  link.start(() => {});
  const frames: Frame[] = [];
  const decoder = new FrameDecoder("master");
  farSocket.on("data", (chunk: Buffer) =>
    decoder.push(chunk, (f) => frames.push({ ...f, payload: Buffer.from(f.payload) })),
  );
  farSocket.on("error", () => {});
  const ended = new Promise<void>((resolve) => farSocket.once("close", () => resolve()));
  t.teardown(() => {
    link.close("test over");
    farSocket.destroy();
  });
  return { link, writes, far: { frames, ended, socket: farSocket } };
}

const h = (rpcId: number): FrameHeader => ({ branch: 0, clusterPeerId: 0n, op: ClusterOp.PONG, rpcId: BigInt(rpcId) });
const pong = { id: Buffer.from("S0"), full_shard_id_list: [1, 0x00010001] };
/** The rpc ids of the frames the far end got, in order. */
const received = (far: Ends["far"]): bigint[] => far.frames.map((f) => f.rpcId);
/** The rpc ids 1..n, as the frames carry them. */
const ids = (n: number): bigint[] => Array.from({ length: n }, (_, i) => BigInt(i + 1));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const until = async (what: string, done: () => boolean): Promise<void> =>
  within(
    (async () => {
      while (!done()) await new Promise((r) => setTimeout(r, 5));
    })(),
    what,
  );

t.test("the frames of one tick leave in one write, in order", async (t) => {
  const { link, writes, far } = await ends(t);
  for (let i = 1; i <= 64; i++) link.writeFrame(h(i), Pong, pong);
  t.same(writes, [], "nothing written inside the tick");
  t.ok(link.pendingBytes > 0, "the frames wait in the batch");
  await tick();
  t.equal(writes.length, 1, "one write for 64 frames");
  link.writeFrame(h(65), Pong, pong);
  await tick();
  t.equal(writes.length, 2, "a later tick is a later write");
  await until("all 65 frames arrive", () => far.frames.length >= 65);
  t.same(received(far), ids(65), "every frame, in the order written");
});

t.test("a close flushes the frames written before it, then the socket closes", async (t) => {
  const { link, far } = await ends(t);
  for (let i = 1; i <= 10; i++) link.writeFrame(h(i), Pong, pong);
  link.close("done here");
  t.equal(link.pendingBytes, 0, "nothing left in the batch");
  link.writeFrame(h(11), Pong, pong);
  await within(far.ended, "the far end sees the close");
  t.same(received(far), ids(10), "the ten frames before the close arrived, the one after it did not");
});

t.test("a batch is never written to a socket destroyed under it", async (t) => {
  const { link, writes } = await ends(t);
  link.writeFrame(h(1), Pong, pong);
  let error: unknown;
  link.socket.on("error", (err) => (error = err));
  link.socket.destroy(); // not through link.close: the batch is still scheduled
  await tick();
  t.same(writes, [], "the scheduled flush wrote nothing");
  t.equal(error, undefined, "and raised no write-after-destroy error");
  await until("the link sees its socket close", () => link.closed);
  t.same(writes, [], "still nothing written");
});

t.test("an encoding error throws to the writer and queues nothing", async (t) => {
  const { link, far, writes } = await ends(t);
  link.writeFrame(h(1), Pong, pong);
  t.throws(() => link.writeFrame(h(2), Pong, { id: Buffer.from("S0"), full_shard_id_list: [1, -1] }));
  link.writeFrame(h(3), Pong, pong);
  await tick();
  t.equal(writes.length, 1);
  await until("two frames arrive", () => far.frames.length >= 2);
  t.same(received(far), [1n, 3n], "the two good frames, whole");
});
