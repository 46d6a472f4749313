import { execFile } from "node:child_process";
import { promisify } from "node:util";
import t from "tap";

const run = promisify(execFile);

async function heapUnder(percent: number): Promise<{ majors: number; peakMB: number }> {
  const { stdout } = await run(process.execPath, [
    "--import",
    "tsx",
    "test/helpers/heap-growth-child.ts",
    String(percent),
  ]);
  return JSON.parse(stdout) as { majors: number; peakMB: number };
}

t.test(
  "--heap-growth: V8 collects the old generation sooner, and the heap peaks lower than under its own heuristics",
  async (t) => {
    const [own, ours] = await Promise.all([heapUnder(0), heapUnder(50)]);
    t.comment(
      `V8's own: ${own.majors} major collections, heap peak ${own.peakMB} MB; 50%: ${ours.majors}, ${ours.peakMB} MB`,
    );
    t.ok(ours.majors > own.majors, `more major collections: ${ours.majors} against ${own.majors}`);
    t.ok(ours.peakMB < own.peakMB, `a lower peak: ${ours.peakMB} MB against ${own.peakMB} MB`);
  },
);
