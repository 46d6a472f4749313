/**
 * One transcript against a fresh slave: boot it from the transcript's config, play the
 * master exchange by exchange, compare each answer. After a lost link (a timeout counts:
 * the link cannot be trusted after it) a new slave is booted and every earlier exchange
 * that may change state is re-sent, unjudged, before play goes on (README, "What is compared").
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Mismatch, compareExchange } from "./compare.ts";
import { MasterLink } from "./master-link.ts";
import { SlaveProcess } from "./slave-process.ts";
import { type Exchange, type ExchangeKind, type RecordedFrame, type Transcript, configWithPort } from "./transcript.ts";

export interface ReplayOptions {
  /** Deadline of each exchange, from the request to its response. */
  exchangeTimeoutMs: number;
  /** Deadline for a slave to log "slave listening" (and for the connection to it). */
  bootTimeoutMs: number;
  /** Slaves booted after a lost link before the rest of the transcript is given up. */
  maxRestarts: number;
  /** Called with each result as soon as it is known (for streaming output). */
  onResult?: (r: ExchangeResult) => void;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = {
  exchangeTimeoutMs: 10_000,
  bootTimeoutMs: 30_000,
  maxRestarts: 10,
};

export interface ExchangeResult {
  file: string;
  n: number;
  opName: string;
  kind: ExchangeKind;
  mismatches: Mismatch[];
  ms: number;
  /** What the slave sent, when it differs from the recording. */
  actual?: { response: RecordedFrame | undefined; slaveRequests: RecordedFrame[] };
}

export interface TranscriptResult {
  file: string;
  passed: number;
  failed: number;
  /** Slaves booted after the first. */
  restarts: number;
  results: ExchangeResult[];
  /** Every slave process started, so a caller can check none is left running. */
  pids: number[];
}

interface Session {
  slave: SlaveProcess;
  link: MasterLink;
}

/** A multi-line reason (a slave's output) as one short line: a MISMATCH is one line. */
function oneLine(text: string, max = 400): string {
  const s = text.trim().replace(/\s*\n\s*/g, " | ");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

class Player {
  private session: Session | undefined;
  private boots = 0;
  /** Exchanges whose link was lost: re-sending them would likely lose it again. */
  private readonly linkKillers = new Set<number>();
  readonly pids: number[] = [];

  constructor(
    private readonly t: Transcript,
    private readonly configFile: string,
    private readonly opts: ReplayOptions,
  ) {}

  get restarts(): number {
    return Math.max(0, this.boots - 1);
  }

  /** A slave ready for exchange `n`: the current one, or a new one brought up to the state before `n`. */
  async ready(n: number): Promise<Session> {
    if (this.session) return this.session;
    if (this.boots > this.opts.maxRestarts) throw new Error(`gave up after ${this.restarts} restarts of the slave`);
    this.boots++;
    const slave = await SlaveProcess.start(this.configFile, this.t.slaveId, this.opts.bootTimeoutMs);
    this.pids.push(slave.pid);
    let link: MasterLink;
    try {
      link = await MasterLink.dial(slave.port, this.t.masterAnswers, this.opts.bootTimeoutMs);
    } catch (e) {
      await slave.stop();
      throw e;
    }
    const session = { slave, link };
    this.session = session;
    for (const ex of this.t.exchanges.slice(0, n)) {
      if (ex.kind === "query" || this.linkKillers.has(ex.n)) continue;
      const got = await link.exchange(ex.op, ex.request, this.opts.exchangeTimeoutMs);
      if (got.response === undefined) {
        this.linkKillers.add(ex.n);
        const why = await this.end(got.lost);
        throw new Error(`rebuilding the state, #${ex.n} ${ex.opName} lost the link: ${why}`);
      }
    }
    return session;
  }

  async play(ex: Exchange): Promise<ExchangeResult> {
    let started = performance.now();
    const result = (mismatches: Mismatch[], actual?: ExchangeResult["actual"]): ExchangeResult => ({
      file: this.t.file,
      n: ex.n,
      opName: ex.opName,
      kind: ex.kind,
      mismatches,
      ms: Math.round(performance.now() - started),
      ...(actual ? { actual } : {}),
    });
    let session: Session;
    try {
      session = await this.ready(ex.n);
    } catch (e) {
      return result([{ kind: "no response", detail: `not run: ${oneLine((e as Error).message)}` }]);
    }
    started = performance.now(); // the exchange's own time, without a boot
    const got = await session.link.exchange(ex.op, ex.request, this.opts.exchangeTimeoutMs);
    if (got.response === undefined) {
      this.linkKillers.add(ex.n);
      got.lost = await this.end(got.lost);
    }
    const mismatches = compareExchange(ex, got);
    return mismatches.length === 0
      ? result([])
      : result(mismatches, { response: got.response, slaveRequests: got.slaveFrames });
  }

  /** Closes the link, stops the slave, and says why the link went (with the slave's own last word). */
  async end(lost?: string): Promise<string> {
    const s = this.session;
    this.session = undefined;
    if (!s) return lost ?? "no slave";
    s.link.close();
    const exit = await s.slave.stop();
    const said = s.slave.lastWord();
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    return `${lost ?? "closed"} (slave: ${how}${said ? `, "${said}"` : ""})`;
  }
}

export async function replayTranscript(
  t: Transcript,
  opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
): Promise<TranscriptResult> {
  const dir = mkdtempSync(join(tmpdir(), "qkc-replay-"));
  const configFile = join(dir, "cluster_config.json");
  // Port 0: the kernel picks a free one, and the slave logs which.
  writeFileSync(configFile, configWithPort(t.clusterConfigJson, t.slaveId, 0, t.file));
  const player = new Player(t, configFile, opts);
  const results: ExchangeResult[] = [];
  try {
    for (const ex of t.exchanges) {
      const r = await player.play(ex);
      results.push(r);
      opts.onResult?.(r);
    }
  } finally {
    await player.end();
    rmSync(dir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.mismatches.length > 0).length;
  return {
    file: t.file,
    passed: results.length - failed,
    failed,
    restarts: player.restarts,
    results,
    pids: player.pids,
  };
}
