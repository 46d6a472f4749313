import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { LmdbKvEnv } from "../../src/backend/kv.ts";
import { secureTrieRoot } from "../../harness/trie-oracle.ts";
import { SecureTrie, Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

t.test("tries committed to LMDB read back after the environment is reopened", async (t) => {
  reportSeedOnFailure(t);
  const dir = mkdtempSync(join(tmpdir(), "qkc-trie-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const random = makeRandom("trie-lmdb");
  const SHARD = 0x00010001;

  const accounts = new Map<string, [Uint8Array, Uint8Array]>();
  const roots: { root: Uint8Array; content: Map<string, [Uint8Array, Uint8Array]> }[] = [];
  let receipts: Uint8Array;
  {
    const env = new LmdbKvEnv(dir);
    const kv = env.shard(SHARD);
    const state = new SecureTrie(new TrieNodeDb(kv));
    for (let block = 0; block < 3; block++) {
      for (let i = 0; i < 200; i++) {
        const key = random.bytes(20);
        const value = random.bytes(1 + random.int(80));
        state.put(key, value);
        accounts.set(hex(key), [key, value]);
      }
      const { root, writes } = state.commit();
      // The block's other records go in the same batch, as a ChainStore would write them.
      kv.write([...writes, [Buffer.from(`mb${block}`), Uint8Array.of(block)]]);
      t.equal(hex(root), hex(secureTrieRoot(accounts.values())), `block ${block}: the root`);
      roots.push({ root, content: new Map(accounts) });
    }
    // A non-secure receipt trie keyed rlp(i), tiny: its root node is under 32 bytes and still stored by hash.
    const receiptTrie = new Trie(new TrieNodeDb(kv));
    receiptTrie.put(Uint8Array.of(0x80), Uint8Array.of(1, 2, 3));
    const committed = receiptTrie.commit();
    kv.write(committed.writes);
    receipts = committed.root;
    t.equal(committed.writes.length, 1, "the small root is the one record");
    await env.close();
  }

  const env = new LmdbKvEnv(dir);
  t.teardown(() => env.close());
  const db = new TrieNodeDb(env.shard(SHARD));
  for (const [block, { root, content }] of roots.entries()) {
    const state = new SecureTrie(db, root);
    let wrong = 0;
    for (const [key, value] of content.values()) if (hex(state.get(key) ?? new Uint8Array()) !== hex(value)) wrong++;
    t.equal(wrong, 0, `block ${block}: all ${content.size} accounts read back`);
    t.equal([...state.hashedEntries()].length, content.size, `block ${block}: and nothing more`);
  }
  t.same(new Trie(db, receipts).get(Uint8Array.of(0x80)), Uint8Array.of(1, 2, 3), "the receipt trie reopens");

  // Keep going from a reopened root: only the new path is written.
  const state = new SecureTrie(db, roots.at(-1)!.root);
  const key = [...accounts.values()][5]![0];
  state.put(key, Uint8Array.of(7));
  const { root, writes } = state.commit();
  db.write(writes);
  t.ok(writes.length <= 5, `one account changed after reopening: ${writes.length} writes`);
  t.same(new SecureTrie(new TrieNodeDb(env.shard(SHARD)), root).get(key), Uint8Array.of(7));
});
