import t from "tap";
import { addressKeccak, hasAddressKeccak, rememberAddressKeccak } from "../../src/crypto/address-keccak.ts";
import { keccak256 } from "../../src/crypto/keccak.ts";
import { makeRandom } from "../../harness/random.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

t.test(
  "a sender thread's keys, handed on from its flat arrays, are the addresses' keccak, each a copy of its own",
  async (t) => {
    const random = makeRandom("address-keccak");
    // As a SenderJob lays them out: addresses and their keys side by side in two flat arrays.
    const n = 50;
    const senders = random.bytes(20 * n);
    const keys = new Uint8Array(32 * n);
    for (let i = 0; i < n; i++) keys.set(keccak256(senders.subarray(20 * i, 20 * i + 20)), 32 * i);
    for (let i = 0; i < n; i++) rememberAddressKeccak(senders, 20 * i, keys, 32 * i);
    keys.fill(0); // the job's buffer may go: the table holds copies
    let known = 0;
    for (let i = 0; i < n; i++) {
      const address = senders.slice(20 * i, 20 * i + 20);
      if (hasAddressKeccak(address)) known++;
      const key = addressKeccak(address);
      if (hex(key) !== hex(keccak256(address))) return t.fail(`address ${i}: a wrong key`);
      key.fill(0xee); // the caller's own: the next lookup is unchanged
      if (hex(addressKeccak(address)) !== hex(keccak256(address)))
        return t.fail(`address ${i}: the table was written through`);
    }
    t.ok(known >= n - 2, `${known} of ${n} keys in the table (a few may share a slot)`);

    // Another address in the same slot displaces it: both are then hashed right, the first one anew.
    const first = senders.slice(0, 20);
    const other = first.slice();
    other[0]! ^= 1;
    rememberAddressKeccak(other, 0, keccak256(other), 0);
    t.notOk(hasAddressKeccak(first));
    t.ok(hasAddressKeccak(other));
    t.equal(hex(addressKeccak(first)), hex(keccak256(first)));
    t.equal(hex(addressKeccak(other)), hex(keccak256(other)));
    t.notOk(hasAddressKeccak(new Uint8Array(0)), "not an address: never in the table");
    t.equal(hex(addressKeccak(new Uint8Array(0))), hex(keccak256(new Uint8Array(0))));
  },
);
