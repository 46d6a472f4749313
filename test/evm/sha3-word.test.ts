/**
 * SHA3 as a word (src/evm/sha3-word.ts): keccak256 of a memory range read as a 256-bit word, the
 * 64-byte inputs (mapping slots) remembered. Whatever the memo holds, the answer is the hash of
 * the bytes in memory now.
 */
import t from "tap";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { sha3Word } from "../../src/evm/sha3-word.ts";

const expected = (b: Uint8Array): bigint => BigInt("0x" + Buffer.from(keccak_256(b)).toString("hex"));

/** A memory of `n` bytes and its view, as a frame's (the view over the whole buffer). */
const memory = (n: number) => {
  const buf = new Uint8Array(n);
  return { buf, view: new DataView(buf.buffer) };
};

t.test("every size, at any offset, aligned or not, is the hash of the bytes there", async (t) => {
  const { buf, view } = memory(512);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 7) & 255;
  let bad = 0;
  for (const size of [0, 1, 31, 32, 33, 63, 64, 65, 128, 200])
    for (const start of [0, 1, 3, 32, 61, 100])
      if (sha3Word(buf, view, start, size) !== expected(buf.subarray(start, start + size))) bad++;
  t.equal(bad, 0);
});

t.test(
  "a 64-byte input met again, changed in one byte, or sharing the bytes the memo's slot is picked from",
  async (t) => {
    const { buf, view } = memory(4096);
    let seed = 99;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    // Mapping keys as Solidity lays them out: a 20-byte key in the first word, a slot number in the second.
    const keys: Uint8Array[] = [];
    for (let k = 0; k < 3000; k++) {
      const key = new Uint8Array(64);
      for (let i = 12; i < 32; i++) key[i] = rand() & 255;
      key[63] = k % 3;
      if (k % 4 === 1) key.set(keys[k - 1]!.subarray(16, 32), 16); // the bytes the slot comes from, shared
      if (k % 4 === 2) {
        key.set(keys[k - 2]!); // one bit apart
        const at = rand() % 64;
        key[at] = key[at]! ^ (1 << (rand() % 8));
      }
      if (k % 4 === 3) key.set(keys[rand() % k]!); // a repeat
      keys.push(key);
    }
    let bad = 0;
    for (let round = 0; round < 3; round++)
      for (let k = 0; k < keys.length; k++) {
        const start = (k * 67) % (4096 - 64); // an offset that moves, aligned or not
        buf.set(keys[k]!, start);
        if (sha3Word(buf, view, start, 64) !== expected(keys[k]!)) bad++;
      }
    t.equal(bad, 0, "9000 hashes of 3000 inputs");
    // All zeros: an empty slot's remembered bytes are zeros too, and must not answer.
    const zeros = memory(64);
    t.equal(sha3Word(zeros.buf, zeros.view, 0, 64), expected(new Uint8Array(64)));
    t.equal(sha3Word(zeros.buf, zeros.view, 0, 64), expected(new Uint8Array(64)), "and again");
  },
);

t.test("2^255 and the words around it come back whole (the word is built from the digest's 4 limbs)", async (t) => {
  // Inputs whose hashes are not special; this checks the word's reading on many digests, high bit set or not.
  const { buf, view } = memory(64);
  let high = 0;
  for (let i = 0; i < 400; i++) {
    buf[0] = i & 255;
    buf[1] = i >> 8;
    const w = sha3Word(buf, view, 0, 64);
    if (w >= 2n ** 255n) high++;
    if (w !== expected(buf) || w < 0n || w >= 2n ** 256n) t.fail(`input ${i}`);
  }
  t.ok(high > 100 && high < 300, `about half the digests have the top bit set (${high} of 400)`);
});
