import { type Frame, type LinkKind, headerSize } from "./frame/format.ts";

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
    const c = this.in[trafficKind(link, frame.clusterPeerId)];
    c.frames[frame.op]!++;
    c.bytes[frame.op]! += headerSize(link) + frame.payload.length;
  }

  /** One frame queued to be written: `size` bytes, header included. */
  frameOut(link: LinkKind, clusterPeerId: bigint, op: number, size: number): void {
    const c = this.out[trafficKind(link, clusterPeerId)];
    c.frames[op]!++;
    c.bytes[op]! += size;
  }
}

/** On the master link a non-zero cluster_peer_id is a peer cluster's frame. */
function trafficKind(link: LinkKind, clusterPeerId: bigint): TrafficKind {
  return link === "slave" ? "slave" : link === "master" && clusterPeerId === 0n ? "master" : "peer";
}
