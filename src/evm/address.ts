import { keccak256 } from "../crypto/keccak.ts";
import { rlpEncode } from "../tx/rlp.ts";

/** Minimal big-endian bytes of a non-negative integer (utils.encode_int; 0 is empty). */
function intBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  let h = n.toString(16);
  if (h.length & 1) h = "0" + h;
  return Uint8Array.from(Buffer.from(h, "hex"));
}

/**
 * messages.py:mk_contract_address: keccak(rlp([sender, full_shard_key, nonce]))[12:], or Ethereum's
 * keccak(rlp([sender, nonce]))[12:] when the frame has no full_shard_key (below transfer_mnt, state tests).
 */
export function mkContractAddress(sender: Uint8Array, nonce: bigint, fullShardKey: number | undefined): Uint8Array {
  const items =
    fullShardKey === undefined ? [sender, intBytes(nonce)] : [sender, intBytes(BigInt(fullShardKey)), intBytes(nonce)];
  return keccak256(rlpEncode(items)).slice(12);
}

/** messages.py:mk_contract_address2 (CREATE2): keccak(0xff ‖ sender ‖ salt ‖ keccak(init))[12:]. */
export function mkContractAddress2(sender: Uint8Array, salt: Uint8Array, initCodeHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 20 + 32 + 32);
  buf[0] = 0xff;
  buf.set(sender, 1);
  buf.set(salt, 21);
  buf.set(initCodeHash, 53);
  return keccak256(buf).slice(12);
}
