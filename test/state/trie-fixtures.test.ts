import { readFileSync } from "node:fs";
import t from "tap";
import { hex } from "../../src/codec/bytes.ts";
import { SecureTrie, Trie, TrieNodeDb } from "../../src/backend/state/trie/index.ts";
import { fixturePath, fixturesMissing } from "../helpers/fixtures.ts";
import { mulberry32 } from "../../harness/random.ts";

/** Ethereum's TrieTests as pyquarkchain ships them (quarkchain/evm/tests/test_trie*.py). */
const dir = "state-tests/TrieTests";
const skip = fixturesMissing(dir);

type Raw = string | null;
/** "0x…" is hex, anything else its ASCII bytes (test_trie.py `_dec`). */
const dec = (s: string) => (s.startsWith("0x") ? Buffer.from(s.slice(2), "hex") : Buffer.from(s, "ascii"));
const load = <T>(file: string): Record<string, T> => JSON.parse(readFileSync(fixturePath(`${dir}/${file}`), "utf8"));

interface KvTrie {
  put(k: Uint8Array, v: Uint8Array): void;
  delete(k: Uint8Array): void;
  root(): Uint8Array;
}
const fresh = (secure: boolean): KvTrie =>
  secure ? new SecureTrie(TrieNodeDb.memory()) : new Trie(TrieNodeDb.memory());

function apply(trie: KvTrie, ops: ReadonlyArray<readonly [string, Raw]>): string {
  for (const [k, v] of ops) {
    if (v === null) trie.delete(dec(k));
    else trie.put(dec(k), dec(v));
  }
  return `0x${hex(trie.root())}`;
}

t.test("trietest: ordered inserts and deletes", { skip }, async (t) => {
  for (const [file, secure] of [
    ["trietest.json", false],
    ["trietest_secureTrie.json", true],
  ] as const) {
    const cases = load<{ in: [string, Raw][]; root: string }>(file);
    for (const [name, c] of Object.entries(cases)) t.equal(apply(fresh(secure), c.in), c.root, `${file} ${name}`);
  }
});

t.test("trieanyorder: the root does not depend on the order of inserts", { skip }, async (t) => {
  const random = mulberry32(13);
  for (const [file, secure] of [
    ["trieanyorder.json", false],
    ["trieanyorder_secureTrie.json", true],
    ["hex_encoded_securetrie_test.json", true],
  ] as const) {
    const cases = load<{ in: Record<string, string>; root: string }>(file);
    for (const [name, c] of Object.entries(cases)) {
      const ops = Object.entries(c.in);
      for (let round = 0; round < 6; round++) {
        t.equal(apply(fresh(secure), ops), c.root, `${file} ${name} order ${round}`);
        for (let i = ops.length - 1; i > 0; i--) {
          const j = random.u32() % (i + 1);
          [ops[i], ops[j]] = [ops[j]!, ops[i]!];
        }
      }
    }
  }
});

t.test("trietestnextprev: the neighbours of a key", { skip }, async (t) => {
  const cases = load<{ in: string[]; tests: [string, string, string][] }>("trietestnextprev.json");
  for (const [name, c] of Object.entries(cases)) {
    const trie = new Trie(TrieNodeDb.memory());
    for (const k of c.in) trie.put(dec(k), dec(k));
    for (const [key, prev, next] of c.tests) {
      const ascii = (e: [Uint8Array, Uint8Array] | undefined) => (e ? Buffer.from(e[0]).toString("ascii") : "");
      t.equal(ascii(trie.prev(dec(key))), prev, `${name}: prev(${JSON.stringify(key)})`);
      t.equal(ascii(trie.next(dec(key))), next, `${name}: next(${JSON.stringify(key)})`);
    }
  }
});

t.test("test_case_*: the secure root after every insert (test_trie_with_local_data.py)", { skip }, async (t) => {
  for (let n = 0; n <= 5; n++) {
    const trie = new SecureTrie(TrieNodeDb.memory());
    const lines = readFileSync(fixturePath(`${dir}/test_case_${n}`), "utf8")
      .split("\n")
      .filter(Boolean);
    let wrong = 0;
    for (const line of lines) {
      const [key, value, root] = line.split(" ");
      const k = Buffer.alloc(4);
      k.writeUInt32LE(Number(key));
      trie.put(k, Buffer.from(value!, "hex"));
      if (hex(trie.root()) !== root) wrong++;
    }
    t.ok(lines.length > 0, `test_case_${n} has lines`);
    t.equal(wrong, 0, `test_case_${n}: ${lines.length} roots`);
  }
});
