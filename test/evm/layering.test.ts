import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import t from "tap";

/**
 * DESIGN.md: the interpreter knows no block, no chain, no socket. src/evm/ may import itself, src/crypto,
 * src/tx, src/codec/bytes.ts, @noble/* and node: builtins; never src/backend/ or src/cluster/.
 */
const root = resolve(import.meta.dirname, "../../src");
const evm = join(root, "evm");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

t.test("src/evm imports only what the layering allows", async (t) => {
  const offences: string[] = [];
  for (const file of files(evm)) {
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (spec.startsWith("node:") || spec.startsWith("@noble/")) continue;
      if (!spec.startsWith(".")) {
        offences.push(`${relative(root, file)}: ${spec}`);
        continue;
      }
      const target = relative(root, resolve(file, "..", spec));
      const ok =
        target.startsWith("evm/") ||
        target.startsWith("crypto/") ||
        target.startsWith("tx/") ||
        target === "codec/bytes.ts";
      if (!ok) offences.push(`${relative(root, file)}: ${spec}`);
    }
  }
  t.same(offences, []);
  t.ok(files(evm).length > 10, "the scan saw the interpreter's files");
});
