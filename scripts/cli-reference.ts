import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The README's CLI reference is the bins' own `--help`, pasted between markers
 * (`<!-- cli:NAME -->` ... `<!-- /cli:NAME -->`). `npm run docs:cli` rewrites it;
 * test/docs/readme.test.ts fails when it differs from what `--help` says now.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const COMMANDS: Record<string, string[]> = {
  "qkc-slave": ["bin/slave.ts", "--help"],
  "qkc-wire": ["bin/qkc-wire.ts", "--help"],
};

/** `--help` as a non-terminal sees it (commander wraps at 80 columns then). */
export function helpText(name: string): string {
  const [script, ...args] = COMMANDS[name]!;
  const env = { ...process.env };
  delete env["COLUMNS"];
  return execFileSync(process.execPath, ["--import", "tsx", join(root, script!), ...args], {
    cwd: root,
    env,
    encoding: "utf8",
  }).trimEnd();
}

export function cliNames(): string[] {
  return Object.keys(COMMANDS);
}

function markers(name: string): [string, string] {
  return [`<!-- cli:${name} -->`, `<!-- /cli:${name} -->`];
}

/** The README with every CLI section replaced by `help(name)`; throws if a marker is missing. */
export function withCliReference(readme: string, help: (name: string) => string): string {
  let out = readme;
  for (const name of cliNames()) {
    const [begin, end] = markers(name);
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md has no ${begin} ... ${end} section`);
    out = `${out.slice(0, a + begin.length)}\n\`\`\`\n${help(name)}\n\`\`\`\n${out.slice(b)}`;
  }
  return out;
}

export const readmePath = join(root, "README.md");
