import { execFile } from "node:child_process";
import { SHARDS, SLAVE_ID, type Interop, interopEnv } from "./targets.ts";

export interface FloodResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** pyquarkchain's own client: the interop `flood` sub-command (py_master.py), one session per slave. */
export function flood(interop: Interop, port: number): Promise<FloodResult[]> {
  const steps = [
    ["flood", { count: 5000, window: 1 }],
    ["flood", { count: 20000, window: 64 }],
  ];
  const args = [
    interop.runSh,
    "py_master.py",
    "--timeout",
    "120",
    "--port",
    String(port),
    "--id",
    SLAVE_ID,
    "--shards",
    SHARDS.join(","),
    "--init",
    "ping-root",
    "--close",
    "session",
    "--steps",
    JSON.stringify(steps),
  ];
  return new Promise((resolve, reject) => {
    execFile("bash", args, { env: interopEnv(interop), maxBuffer: 64 << 20 }, (err, stdout) => {
      const results = stdout
        .split("\n")
        .filter((l) => l.includes('"flood_result"'))
        .map((l) => JSON.parse(l) as FloodResult);
      if (err || results.length !== steps.length)
        reject(new Error(`flood failed: ${err?.message ?? ""}\n${stdout.slice(-1500)}`));
      else resolve(results);
    });
  });
}
