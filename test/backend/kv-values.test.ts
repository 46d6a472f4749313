import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { LmdbKvEnv } from "../../src/backend/kv.ts";

/*
 * LmdbKv hands lmdb-js small values through one scratch buffer, and reads through lmdb-js's one
 * reused read buffer: a batch of many values must still store each as it was, and every value read
 * must be the caller's own copy, whatever is read after it.
 */

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

t.test("LMDB: a batch of small and large values, each stored and read back as written", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "qkc-kv-values-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = new LmdbKvEnv(dir);
  const kv = env.shard(1);
  // Every small length (V8 keeps these in its heap), both sides of 64, and values past lmdb-js's
  // read buffer (it grows, or hands back a buffer of its own, for those).
  const lengths = [...Array.from({ length: 70 }, (_, i) => i), 100, 532, 5000, 70_000, 300_000];
  const entries = lengths.map((n, i) => {
    // Keys as arrays of their own and as views into a larger array.
    const key = i % 2 === 0 ? bytes(32, i) : bytes(40, i).subarray(4, 36);
    return [key, bytes(n, i + 1)] as const;
  });
  const written = entries.map(([k, v]) => [k.slice(), v.slice()] as const);
  kv.write(entries);
  t.same(entries, written, "the keys and values given are left as they were");

  const read = written.map(([k]) => kv.get(k));
  for (let i = 0; i < written.length; i++) {
    const v = read[i];
    t.ok(v instanceof Uint8Array && !Buffer.isBuffer(v), `${lengths[i]} bytes: a plain Uint8Array`);
    t.same(v, written[i]![1], `${lengths[i]} bytes: read back as written, after every other read`);
  }
  read[5]!.fill(0xee);
  t.same(kv.get(written[5]![0]), written[5]![1], "writing into what get returned changes nothing stored");
  t.equal(kv.get(bytes(32, 999)), undefined, "a key never written: undefined");

  kv.write([[written[70]![0], undefined]]);
  t.equal(kv.get(written[70]![0]), undefined, "a delete by a key given as an array of its own");
  await env.close();
});
