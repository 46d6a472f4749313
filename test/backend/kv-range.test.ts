import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t, { type Test } from "tap";
import { type KvEnv, LmdbKvEnv, MemoryKvEnv } from "../../src/backend/kv.ts";
import { addressKey, offsetKey, readEntryKey, ADDR_PREFIX } from "../../src/backend/chain/tx-history.ts";

/*
 * keysDown is db.py's reversed_range_iter, which the history index pages with: the keys in
 * (end, start], highest first, bytes compared unsigned, on both stores.
 */

const b = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const text = (keys: Iterable<Uint8Array>) => [...keys].map((k) => Buffer.from(k).toString("latin1"));

async function behaviour(t: Test, env: KvEnv) {
  const kv = env.shard(1);
  const keys = ["a", "ab", "abc", "abd", "ac", "b", "a\xff", "a\x00"];
  kv.write(keys.map((k) => [b(k), new Uint8Array(0)]));
  env.shard(2).write([[b("abb"), new Uint8Array(0)]]);
  t.same(
    text(kv.keysDown(b("ac"), b("a"))),
    ["ac", "abd", "abc", "ab", "a\x00"],
    "(a, ac], highest first (a\\xff sorts above ac)",
  );
  t.same(text(kv.keysDown(b("abz"), b("ab"))), ["abd", "abc"], "a prefix's keys: (prefix, prefix+1)");
  t.same(text(kv.keysDown(b("a"), b("a"))), [], "empty when start = end");
  t.same(text(kv.keysDown(b("a"), b("b"))), [], "empty when start < end");
  t.same(text(kv.keysDown(b("zz"), b(""))), ["b", "a\xff", "ac", "abd", "abc", "ab", "a\x00", "a"], "everything");
  kv.write([[b("abc"), undefined]]);
  t.same(text(kv.keysDown(b("abz"), b("ab"))), ["abd"], "a deleted key is gone");
}

t.test("in memory", async (t) => behaviour(t, new MemoryKvEnv()));

t.test("LMDB", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "qkc-kv-range-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = new LmdbKvEnv(dir);
  await behaviour(t, env);
  await env.close();
});

t.test("history keys: pyquarkchain's layout, and the start/next arithmetic", async (t) => {
  const recipient = new Uint8Array(20).fill(0xab);
  const key = addressKey(recipient, 0x0102n, true, 7);
  t.equal(
    Buffer.from(key).toString("hex"),
    Buffer.from("index_addr_").toString("hex") + "ab".repeat(20) + "00000102" + "00" + "00000007",
    "index_addr_ recipient height(4) 00=deposit index(4)",
  );
  t.same(readEntryKey(key, ADDR_PREFIX.length + 20), { height: 0x102n, deposit: true, index: 7 });
  t.equal(Buffer.from(offsetKey(Uint8Array.of(1, 0xff), 1)).toString("hex"), "0200", "a carry");
  t.equal(Buffer.from(offsetKey(Uint8Array.of(1, 0), -1)).toString("hex"), "00ff", "a borrow");
  t.throws(() => offsetKey(Uint8Array.of(0xff), 1), RangeError, "no carry out of the top byte");
});
