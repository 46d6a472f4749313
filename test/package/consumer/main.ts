// A downstream TypeScript project's use of the package: codec, messages, frames, connections.
import { type Frame, FrameDecoder, RpcConnection, cluster, clusterOps, decode, encodeFrame } from "qkc-slave";

const ping: cluster.Ping = { id: Buffer.from("S9"), full_shard_id_list: [1, 65537], root_tip: null };
const op = clusterOps.byName("PING")!.op;
const bytes = encodeFrame("slave", { branch: 0, clusterPeerId: 0n, op, rpcId: 7n }, cluster.Ping, ping);
const frames: Frame[] = [];
new FrameDecoder("slave").push(bytes, (f) => frames.push(f));
const back: cluster.Ping = decode(cluster.Ping, frames[0]!.payload);
console.log(
  JSON.stringify({
    hex: bytes.toString("hex"),
    op: frames[0]!.op,
    rpcId: String(frames[0]!.rpcId),
    id: Buffer.from(back.id).toString(),
    shards: back.full_shard_id_list,
    connection: typeof RpcConnection,
  }),
);
