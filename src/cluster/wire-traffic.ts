import { type Frame, type LinkKind, headerSize } from "./frame.ts";

/** Traffic is told apart by who is at the other end: the master, a sibling slave, or a peer cluster. */
export type TrafficKind = "master" | "slave" | "peer";
export const TRAFFIC_KINDS: readonly TrafficKind[] = ["master", "slave", "peer"];

/** Frames and bytes per opcode (one slot per u8 op), for one kind and one direction. */
export class OpCounts {
  readonly frames = new Float64Array(256);
  readonly bytes = new Float64Array(256);
}

type Counts = Record<TrafficKind, OpCounts>;

function counts(): Counts {
  return { master: new OpCounts(), slave: new OpCounts(), peer: new OpCounts() };
}

/**
 * Frames and bytes in and out by link kind and opcode. Counting is two array additions per
 * frame (no labels, no allocation): the hot path pays nothing more, and the metrics
 * exporter turns the arrays into labelled series only when it is scraped.
 */
export class WireTraffic {
  readonly in: Counts = counts();
  readonly out: Counts = counts();

  frameIn(link: LinkKind, frame: Frame): void {
    const kind = link === "slave" ? "slave" : link === "master" && frame.clusterPeerId === 0n ? "master" : "peer";
    const c = this.in[kind];
    c.frames[frame.op]!++;
    c.bytes[frame.op]! += headerSize(link) + frame.payload.length;
  }

  /** One whole encoded frame (header included) about to be written. */
  frameOut(link: LinkKind, frame: Buffer): void {
    const head = headerSize(link);
    // ClusterMetadata's cluster_peer_id sits at bytes 8..16 of a master-link frame; non-zero = a peer's frame.
    const peer = link === "master" && (frame.readUInt32BE(8) !== 0 || frame.readUInt32BE(12) !== 0);
    const c = this.out[link === "slave" ? "slave" : link === "master" && !peer ? "master" : "peer"];
    const op = frame[head - 9]!;
    c.frames[op]!++;
    c.bytes[op]! += frame.length;
  }
}
