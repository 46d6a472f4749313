import t from "tap";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { SECP256K1_N } from "../../src/crypto/secp256k1.ts";
import { typedTransactionHash } from "../../src/messages/core.ts";
import { senderFromBytes } from "../../src/tx/sender-bytes.ts";
import { DONE, NO_SENDER, SenderJob, UNDECODABLE, recoverJob } from "../../src/tx/sender-worker.ts";
import { signEvmTransaction } from "../../src/tx/sign.ts";
import {
  type EvmTransaction,
  decodeEvmTransaction,
  encodeEvmTransaction,
  recoverSender,
} from "../../src/tx/transaction.ts";
import { makeRandom, reportSeedOnFailure } from "../../harness/random.ts";

const hex = (b: Uint8Array | null | undefined): string =>
  b === null ? "null" : b === undefined ? "undefined" : Buffer.from(b).toString("hex");
const N = SECP256K1_N;

/** What in-place recovery says of these bytes: the sender, "null" (none), or "undecodable". */
function inPlace(raw: Uint8Array): string {
  let tx: EvmTransaction;
  try {
    tx = decodeEvmTransaction(raw);
  } catch {
    return "undecodable";
  }
  return hex(recoverSender(tx));
}

/** Transactions of every shape a sender thread meets: signed ones of each version, and each way a field goes wrong. */
function cases(count: number): Uint8Array[] {
  const random = makeRandom("sender-bytes");
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const version = BigInt(random.int(3));
    const base: EvmTransaction = {
      nonce: BigInt(random.int(1000)),
      gasprice: BigInt(random.int(1e9)),
      startgas: 21000n + BigInt(random.int(100000)),
      to: random.int(6) === 0 ? new Uint8Array(0) : random.bytes(20),
      value: random.int(10) === 0 ? (1n << 255n) + BigInt(random.int(1e9)) : BigInt(random.int(1e9)),
      // long data: every length of prefix of hash_unsigned's window (< 56, < 256, < 65536, more)
      data: random.bytes([0, 3, 60, 300, 70000][random.int(5)]!),
      network_id: random.int(10) === 0 ? 1n << BigInt(40 + random.int(30)) : BigInt(random.int(300)),
      from_full_shard_key: random.int(2 ** 32),
      to_full_shard_key: random.int(2 ** 32),
      gas_token_id: random.int(10) === 0 ? 4873763662273663091n - BigInt(random.int(2)) : 0x8bb0n,
      transfer_token_id: random.int(10) === 0 ? 1n << 56n : 0x8bb0n,
      version,
      v: 0n,
      r: 0n,
      s: 0n,
    };
    const signed = signEvmTransaction(base, keccak256(random.bytes(8)));
    const variants: EvmTransaction[] = [
      signed,
      { ...signed, s: N - signed.s, v: signed.v ^ 1n }, // high s: the same signer, no EIP-2 check
      { ...signed, r: 0n },
      { ...signed, s: N },
      { ...signed, r: N + 1n },
      { ...signed, r: N - 1n - BigInt(random.int(5)) }, // 32 bytes starting 0xff, below n
      { ...signed, v: signed.v + BigInt(2 + random.int(3)) }, // a recovery id 2..4
      { ...signed, v: BigInt(random.int(40)) },
      { ...signed, v: 1n << 50n },
      { ...signed, version: 3n },
      { ...signed, data: Uint8Array.of(random.int(256)) }, // a signature over other bytes: another key, or none
      { ...signed, gas_token_id: 4873763662273663092n }, // "Values way too high!"
      { ...signed, nonce: 1n << 256n },
    ];
    for (const v of variants) {
      try {
        out.push(encodeEvmTransaction(v));
      } catch {
        // a value its sedes cannot encode: not bytes a block can carry
      }
    }
  }
  // Bytes that are not the canonical shape: left to the generic decoder.
  const good = out[0]!;
  out.push(Uint8Array.of(0xc1, 0x80), good.subarray(0, good.length - 1), Uint8Array.of(...good, 0x80));
  return out;
}

t.test("a sender read off the bytes is the decoded transaction's, shape by shape", async (t) => {
  reportSeedOnFailure(t);
  let read = 0;
  let left = 0;
  for (const raw of cases(60)) {
    const want = inPlace(raw);
    const got = senderFromBytes(raw);
    if (got === undefined) {
      left++;
      continue;
    }
    read++;
    const sender = got.keyHash === undefined ? "null" : hex(got.keyHash.subarray(12));
    if (sender !== want) t.fail(`${hex(raw).slice(0, 80)}...: read ${sender}, decoded ${want}`);
  }
  t.ok(read > 80 && left > 200, `${read} read off the bytes, ${left} left to the decoded path`);
});

t.test("a job's senders, their keys and hashes are what in-place recovery and hashing give", async (t) => {
  const txs = cases(30);
  const job = SenderJob.of(txs);
  recoverJob(job.buffer); // as a sender thread does, here
  let done = 0;
  txs.forEach((raw, i) => {
    const want = inPlace(raw);
    const state = job.states[i];
    const got =
      state === DONE
        ? hex(job.sender(i))
        : state === NO_SENDER
          ? "null"
          : state === UNDECODABLE
            ? "undecodable"
            : `state ${state}`;
    if (got !== want) return t.fail(`tx ${i}: ${got}, want ${want}`);
    const hash = typedTransactionHash({ tx: { type: 0, serialized_tx: raw } });
    if (hex(job.txHash(i)) !== hex(hash)) t.fail(`tx ${i}: hash ${hex(job.txHash(i))}, want ${hex(hash)}`);
    if (state !== DONE) return;
    done++;
    if (hex(job.senderKey(i)) !== hex(keccak256(job.sender(i)))) t.fail(`tx ${i}: the sender's key`);
    const to = decodeEvmTransaction(raw).to;
    if (job.hasTo(i, to) !== (to.length === 20)) t.fail(`tx ${i}: the recipient`);
    if (to.length === 20 && hex(job.toKey(i)) !== hex(keccak256(to))) t.fail(`tx ${i}: the recipient's key`);
    if (job.hasTo(i, new Uint8Array(20).fill(0xee))) t.fail(`tx ${i}: another recipient taken for its own`);
  });
  t.ok(done > 50, `${done} senders with their keys, of ${txs.length}`);
});
