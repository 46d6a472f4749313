import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The shared pyquarkchain fixtures live beside the repo (../shared/fixtures), never in it.
 * QKC_FIXTURES overrides the directory (it holds pyquarkchain/ and genesis/).
 */
export const fixturesDir = process.env["QKC_FIXTURES"] ?? join(repoRoot, "..", "shared", "fixtures");

export function fixturePath(file: string): string {
  return join(fixturesDir, file);
}

/** The reason to skip fixture tests, or false when the fixtures are there. */
export function fixturesMissing(file: string): string | false {
  const p = fixturePath(file);
  return existsSync(p) ? false : `fixture ${p} not found (set QKC_FIXTURES to the shared fixtures directory); skipping`;
}

export interface FixtureFile<R> {
  _meta: unknown;
  records: R[];
}

export function loadFixture<R>(file: string): FixtureFile<R> {
  return JSON.parse(readFileSync(fixturePath(file), "utf8")) as FixtureFile<R>;
}
