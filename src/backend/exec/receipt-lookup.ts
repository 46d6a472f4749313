import type { Log, MinorBlock, TransactionReceipt } from "../../messages/core.ts";
import { typedTransactionHash } from "../../messages/core.ts";
import { type RlpItem, rlpDecode } from "../../tx/rlp.ts";
import type { ChainStore } from "../chain/chain-store.ts";
import { minorBlockHash } from "../chain/hashes.ts";

const EMPTY = new Uint8Array(0);
const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt("0x" + Buffer.from(b).toString("hex")));
const bytesOf = (item: RlpItem | undefined): Uint8Array => {
  if (!(item instanceof Uint8Array)) throw new Error("stored receipt: a list where bytes belong");
  return item;
};
const listOf = (item: RlpItem | undefined): RlpItem[] => {
  if (!Array.isArray(item)) throw new Error("stored receipt: bytes where a list belongs");
  return item;
};

/** TransactionReceipt.create_empty_receipt (success b"", everything zero, an empty address with key 0). */
export function emptyReceipt(success = false): TransactionReceipt {
  return {
    success: success ? Uint8Array.of(1) : EMPTY,
    gas_used: 0n,
    prev_gas_used: 0n,
    bloom: 0n,
    contract_address: { recipient: new Uint8Array(20), full_shard_key: 0 },
    logs: [],
  };
}

/**
 * MinorBlock.get_receipt as ShardState.get_transaction_receipt calls it: receipt `i` of an
 * executed block (its transactions', then its deposits'), with prev_gas_used the previous
 * receipt's gas (or meta.evm_cross_shard_receive_gas_used for i = 0) and the logs placed in the
 * block. A deposit without a receipt (before ENABLE_EVM_TIMESTAMP) gets the fake success receipt;
 * a block stored without its deposit hash list, the empty one. Undefined when the block's
 * receipts are not stored (it was stored before blocks were executed).
 */
export function blockReceipt(store: ChainStore, block: MinorBlock, i: number): TransactionReceipt | undefined {
  const hash = minorBlockHash(block.header);
  const raw = store.receipts(hash);
  if (raw === undefined) return undefined;
  return receiptAt(store, block, hash, decodeReceipts(raw), i);
}

/**
 * Every receipt stored with an executed block, in order (its transactions', then the deposits'
 * it ran), as blockReceipt gives each; undefined when the block's receipts are not stored.
 */
export function storedReceipts(store: ChainStore, block: MinorBlock): TransactionReceipt[] | undefined {
  const hash = minorBlockHash(block.header);
  const raw = store.receipts(hash);
  if (raw === undefined) return undefined;
  const receipts = decodeReceipts(raw);
  return receipts.map((_, i) => receiptAt(store, block, hash, receipts, i)!);
}

const decodeReceipts = (raw: Uint8Array): RlpItem[][] =>
  listOf(rlpDecode(raw)).map((r) => listOf(rlpDecode(bytesOf(r))));

function receiptAt(
  store: ChainStore,
  block: MinorBlock,
  hash: Uint8Array,
  receipts: RlpItem[][],
  i: number,
): TransactionReceipt | undefined {
  const r = receipts[i];
  if (!r) return i >= block.tx_list.length ? emptyReceipt(true) : undefined;
  const deposits = i >= block.tx_list.length ? store.depositHashes(hash) : undefined;
  const txHash =
    i < block.tx_list.length ? typedTransactionHash(block.tx_list[i]!) : deposits?.[i - block.tx_list.length];
  if (!txHash) return emptyReceipt();
  const [status, gasUsed, bloom, logs, contract, key] = r;
  const prevGasUsed = i > 0 ? big(bytesOf(receipts[i - 1]![1])) : block.meta.evm_cross_shard_receive_gas_used;
  const address = bytesOf(contract);
  return {
    success: bytesOf(status),
    gas_used: big(bytesOf(gasUsed)),
    prev_gas_used: prevGasUsed,
    bloom: big(bytesOf(bloom)),
    contract_address:
      address.length > 0
        ? { recipient: address, full_shard_key: Number(big(bytesOf(key))) }
        : { recipient: new Uint8Array(20), full_shard_key: 0 },
    logs: listOf(logs).map((l, j): Log => {
      const [recipient, topics, data] = listOf(l);
      return {
        recipient: bytesOf(recipient),
        topics: listOf(topics).map(bytesOf),
        data: bytesOf(data),
        block_number: block.header.height,
        block_hash: hash,
        tx_idx: i,
        tx_hash: txHash,
        log_idx: j,
      };
    }),
  };
}
