import { createHash } from "node:crypto";
import t from "tap";
import { RecordLog } from "../../src/backend/record-log.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

/*
 * The in-memory store's records live as bytes in a log with an integer index: it must answer as
 * a map of byte strings does, through rewrites, deletes, index growth and records of any size.
 */

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("latin1"));
/** A trie node's key: "tn" and a hash. */
const nodeKey = (i: number) => new Uint8Array([0x74, 0x6e, ...createHash("sha256").update(String(i)).digest()]);

t.test("a record is a copy: the caller's arrays may change afterwards", async (t) => {
  const log = new RecordLog();
  const k = bytes("key");
  const v = bytes("value");
  log.set(k, v);
  k[0] = 0;
  v[0] = 0;
  t.equal(text(log.get(bytes("key"))), "value");
  t.equal(log.get(k), undefined, "the changed key is another key");
  t.equal(log.size, 1);
});

t.test("rewrite, same bytes again, delete, write again", async (t) => {
  const log = new RecordLog();
  log.set(bytes("k"), bytes("one"));
  log.set(bytes("k"), bytes("two"));
  t.equal(text(log.get(bytes("k"))), "two", "a rewrite replaces the value");
  log.set(bytes("k"), bytes("two"));
  t.same([...log.keys()].map(text), ["k"], "the key once, whatever was rewritten");
  log.delete(bytes("k"));
  log.delete(bytes("absent"));
  t.equal(log.get(bytes("k")), undefined, "deleted");
  t.equal(log.size, 0);
  t.same([...log.keys()], [], "no key left");
  log.set(bytes("k"), bytes("three"));
  t.equal(text(log.get(bytes("k"))), "three", "written again after the delete");
  log.set(bytes(""), bytes(""));
  t.equal(text(log.get(bytes(""))), "", "the empty key and value are a record too");
  t.equal(log.size, 2);
});

t.test("many records: the index grows, every record stays where it was put", async (t) => {
  const log = new RecordLog();
  const n = 20_000;
  for (let i = 0; i < n; i++) log.set(nodeKey(i), bytes(`node ${i} `.repeat(1 + (i % 40))));
  for (let i = 0; i < n; i += 3) log.delete(nodeKey(i));
  for (let i = 0; i < n; i += 6) log.set(nodeKey(i), bytes(`again ${i}`));
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const want = i % 6 === 0 ? `again ${i}` : i % 3 === 0 ? undefined : `node ${i} `.repeat(1 + (i % 40));
    if (text(log.get(nodeKey(i))) !== want) wrong++;
  }
  t.equal(wrong, 0, "every key answers its last write (or nothing, deleted)");
  t.equal(log.size, n - Math.ceil(n / 3) + Math.ceil(n / 6));
  t.equal([...log.keys()].length, log.size, "keys() lists each live record once");
  t.equal(log.get(nodeKey(n)), undefined, "a key never written");
});

t.test("a large record (a block's bytes) and the small ones around it", async (t) => {
  const log = new RecordLog();
  const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
  log.set(bytes("small 1"), bytes("a"));
  log.set(bytes("big"), big);
  log.set(bytes("small 2"), bytes("b"));
  t.same(log.get(bytes("big")), big);
  t.equal(text(log.get(bytes("small 1"))), "a");
  t.equal(text(log.get(bytes("small 2"))), "b");
});

t.test(
  "records of every size up to a chunk of their own, from a fresh log (chunks smaller than the record)",
  async (t) => {
    const log = new RecordLog();
    const sizes = [10, 5000, 20_000, 40_000, 3, 70_000, 9000];
    sizes.forEach((n, i) => log.set(bytes(`r${i}`), new Uint8Array(n).fill(i + 1)));
    const back = sizes.map((n, i) => {
      const v = log.get(bytes(`r${i}`))!;
      return v.length === n && v.every((b) => b === i + 1);
    });
    t.same(
      back,
      sizes.map(() => true),
      "each record whole",
    );
  },
);

t.test("a value handed over is kept where it is (its buffer joins the log); a small one is copied", async (t) => {
  const log = new RecordLog();
  const arena = new Uint8Array(4096).map((_, i) => i & 0xff);
  const node = arena.subarray(100, 200);
  const tiny = arena.subarray(300, 310);
  log.set(bytes("node"), node, true);
  log.set(bytes("tiny"), tiny, true);
  log.set(bytes("copied"), arena.subarray(400, 500));
  t.equal(log.get(bytes("node"))!.buffer, arena.buffer, "the node's bytes are the arena's");
  t.same(log.get(bytes("node")), arena.slice(100, 200));
  t.not(log.get(bytes("tiny"))!.buffer, arena.buffer, "under 32 bytes: copied");
  t.not(log.get(bytes("copied"))!.buffer, arena.buffer, "not handed over: copied");
  log.set(bytes("second"), arena.subarray(1000, 1100), true);
  t.same(log.get(bytes("second")), arena.slice(1000, 1100), "a second value of the same buffer");
  log.set(bytes("node"), arena.subarray(100, 200), true);
  t.same([...log.keys()].map(text), ["node", "tiny", "copied", "second"], "the same bytes again: nothing written");
});

t.test(
  "while the index is rebuilt (records move a few at a time): every read, rewrite and delete as a map",
  async (t) => {
    reportSeedOnFailure(t);
    const random = makeRandom("record-log-rehash");
    const log = new RecordLog();
    const model = new Map<number, string>();
    const written: number[] = [];
    let wrong = 0;
    for (let op = 0; op < 60_000; op++) {
      const pick = random.int(10);
      if (pick < 6 || written.length === 0) {
        const i = op; // a new key
        log.set(nodeKey(i), bytes(`v${i}`));
        model.set(i, `v${i}`);
        written.push(i);
      } else {
        const i = written[random.int(written.length)]!; // a key written before: in the old index or the new one
        if (pick === 6) {
          log.delete(nodeKey(i));
          model.delete(i);
        } else if (pick === 7) {
          log.set(nodeKey(i), bytes(`r${op}`));
          model.set(i, `r${op}`);
        } else if (text(log.get(nodeKey(i))) !== model.get(i)) wrong++;
      }
    }
    t.equal(wrong, 0, "every read on the way answered the last write");
    let after = 0;
    for (const i of written) if (text(log.get(nodeKey(i))) !== model.get(i)) after++;
    t.equal(after, 0, "every key at the end");
    t.equal(log.size, model.size);
    t.equal(new Set([...log.keys()].map(text)).size, model.size, "keys() lists each live record once");
  },
);
