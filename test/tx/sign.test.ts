import { secp256k1 as nobleSecp } from "@noble/curves/secp256k1.js";
import t from "tap";
import { nobleSignRecoverable, signRecoverable } from "../../src/crypto/secp256k1-sign.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { decode } from "../../src/codec/index.ts";
import { TypedTransaction } from "../../src/messages/core.ts";
import { signEvmTransaction } from "../../src/tx/sign.ts";
import { decodeEvmTransaction, encodeEvmTransaction, recoverSender } from "../../src/tx/transaction.ts";
import { poolFixture } from "../backend/pool-helpers.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

t.test("signed as pyquarkchain's Transaction.sign signs: pool.json's transactions, byte for byte", async (t) => {
  // gen-pool.py signs with evm_tx.sign(KEY_S) (KEY_S = bytes 1..32) and KEY_P (bytes 2..33).
  const keys = [Uint8Array.from({ length: 32 }, (_, i) => i + 1), Uint8Array.from({ length: 32 }, (_, i) => i + 2)];
  let compared = 0;
  for (const c of poolFixture().rules.cases) {
    const raw = decode(TypedTransaction, Buffer.from(c.tx.slice(2), "hex")).tx.serialized_tx;
    const tx = decodeEvmTransaction(raw);
    const sender = recoverSender(tx);
    const key = keys.find((k) => sender && hex(keccak256(publicKeyOf(k))).slice(24) === hex(sender));
    if (!key) continue; // unsigned, or another key
    t.equal(hex(encodeEvmTransaction(signEvmTransaction(tx, key))), hex(raw), c.name);
    compared++;
  }
  t.ok(compared >= 20, `${compared} signatures compared`);
});

t.test(
  "libsecp256k1 and noble give the same signature; version 2 adds the EIP-155 offset; bad keys throw",
  async (t) => {
    const key = new Uint8Array(32).fill(7);
    for (let i = 0; i < 20; i++) {
      const h = keccak256(new Uint8Array([i]));
      t.same(signRecoverable(h, key), nobleSignRecoverable(h, key));
    }
    const base = {
      nonce: 1n,
      gasprice: 1n,
      startgas: 21000n,
      to: new Uint8Array(20),
      value: 1n,
      data: new Uint8Array(0),
      network_id: 3n,
      from_full_shard_key: 0,
      to_full_shard_key: 0,
      gas_token_id: 1n,
      transfer_token_id: 1n,
      version: 2n,
      v: 0n,
      r: 0n,
      s: 0n,
    };
    const v2 = signEvmTransaction(base, key);
    t.ok(v2.v >= 35n + 2n * 3n, "v = 27 + recid + 35 - 27 + 2 * network_id");
    t.equal(hex(recoverSender(v2)!), hex(recoverSender(signEvmTransaction({ ...base, version: 0n }, key))!));
    t.throws(() => signEvmTransaction({ ...base, version: 3n }, key), { name: "InvalidTransaction" });
    t.throws(() => signEvmTransaction(base, new Uint8Array(32)), { name: "InvalidTransaction" }, "zero key");
    t.throws(() => signEvmTransaction(base, new Uint8Array(31).fill(1)), { name: "InvalidTransaction" }, "short key");
  },
);

function publicKeyOf(key: Uint8Array): Uint8Array {
  return nobleSecp.getPublicKey(key, false).subarray(1);
}
