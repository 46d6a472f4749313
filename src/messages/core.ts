import { keccak256, keccak256Of } from "../crypto/keccak.ts";
import {
  type Infer,
  biguint,
  boolean,
  bytes,
  bytesToJson,
  encode,
  forced,
  list,
  map,
  remembering,
  struct,
  tagged,
  uint16,
  uint2048,
  uint256,
  uint32,
  uint64,
  uint8,
  varBytes,
} from "../codec/index.ts";
import { evmTransactionJsonOrError } from "../tx/transaction.ts";

/** Core types of quarkchain/core.py, fields in FIELDS (wire) order. */

export const hash256 = bytes(32);
export const signature65 = bytes(65);

export const TransactionType = { SERIALIZED_EVM: 0 } as const;

export const Branch = struct("Branch", { value: uint32 });
export type Branch = Infer<typeof Branch>;
export const TokenBalanceMap = struct("TokenBalanceMap", {
  balance_map: map(4, biguint, biguint, { skip: (v) => v === 0n, skipDescription: "entries with value==0 skipped" }),
});
export type TokenBalanceMap = Infer<typeof TokenBalanceMap>;
export const Address = struct("Address", { recipient: bytes(20), full_shard_key: uint32 });
export type Address = Infer<typeof Address>;
// Headers and blocks are values (never changed once built): their bytes, once known, are reused.
export const MinorBlockHeader = remembering(
  struct("MinorBlockHeader", {
    version: uint32,
    branch: Branch,
    height: uint64,
    coinbase_address: Address,
    coinbase_amount_map: TokenBalanceMap,
    hash_prev_minor_block: hash256,
    hash_prev_root_block: hash256,
    evm_gas_limit: uint256,
    hash_meta: hash256,
    create_time: uint64,
    difficulty: biguint,
    nonce: uint64,
    bloom: uint2048,
    extra_data: varBytes(2),
    mixhash: hash256,
  }),
);
export type MinorBlockHeader = Infer<typeof MinorBlockHeader>;
export const RootBlockHeader = struct("RootBlockHeader", {
  version: uint32,
  height: uint32,
  hash_prev_block: hash256,
  hash_merkle_root: hash256,
  hash_evm_state_root: hash256,
  coinbase_address: Address,
  coinbase_amount_map: TokenBalanceMap,
  create_time: uint64,
  difficulty: biguint,
  total_difficulty: biguint,
  nonce: uint64,
  extra_data: varBytes(2),
  mixhash: hash256,
  signature: signature65,
});
export type RootBlockHeader = Infer<typeof RootBlockHeader>;
export const RootBlock = struct("RootBlock", {
  header: RootBlockHeader,
  minor_block_header_list: list(4, MinorBlockHeader),
  tracking_data: varBytes(2),
});
export type RootBlock = Infer<typeof RootBlock>;
export const SerializedEvmTransaction = struct(
  "SerializedEvmTransaction",
  { type: uint8, serialized_tx: varBytes(4) },
  (v) => evmTransactionJsonOrError(v.serialized_tx),
);
export type SerializedEvmTransaction = Infer<typeof SerializedEvmTransaction>;
const typedTransactionTx = tagged({ [TransactionType.SERIALIZED_EVM]: SerializedEvmTransaction });
export const TypedTransaction = struct("TypedTransaction", { tx: typedTransactionTx }, (v) => ({
  _hash: bytesToJson(typedTransactionHash(v)),
}));
export type TypedTransaction = Infer<typeof TypedTransaction>;
export const CrossShardTransactionDeposit = struct("CrossShardTransactionDeposit", {
  tx_hash: hash256,
  from_address: Address,
  to_address: Address,
  value: uint256,
  gas_price: uint256,
  gas_token_id: uint64,
  transfer_token_id: uint64,
  gas_remained: uint256,
  message_data: varBytes(4),
  create_contract: boolean,
  is_from_root_chain: boolean,
  refund_rate: uint8,
});
export type CrossShardTransactionDeposit = Infer<typeof CrossShardTransactionDeposit>;
export const CrossShardTransactionList = struct("CrossShardTransactionList", {
  tx_list: list(4, CrossShardTransactionDeposit),
  version: forced(uint32, 1),
});
export type CrossShardTransactionList = Infer<typeof CrossShardTransactionList>;
export const Log = struct("Log", {
  recipient: bytes(20),
  topics: list(1, hash256),
  data: varBytes(4),
  block_number: uint64,
  block_hash: hash256,
  tx_idx: uint32,
  tx_hash: hash256,
  log_idx: uint32,
});
export type Log = Infer<typeof Log>;
export const XshardTxCursorInfo = struct("XshardTxCursorInfo", {
  root_block_height: uint64,
  minor_block_index: uint64,
  xshard_deposit_index: uint64,
});
export type XshardTxCursorInfo = Infer<typeof XshardTxCursorInfo>;
export const MinorBlockMeta = struct("MinorBlockMeta", {
  hash_merkle_root: hash256,
  hash_evm_state_root: hash256,
  hash_evm_receipt_root: hash256,
  evm_gas_used: uint256,
  evm_cross_shard_receive_gas_used: uint256,
  xshard_tx_cursor_info: XshardTxCursorInfo,
  evm_xshard_gas_limit: uint256,
});
export type MinorBlockMeta = Infer<typeof MinorBlockMeta>;
export const MinorBlock = remembering(
  struct("MinorBlock", {
    header: MinorBlockHeader,
    meta: MinorBlockMeta,
    tx_list: list(4, TypedTransaction),
    tracking_data: varBytes(2),
  }),
);
export type MinorBlock = Infer<typeof MinorBlock>;
export const TransactionReceipt = struct("TransactionReceipt", {
  success: varBytes(1),
  gas_used: uint64,
  prev_gas_used: uint64,
  bloom: uint2048,
  contract_address: Address,
  logs: list(4, Log),
});
export type TransactionReceipt = Infer<typeof TransactionReceipt>;
export const HashList = struct("HashList", { hlist: list(4, hash256) });
export type HashList = Infer<typeof HashList>;

