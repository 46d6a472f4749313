/** What the bench scripts read of their command line, and the machine's load to print beside a figure. */
import { execFileSync } from "node:child_process";

const argv = process.argv.slice(2);

/** Whether `name` was given. */
export const flag = (name: string): boolean => argv.includes(name);

/** The positive number after `name`, else `dflt`. */
export function num(name: string, dflt: number): number {
  const at = argv.indexOf(name);
  const v = at >= 0 ? Number(argv[at + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/** The value after `name` when it is not another option, else undefined (also when `name` is absent). */
export function optionValue(name: string): string | undefined {
  const at = argv.indexOf(name);
  const given = at >= 0 ? argv[at + 1] : undefined;
  return given !== undefined && !given.startsWith("--") ? given : undefined;
}

/** `uptime`'s line: the load a figure was taken at. */
export const uptime = (): string => execFileSync("uptime", { encoding: "utf8" }).trim();
