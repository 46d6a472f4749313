import type { Logger } from "pino";
import { frameToJson } from "./wire/commands.ts";
import type { Frame } from "./cluster/frame/format.ts";
import { FrameDecoder } from "./cluster/frame/decoder.ts";
import type { SocketLink } from "./cluster/socket-link.ts";

/**
 * --trace-frames: one debug line per frame, in or out, decoded to JSON as `qkc-wire decode`
 * shows it. Decoding every frame twice is slow; this is for finding a bug, not for production.
 * It renders with qkc-wire's JSON (src/wire/), so it lives with the entry point, not in cluster/.
 */
export function frameTracer(log: Logger): (link: SocketLink, dir: "in" | "out", frame: Frame | Buffer) => void {
  return (link, dir, frame) => {
    if (!log.isLevelEnabled("debug")) return;
    const frames: Frame[] = [];
    if (Buffer.isBuffer(frame)) {
      const decoder = new FrameDecoder(link.link, { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
      decoder.push(frame, (f) => frames.push(f));
    } else {
      frames.push(frame);
    }
    for (const f of frames) {
      let decoded;
      try {
        decoded = frameToJson(link.link, f);
      } catch (err) {
        decoded = { op: f.op, rpc_id: String(f.rpcId), error: (err as Error).message };
      }
      log.debug({ conn: link.name, dir, frame: decoded }, "frame");
    }
  };
}
