import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { powCacheReady, powHash, prepareEpochs } from "../../src/consensus/seal.ts";

/**
 * The daemon's way to an ethash epoch cache: built on a worker thread (prepareEpochs, which a
 * Shard calls for its next block), so the event loop keeps turning meanwhile, then used by the
 * seal check without building anything. Checked against one of pyquarkchain's outputs.
 */
const f = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "seal.json"), "utf8")) as {
  hashes: Array<{ kind: string; height: number; header_hash: string; nonce: string; mix: string }>;
};

t.test("prepareEpochs builds the epoch's ethash cache off the event loop", async (t) => {
  const v = f.hashes.find((h) => h.kind === "ETHASH" && h.height < 30000)!;
  const height = BigInt(v.height);
  t.equal(powCacheReady("ETHASH", height), false, "not built yet");
  let turns = 0;
  const timer = setInterval(() => turns++, 5);
  await prepareEpochs("ETHASH", height);
  clearInterval(timer);
  t.ok(turns > 0, "timers ran while the cache was built (a build on the loop would let none run)");
  t.equal(powCacheReady("ETHASH", height), true, "in the cache");
  const out = powHash("ETHASH", height, Buffer.from(v.header_hash, "hex"), BigInt(v.nonce));
  t.equal(Buffer.from(out.mix).toString("hex"), v.mix, "pyquarkchain's mix digest from the worker's cache");
  await prepareEpochs("QKCHASH", height);
  t.equal(powCacheReady("QKCHASH", height), false, "qkchash caches are built where needed");
});
