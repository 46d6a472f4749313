/**
 * The master's end of the one connection a replay keeps to the slave: one request at a
 * time with strictly increasing rpc ids, the slave's own requests answered at once from
 * the transcript's master_answers with the slave's rpc id, and everything else the slave
 * sends meanwhile kept, so the comparison sees it.
 */
import { type Socket, connect } from "node:net";
import { type Frame, encodeRawFrame } from "../../cluster/frame/format.ts";
import { FrameDecoder } from "../../cluster/frame/decoder.ts";
import type { MasterAnswer, RecordedFrame } from "./transcript.ts";

/** What came back for one request; `lost` says why no response came (then `response` is undefined). */
export interface Outcome {
  response: RecordedFrame | undefined;
  /** Every other frame the slave sent between the request and its response. */
  slaveFrames: RecordedFrame[];
  lost?: string;
}

const recorded = (f: Frame): RecordedFrame => ({
  op: f.op,
  branch: f.branch,
  clusterPeerId: f.clusterPeerId,
  // The decoder hands out views of its chunks: keep a copy.
  payload: Buffer.from(f.payload),
});

interface Waiter {
  rpcId: bigint;
  frames: RecordedFrame[];
  done(outcome: Outcome): void;
}

export class MasterLink {
  private readonly decoder = new FrameDecoder("master", { maxPayloadBytes: 2 ** 32 - 1 });
  private lastRpcId = 0n;
  private waiter: Waiter | undefined;
  /** Frames that came while no request was out: counted in the next exchange, where they will not match. */
  private early: RecordedFrame[] = [];
  /** Why the link is unusable, once it is. */
  private broken: string | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly answers: ReadonlyMap<number, MasterAnswer>,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      try {
        this.decoder.push(chunk, (f) => this.receive(f));
      } catch (e) {
        this.break(`the slave sent bytes that are not frames: ${(e as Error).message}`);
      }
    });
    socket.on("error", (e) => this.break(`link error: ${e.message}`));
    socket.on("close", () => this.break("the slave closed the link"));
  }

  static dial(port: number, answers: ReadonlyMap<number, MasterAnswer>, timeoutMs: number): Promise<MasterLink> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`cannot connect to the slave on 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to the slave on 127.0.0.1:${port}: ${e.message}`));
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new MasterLink(socket, answers));
      });
    });
  }

  get lostReason(): string | undefined {
    return this.broken;
  }

  /**
   * Sends one request (branch 0, cluster_peer_id 0, the next rpc id) and resolves when its
   * response (same rpc id, an even op) arrives, the link is lost, or `timeoutMs` passes.
   * A timeout breaks the link: a late response would be taken for the next exchange's.
   */
  exchange(op: number, request: Buffer, timeoutMs: number): Promise<Outcome> {
    if (this.waiter) throw new Error("one request at a time");
    if (this.broken !== undefined) return Promise.resolve({ response: undefined, slaveFrames: [], lost: this.broken });
    const rpcId = ++this.lastRpcId;
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => this.break(`no response within ${timeoutMs} ms`), timeoutMs);
      this.waiter = {
        rpcId,
        frames: this.early.splice(0),
        done: (outcome) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(outcome);
        },
      };
      this.socket.write(encodeRawFrame("master", { branch: 0, clusterPeerId: 0n, op, rpcId }, request));
    });
  }

  /** Closes the link (the slave then exits, as pyquarkchain's does). */
  close(): void {
    this.broken ??= "closed by the replayer";
    this.socket.destroy();
  }

  private receive(f: Frame): void {
    const w = this.waiter;
    if (w && f.rpcId === w.rpcId && f.op % 2 === 0) return w.done({ response: recorded(f), slaveFrames: w.frames });
    const answer = f.op % 2 === 1 ? this.answers.get(f.op) : undefined;
    if (answer) {
      // pyquarkchain's slave waits for this before it answers the request: answer at once.
      const header = { branch: 0, clusterPeerId: 0n, op: answer.op, rpcId: f.rpcId };
      this.socket.write(encodeRawFrame("master", header, answer.payload));
    }
    if (w) w.frames.push(recorded(f));
    else this.early.push(recorded(f));
  }

  private break(reason: string): void {
    if (this.broken === undefined) this.broken = reason;
    this.socket.destroy();
    const w = this.waiter;
    if (w) w.done({ response: undefined, slaveFrames: w.frames, lost: this.broken });
  }
}
