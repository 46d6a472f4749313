/**
 * The ideal slave: the ceiling of the load generator and the loopback. It decodes nothing on
 * the hot path: each request frame (rpc id != 0) is answered with op + 1, the same metadata
 * and rpc id, and a canned payload for that op (the bytes qkc-slave answered, so both put the
 * same bytes on the wire); commands (rpc id 0) are dropped. The answers to one chunk leave in
 * one write. As in a slave, the first connection is the master link (25-byte header), the
 * later ones slave links (13 bytes).
 *
 * The xshard fan-out, replayed: CONNECT_TO_SLAVES (decoded: a handshake) makes it dial each
 * sibling and PING it; then each ADD_MINOR_BLOCK_REQUEST sends a recorded ADD_XSHARD_TX_LIST
 * frame to every sibling, once all have answered the recorded ADD_MINOR_BLOCK_HEADER_REQUEST
 * to the master, and once that is answered the block's answer: qkc-slave's order (§7.9).
 *
 *   node --import tsx bench/ideal-slave.ts <port> [replies.json]
 *   replies.json: {"<request op>": "<answer payload hex>", "frame:<op>": "<a request frame qkc-slave sent, hex>"}
 */
import { readFileSync } from "node:fs";
import { type Socket, connect, createServer } from "node:net";
import { decode } from "../src/codec/index.ts";
import { ClusterOp, ConnectToSlavesRequest } from "../src/messages/cluster.ts";
import { FrameSplitter } from "./load/frames.ts";

const port = Number(process.argv[2]);
const replies = new Map<number, Buffer>();
const sent = new Map<number, Buffer>();
if (process.argv[3]) {
  const json = JSON.parse(readFileSync(process.argv[3], "utf8")) as Record<string, string>;
  for (const [key, hex] of Object.entries(json)) {
    if (key.startsWith("frame:")) sent.set(Number(key.slice(6)), Buffer.from(hex, "hex"));
    else replies.set(Number(key), Buffer.from(hex, "hex"));
  }
}
const errorCodeZero = Buffer.alloc(4);
const reply = (op: number): Buffer => replies.get(op) ?? errorCodeZero;
let links = 0;

// The fan-out: the dialed siblings, and each block in flight by the rpc id of its own requests.
const master = new FrameSplitter(25);
const mesh = new FrameSplitter(13);
const siblings: Array<{ socket: Socket; list: Buffer }> = [];
const blocks = new Map<number, { left: number; answer: Buffer[] }>();
let masterSocket: Socket | undefined;
let lastRpcId = 0;

function dialSibling(host: string, siblingPort: number, shard: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: siblingPort });
    socket.setNoDelay(true);
    socket.once("error", reject);
    const split = new FrameSplitter(13);
    let ponged = false;
    socket.on("data", (chunk: Buffer) => {
      const headers: Buffer[] = [];
      split.push(chunk, (buf, at) => {
        if (!ponged) {
          ponged = true; // the PONG
          resolve();
          return;
        }
        const block = blocks.get(split.rpcId(buf, at));
        if (block && --block.left === 0) {
          const id = split.rpcId(buf, at);
          headers.push(master.withRpcId(sent.get(ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST)!, id));
        }
      });
      if (headers.length) masterSocket!.write(Buffer.concat(headers));
    });
    socket.once("connect", () => {
      // The recorded list, addressed to this sibling's shard (its payload starts with the branch).
      const list = Buffer.from(sent.get(ClusterOp.ADD_XSHARD_TX_LIST_REQUEST)!);
      list.writeUInt32BE(shard, 13);
      siblings.push({ socket, list });
      socket.write(mesh.withRpcId(sent.get(ClusterOp.PING)!, 1));
    });
  });
}

async function connectToSlaves(payload: Buffer, answer: Buffer[]): Promise<void> {
  const req = decode(ConnectToSlavesRequest, payload);
  for (const s of req.slave_info_list)
    await dialSibling(Buffer.from(s.host).toString("ascii"), s.port, s.full_shard_id_list[0]!);
  masterSocket!.write(Buffer.concat(answer));
}

function masterFrame(buf: Buffer, at: number, out: Buffer[]): void {
  const op = master.op(buf, at);
  const id = master.rpcId(buf, at);
  if (op === ClusterOp.ADD_MINOR_BLOCK_HEADER_RESPONSE) {
    const block = blocks.get(id);
    blocks.delete(id);
    if (block) out.push(...block.answer);
  } else if (op === ClusterOp.ADD_MINOR_BLOCK_REQUEST && siblings.length > 0) {
    const own = ++lastRpcId;
    blocks.set(own, { left: siblings.length, answer: master.answer(buf, at, reply(op)) });
    for (const s of siblings) s.socket.write(mesh.withRpcId(s.list, own));
  } else if (op === ClusterOp.CONNECT_TO_SLAVES_REQUEST) {
    const payload = Buffer.from(buf.subarray(at + 25, at + 25 + buf.readUInt32BE(at)));
    void connectToSlaves(payload, master.answer(buf, at, reply(op)));
  } else out.push(...master.answer(buf, at, reply(op)));
}

const server = createServer((socket) => {
  const isMaster = links++ === 0;
  const split = isMaster ? master : new FrameSplitter(13);
  if (isMaster) masterSocket = socket;
  socket.setNoDelay(true);
  socket.on("error", () => {});
  socket.on("close", () => isMaster && process.exit(0)); // a slave stops with its master
  socket.on("data", (chunk: Buffer) => {
    const out: Buffer[] = [];
    split.push(chunk, (buf, at) => {
      if (split.isCommand(buf, at)) return;
      if (isMaster) masterFrame(buf, at, out);
      else out.push(...split.answer(buf, at, reply(split.op(buf, at))));
    });
    if (out.length) socket.write(Buffer.concat(out));
  });
});
server.listen(port, "127.0.0.1", () => console.log(`ideal slave listening on ${port}`));
