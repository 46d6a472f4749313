/** `qkc-wire replay`: every file checked first (a bad one is exit 2 before any slave starts), then each replayed in turn. */
import { DEFAULT_REPLAY_OPTIONS, type ReplayOptions, type TranscriptResult, replayTranscript } from "./replay.ts";
import { mismatchLine, reportJson, resultLine, tallyLine, transcriptLine } from "./report.ts";
import { loadTranscript } from "./transcript.ts";

export interface ReplayCliOptions extends Partial<Omit<ReplayOptions, "onResult">> {
  verbose?: boolean;
  json?: boolean;
}

/**
 * Replays `files` and prints through `print`; resolves with the exit status (0 all passed,
 * 1 a failure). Throws TranscriptError for an unusable file.
 */
export async function runReplay(
  files: string[],
  opts: ReplayCliOptions,
  print: (line: string) => void,
): Promise<number> {
  const transcripts = files.map(loadTranscript);
  const base: ReplayOptions = {
    exchangeTimeoutMs: opts.exchangeTimeoutMs ?? DEFAULT_REPLAY_OPTIONS.exchangeTimeoutMs,
    bootTimeoutMs: opts.bootTimeoutMs ?? DEFAULT_REPLAY_OPTIONS.bootTimeoutMs,
    maxRestarts: opts.maxRestarts ?? DEFAULT_REPLAY_OPTIONS.maxRestarts,
  };
  const results: TranscriptResult[] = [];
  for (const t of transcripts) {
    const onResult = opts.json
      ? undefined
      : (r: Parameters<NonNullable<ReplayOptions["onResult"]>>[0]) => {
          if (opts.verbose) print(resultLine(r));
          else if (r.mismatches.length > 0) print(mismatchLine(r));
        };
    const result = await replayTranscript(t, onResult ? { ...base, onResult } : base);
    results.push(result);
    if (opts.verbose && !opts.json) print(transcriptLine(result));
  }
  const passed = results.reduce((s, t) => s + t.passed, 0);
  const failed = results.reduce((s, t) => s + t.failed, 0);
  print(opts.json ? JSON.stringify(reportJson(results), null, 2) : tallyLine(passed, failed));
  return failed > 0 ? 1 : 0;
}
