import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import t from "tap";
import { repoRoot } from "../helpers/slave-process.ts";

/**
 * Issue 12: a file in src/backend/ or src/cluster/ over 450 lines holds more than one role;
 * split it by role, not by raising this number.
 */
const MAX_LINES = 450;
const FOLDERS = ["src/backend", "src/cluster"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** As `wc -l` counts: newline characters, so a last line without one is not counted. */
function lineCount(path: string): number {
  return readFileSync(path, "utf8").split("\n").length - 1;
}

t.test(`no file in ${FOLDERS.join(" or ")} is over ${MAX_LINES} lines`, async (t) => {
  const files = FOLDERS.flatMap((f) => sourceFiles(join(repoRoot, f)));
  t.ok(files.length > 0, "the folders hold source files");
  const over = files
    .map((path) => ({ file: relative(repoRoot, path), lines: lineCount(path) }))
    .filter((f) => f.lines > MAX_LINES);
  t.same(over, [], over.map((f) => `${f.file}: ${f.lines} lines`).join(", ") || "every file is within the limit");
});
