/** Realistic wire values shared by the benches: signed transactions, full blocks, deposits. */
import { encodeEvmTransaction } from "../src/tx/transaction.ts";
import {
  type CrossShardTransactionDeposit,
  MinorBlock,
  MinorBlockHeader,
  MinorBlockMeta,
  type TypedTransaction,
} from "../src/messages/core.ts";
import { makeRandom } from "../harness/random.ts";
import { addressOf, signTx, signer } from "../harness/signers.ts";

export const rand = makeRandom("bench");

export const u64 = (): bigint => (BigInt(rand.u32()) << 32n) | BigInt(rand.u32());
export const bigOf = (bytes: number): bigint => BigInt("0x" + Buffer.from(rand.bytes(bytes)).toString("hex"));

/** A signed QKC transfer as a wallet would send it: about 130 bytes of RLP. */
export function realisticTransaction(nonce: number): TypedTransaction {
  const rlp = encodeEvmTransaction({
    nonce: BigInt(nonce),
    gasprice: 1_000_000_000n * BigInt(1 + rand.int(50)),
    startgas: rand.int(4) === 0 ? 60_000n : 21_000n,
    to: rand.bytes(20),
    value: bigOf(8),
    data: rand.bytes(rand.int(4) === 0 ? 4 + rand.int(12) : 0),
    network_id: 1n,
    from_full_shard_key: 0x00010001,
    to_full_shard_key: 0x00010001,
    gas_token_id: 0x8bb0n, // QKC
    transfer_token_id: 0x8bb0n,
    version: 0n,
    v: BigInt(27 + rand.int(2)),
    r: bigOf(32),
    s: bigOf(32),
  });
  return { tx: { type: 0, serialized_tx: rlp } };
}

export function blockWithTransactions(count: number): MinorBlock {
  const header: MinorBlockHeader = {
    ...MinorBlockHeader.zero(),
    branch: { value: 0x00010001 },
    height: 1_234_567n,
    coinbase_address: { recipient: rand.bytes(20), full_shard_key: 0x00010001 },
    coinbase_amount_map: { balance_map: [[0x8bb0n, 3n * 10n ** 18n]] },
    hash_prev_minor_block: rand.bytes(32),
    hash_prev_root_block: rand.bytes(32),
    evm_gas_limit: 12_000_000n,
    hash_meta: rand.bytes(32),
    create_time: 1_700_000_000n,
    difficulty: 1_000_000_000_000n,
    nonce: u64(),
    bloom: bigOf(256),
    extra_data: Buffer.from("qkc-slave bench", "ascii"),
    mixhash: rand.bytes(32),
  };
  const meta: MinorBlockMeta = {
    ...MinorBlockMeta.zero(),
    hash_merkle_root: rand.bytes(32),
    hash_evm_state_root: rand.bytes(32),
    hash_evm_receipt_root: rand.bytes(32),
    evm_gas_used: 21_000n * BigInt(count),
    evm_xshard_gas_limit: 6_000_000n,
  };
  const tx_list = Array.from({ length: count }, (_, i) => realisticTransaction(i));
  return { header, meta, tx_list, tracking_data: new Uint8Array(0) };
}

/** A cross-shard deposit as a block on another shard produces it (a plain QKC transfer). */
export function realisticDeposit(): CrossShardTransactionDeposit {
  return {
    tx_hash: rand.bytes(32),
    from_address: { recipient: rand.bytes(20), full_shard_key: 0x00000001 },
    to_address: { recipient: rand.bytes(20), full_shard_key: 0x00010001 },
    value: bigOf(9),
    gas_price: 1_000_000_000n,
    gas_token_id: 0x8bb0n,
    transfer_token_id: 0x8bb0n,
    gas_remained: 9_000n,
    message_data: new Uint8Array(0),
    create_contract: false,
    is_from_root_chain: false,
    refund_rate: 100,
  };
}

/** An (a) block of bench:exec: `count` QKC transfers of 1 from senders `transfer/k % senders` to `qkc-bench/to/<tag>k`. */
export const transferBlock = (count: number, senders: number, tag = ""): TypedTransaction[] =>
  Array.from({ length: count }, (_, k) =>
    signTx(signer("transfer", k % senders), {
      gasprice: 1n,
      data: new Uint8Array(0),
      network_id: 3n,
      from_full_shard_key: 0,
      to_full_shard_key: 0,
      gas_token_id: 0x8bb0n,
      transfer_token_id: 0x8bb0n,
      version: 0n,
      to: addressOf(`qkc-bench/to/${tag}${k}`),
      value: 1n,
      startgas: 21000n,
    }),
  );