/** The QuarkChain transaction hash: Keccak-256 of the whole TypedTransaction encoding. */
export function typedTransactionHash(tx: { tx: SerializedEvmTransaction }): Uint8Array {
  const inner = tx.tx;
  const bytes = inner.serialized_tx;
  if (inner.type !== TransactionType.SERIALIZED_EVM || bytes.length >= 2 ** 32)
    return keccak256(encode(typedTransactionTx, inner));
  const known = txHashes.get(bytes);
  if (known !== undefined) return known;
  // A TypedTransaction is its one field, so hashing the field's encoding hashes the whole: for the
  // one variant, its tag (the type byte), the 4-byte length, the bytes, hashed without a copy.
  const window = withHead(bytes);
  const hash = window !== undefined ? keccak256(window) : keccak256Of(headOf(bytes), bytes);
  txHashes.set(bytes, hash);
  return hash;
}

/**
 * A transaction's hash is asked for several times while its block is added (the merkle root,
 * run_block, the tx index, the pool): kept by its serialized bytes (the hash of a SERIALIZED_EVM
 * transaction is theirs alone; do not write into them once hashed).
 */
const txHashes = new WeakMap<Uint8Array, Uint8Array>();

/** typedTransactionHash's memo filled with a hash taken elsewhere of the same bytes (a sender thread's). */
export function rememberTypedTransactionHash(tx: { tx: SerializedEvmTransaction }, hash: Uint8Array): void {
  if (tx.tx.type === TransactionType.SERIALIZED_EVM) txHashes.set(tx.tx.serialized_tx, hash);
}

const HEAD = 5;

/**
 * `bytes` with its tag and length when the 5 bytes before it in its buffer are those: a transaction
 * decoded from a block's frame is a view that follows its own encoding's head, and is then hashed
 * as one window (one hasher update, no head array). Undefined otherwise.
 */
function withHead(bytes: Uint8Array): Uint8Array | undefined {
  const at = bytes.byteOffset;
  if (at < HEAD) return undefined;
  const n = bytes.length;
  const w = new Uint8Array(bytes.buffer, at - HEAD, n + HEAD);
  const isHead =
    w[0] === TransactionType.SERIALIZED_EVM &&
    w[1] === n >>> 24 &&
    w[2] === ((n >>> 16) & 255) &&
    w[3] === ((n >>> 8) & 255) &&
    w[4] === (n & 255);
  return isHead ? w : undefined;
}

/** The tag and length in one reused array (hashed at once; a fresh small array costs the hasher a copy off V8's heap). */
const head = new Uint8Array(new ArrayBuffer(HEAD));

function headOf(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  head[0] = TransactionType.SERIALIZED_EVM;
  head[1] = n >>> 24;
  head[2] = (n >>> 16) & 255;
  head[3] = (n >>> 8) & 255;
  head[4] = n & 255;
  return head;
}

/** Frame metadata (quarkchain/cluster/protocol.py). */
export const ClusterMetadata = struct("ClusterMetadata", { branch: Branch, cluster_peer_id: uint64 });
export type ClusterMetadata = Infer<typeof ClusterMetadata>;
export const P2PMetadata = struct("P2PMetadata", { branch: Branch });
export type P2PMetadata = Infer<typeof P2PMetadata>;
