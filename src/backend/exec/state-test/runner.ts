import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { BlockEnv } from "../../../evm/env.ts";
import type { WorldState } from "../../state/world-state.ts";
import { privateKeyToAddress } from "./build-tx.ts";
import { readStateTestFile, type StateTest } from "./fixture.ts";
import { blockEnvOf, loadPreState, runEntry } from "./run-entry.ts";

const STATE_TEST_ROOTS = ["GeneralStateTests", "QuarkChainStateTests"];

/**
 * test_state.py:exclude_func: what pyquarkchain skips as too slow or too large for it (and
 * RevertInCreateInInit.json, a state no chain can reach). They run here; their time is reported apart.
 */
export function pyquarkchainSkips(file: string): boolean {
  return (
    file.includes("stQuadraticComplexityTest") ||
    file.includes("stMemoryStressTest") ||
    file.includes("static_Call50000_sha256.json") ||
    file.includes("MLOAD_Bounds.json") ||
    file.includes("failed_tx_xcf416c53") ||
    file.includes("RevertInCreateInInit.json")
  );
}

/** Every state-test JSON file under the paths (a file counts when a path segment names a state-test root). */
export function stateTestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (
      p.endsWith(".json") &&
      resolve(p)
        .split(sep)
        .some((s) => STATE_TEST_ROOTS.includes(s))
    ) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** The folder a file is tallied under: GeneralStateTests/<st…> or QuarkChainStateTests/<st…>. */
export function folderOf(file: string): string {
  const parts = resolve(file).split(sep);
  const i = parts.findIndex((s) => STATE_TEST_ROOTS.includes(s));
  return parts.slice(i, Math.min(i + 2, parts.length - 1)).join("/");
}

export interface EntryFailure {
  readonly file: string;
  readonly test: string;
  readonly d: number;
  readonly g: number;
  readonly v: number;
  readonly expected: string;
  /** The computed root, or "error: <message>" when the run threw. */
  readonly got: string;
}

export interface FolderTally {
  passed: number;
  failed: number;
  ms: number;
}

export interface StateTestReport {
  readonly passed: number;
  readonly failed: number;
  readonly byFolder: ReadonlyMap<string, FolderTally>;
  /** The entries of the tests pyquarkchain skips: how many and how long they took. */
  readonly skippedByPyquarkchain: { tests: number; entries: number; ms: number };
  readonly failures: readonly EntryFailure[];
}

/** One line per failing entry, as `npm run statetests` prints it. */
export function failureLine(f: EntryFailure, base = process.cwd()): string {
  return `FAIL ${relative(base, f.file)} ${f.test} d=${f.d} g=${f.g} v=${f.v} expected ${f.expected} got ${f.got}`;
}

const hex0x = (b: Uint8Array): string => "0x" + Buffer.from(b).toString("hex");

/**
 * verify_state_test over every file: each ConstantinopleFix entry from a fresh copy of the
 * pre-state; a root that differs from the entry's `hash` (last 64 hex digits compared) fails it.
 */
export function runStateTests(
  files: readonly string[],
  onFailure: (f: EntryFailure) => void = () => {},
): StateTestReport {
  const senders = new Map<string, Uint8Array>();
  const senderOf = (key: Uint8Array): Uint8Array => {
    const k = Buffer.from(key).toString("hex");
    let a = senders.get(k);
    if (a === undefined) senders.set(k, (a = privateKeyToAddress(key)));
    return a;
  };
  const byFolder = new Map<string, FolderTally>();
  const failures: EntryFailure[] = [];
  const skipped = { tests: 0, entries: 0, ms: 0 };
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const qkcState = file.includes("QuarkChainStateTests");
    const folder = folderOf(file);
    const tally = byFolder.get(folder) ?? { passed: 0, failed: 0, ms: 0 };
    byFolder.set(folder, tally);
    const started = performance.now();
    let entries = 0;
    let tests: StateTest[];
    try {
      tests = readStateTestFile(file, qkcState);
    } catch (e) {
      const f = { file, test: "-", d: 0, g: 0, v: 0, expected: "-", got: `error: ${(e as Error).message}` };
      failures.push(f);
      onFailure(f);
      failed++;
      tally.failed++;
      continue;
    }
    for (const test of tests) {
      let setup: { block: BlockEnv; pre: WorldState } | Error;
      try {
        setup = { block: blockEnvOf(test), pre: loadPreState(test) };
      } catch (e) {
        setup = e instanceof Error ? e : new Error(String(e));
      }
      for (const entry of test.entries) {
        entries++;
        let got: string;
        try {
          if (setup instanceof Error) throw setup;
          got = hex0x(runEntry(test, entry, setup.block, setup.pre, senderOf));
        } catch (e) {
          got = `error: ${e instanceof Error ? (e.stack ?? e.message).split("\n").slice(0, 3).join(" | ") : String(e)}`;
        }
        if (got.slice(-64) === entry.expectedRoot.slice(-64)) {
          passed++;
          tally.passed++;
        } else {
          const f = { file, test: test.name, d: entry.d, g: entry.g, v: entry.v, expected: entry.expectedRoot, got };
          failures.push(f);
          onFailure(f);
          failed++;
          tally.failed++;
        }
      }
    }
    const ms = performance.now() - started;
    tally.ms += ms;
    if (pyquarkchainSkips(file)) {
      skipped.tests += tests.length;
      skipped.entries += entries;
      skipped.ms += ms;
    }
  }
  return { passed, failed, byFolder, skippedByPyquarkchain: skipped, failures };
}
