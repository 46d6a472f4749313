/**
 * The ideal slave: the ceiling of the load generator and the loopback. It decodes nothing:
 * each request frame (rpc id != 0) is answered with op + 1, the same metadata and rpc id,
 * and a canned payload for that op (the bytes qkc-slave answered, so both put the same
 * bytes on the wire); commands (rpc id 0) are dropped. The answers to one chunk leave in
 * one write. As in a slave, the first connection is the master link (25-byte header), the
 * later ones slave links (13 bytes).
 *
 *   node --import tsx bench/ideal-slave.ts <port> [replies.json: {"<op>": "<payload hex>"}]
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const port = Number(process.argv[2]);
const replies = new Map<number, Buffer>();
if (process.argv[3]) {
  const json = JSON.parse(readFileSync(process.argv[3], "utf8")) as Record<string, string>;
  for (const [op, hex] of Object.entries(json)) replies.set(Number(op), Buffer.from(hex, "hex"));
}
const errorCodeZero = Buffer.alloc(4);
let links = 0;

const server = createServer((socket) => {
  const head = links++ === 0 ? 25 : 13;
  socket.setNoDelay(true);
  socket.on("error", () => {});
  socket.on("close", () => head === 25 && process.exit(0)); // a slave stops with its master
  let rest: Buffer | undefined;
  socket.on("data", (chunk: Buffer) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const out: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= head) {
      const total = head + buf.readUInt32BE(at);
      if (buf.length - at < total) break;
      if (buf.readUInt32BE(at + head - 8) !== 0 || buf.readUInt32BE(at + head - 4) !== 0) {
        const op = buf[at + head - 9]!;
        const payload = replies.get(op) ?? errorCodeZero;
        const h = Buffer.from(buf.subarray(at, at + head));
        h.writeUInt32BE(payload.length, 0);
        h[head - 9] = op + 1;
        out.push(h, payload);
      }
      at += total;
    }
    rest = at < buf.length ? buf.subarray(at) : undefined;
    if (out.length) socket.write(Buffer.concat(out));
  });
});
server.listen(port, "127.0.0.1", () => console.log(`ideal slave listening on ${port}`));
