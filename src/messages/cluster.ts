import {
  type Infer,
  biguint,
  boolean,
  bytes,
  list,
  map,
  optional,
  uint16,
  uint256,
  uint32,
  uint64,
  varBytes,
  struct,
} from "../codec/index.ts";
import {
  Address,
  Branch,
  CrossShardTransactionList,
  Log,
  MinorBlock,
  MinorBlockHeader,
  RootBlock,
  TokenBalanceMap,
  TransactionReceipt,
  TypedTransaction,
  hash256,
  signature65,
} from "./core.ts";
import { defineOps, type MessageOf } from "./ops.ts";

/** Cluster RPC messages of quarkchain/cluster/rpc.py, fields in FIELDS (wire) order. */

export const AccountBranchData = struct("AccountBranchData", {
  branch: Branch,
  transaction_count: uint256,
  token_balances: TokenBalanceMap,
  is_contract: boolean,
  posw_mineable_blocks: uint16,
  mined_blocks: uint16,
});
export type AccountBranchData = Infer<typeof AccountBranchData>;
export const AddMinorBlockHeaderListRequest = struct("AddMinorBlockHeaderListRequest", {
  minor_block_header_list: list(4, MinorBlockHeader),
  coinbase_amount_map_list: list(4, TokenBalanceMap),
});
export type AddMinorBlockHeaderListRequest = Infer<typeof AddMinorBlockHeaderListRequest>;
export const AddMinorBlockHeaderListResponse = struct("AddMinorBlockHeaderListResponse", { error_code: uint32 });
export type AddMinorBlockHeaderListResponse = Infer<typeof AddMinorBlockHeaderListResponse>;
export const ShardStats = struct("ShardStats", {
  branch: Branch,
  height: uint64,
  difficulty: biguint,
  coinbase_address: Address,
  timestamp: uint64,
  tx_count60s: uint32,
  pending_tx_count: uint32,
  total_tx_count: uint32,
  block_count60s: uint32,
  stale_block_count60s: uint32,
  last_block_time: uint32,
});
export type ShardStats = Infer<typeof ShardStats>;
export const AddMinorBlockHeaderRequest = struct("AddMinorBlockHeaderRequest", {
  minor_block_header: MinorBlockHeader,
  tx_count: uint32,
  x_shard_tx_count: uint32,
  coinbase_amount_map: TokenBalanceMap,
  shard_stats: ShardStats,
});
export type AddMinorBlockHeaderRequest = Infer<typeof AddMinorBlockHeaderRequest>;
export const ArtificialTxConfig = struct("ArtificialTxConfig", {
  target_root_block_time: uint32,
  target_minor_block_time: uint32,
});
export type ArtificialTxConfig = Infer<typeof ArtificialTxConfig>;
export const AddMinorBlockHeaderResponse = struct("AddMinorBlockHeaderResponse", {
  error_code: uint32,
  artificial_tx_config: ArtificialTxConfig,
});
export type AddMinorBlockHeaderResponse = Infer<typeof AddMinorBlockHeaderResponse>;
export const AddMinorBlockRequest = struct("AddMinorBlockRequest", { minor_block_data: varBytes(4) });
export type AddMinorBlockRequest = Infer<typeof AddMinorBlockRequest>;
export const AddMinorBlockResponse = struct("AddMinorBlockResponse", { error_code: uint32 });
export type AddMinorBlockResponse = Infer<typeof AddMinorBlockResponse>;
export const AddRootBlockRequest = struct("AddRootBlockRequest", { root_block: RootBlock, expect_switch: boolean });
export type AddRootBlockRequest = Infer<typeof AddRootBlockRequest>;
export const AddRootBlockResponse = struct("AddRootBlockResponse", { error_code: uint32, switched: boolean });
export type AddRootBlockResponse = Infer<typeof AddRootBlockResponse>;
export const AddTransactionRequest = struct("AddTransactionRequest", { tx: TypedTransaction });
export type AddTransactionRequest = Infer<typeof AddTransactionRequest>;
export const AddTransactionResponse = struct("AddTransactionResponse", { error_code: uint32 });
export type AddTransactionResponse = Infer<typeof AddTransactionResponse>;
export const AddXshardTxListRequest = struct("AddXshardTxListRequest", {
  branch: Branch,
  minor_block_hash: hash256,
  tx_list: CrossShardTransactionList,
});
export type AddXshardTxListRequest = Infer<typeof AddXshardTxListRequest>;
export const AddXshardTxListResponse = struct("AddXshardTxListResponse", { error_code: uint32 });
export type AddXshardTxListResponse = Infer<typeof AddXshardTxListResponse>;
export const BatchAddXshardTxListRequest = struct("BatchAddXshardTxListRequest", {
  add_xshard_tx_list_request_list: list(4, AddXshardTxListRequest),
});
export type BatchAddXshardTxListRequest = Infer<typeof BatchAddXshardTxListRequest>;
export const BatchAddXshardTxListResponse = struct("BatchAddXshardTxListResponse", { error_code: uint32 });
export type BatchAddXshardTxListResponse = Infer<typeof BatchAddXshardTxListResponse>;
export const CheckMinorBlockRequest = struct("CheckMinorBlockRequest", { minor_block_header: MinorBlockHeader });
export type CheckMinorBlockRequest = Infer<typeof CheckMinorBlockRequest>;
export const CheckMinorBlockResponse = struct("CheckMinorBlockResponse", { error_code: uint32 });
export type CheckMinorBlockResponse = Infer<typeof CheckMinorBlockResponse>;
export const SlaveInfo = struct("SlaveInfo", {
  id: varBytes(4),
  host: varBytes(4),
  port: uint16,
  full_shard_id_list: list(4, uint32),
});
export type SlaveInfo = Infer<typeof SlaveInfo>;
export const ConnectToSlavesRequest = struct("ConnectToSlavesRequest", { slave_info_list: list(4, SlaveInfo) });
export type ConnectToSlavesRequest = Infer<typeof ConnectToSlavesRequest>;
export const ConnectToSlavesResponse = struct("ConnectToSlavesResponse", { result_list: list(4, varBytes(4)) });
export type ConnectToSlavesResponse = Infer<typeof ConnectToSlavesResponse>;
export const CreateClusterPeerConnectionRequest = struct("CreateClusterPeerConnectionRequest", {
  cluster_peer_id: uint64,
});
export type CreateClusterPeerConnectionRequest = Infer<typeof CreateClusterPeerConnectionRequest>;
export const CreateClusterPeerConnectionResponse = struct("CreateClusterPeerConnectionResponse", {
  error_code: uint32,
});
export type CreateClusterPeerConnectionResponse = Infer<typeof CreateClusterPeerConnectionResponse>;
export const DestroyClusterPeerConnectionCommand = struct("DestroyClusterPeerConnectionCommand", {
  cluster_peer_id: uint64,
});
export type DestroyClusterPeerConnectionCommand = Infer<typeof DestroyClusterPeerConnectionCommand>;
export const EcoInfo = struct("EcoInfo", {
  branch: Branch,
  height: uint64,
  coinbase_amount: uint256,
  difficulty: biguint,
  unconfirmed_headers_coinbase_amount: uint256,
});
export type EcoInfo = Infer<typeof EcoInfo>;
export const EstimateGasRequest = struct("EstimateGasRequest", { tx: TypedTransaction, from_address: Address });
export type EstimateGasRequest = Infer<typeof EstimateGasRequest>;
export const EstimateGasResponse = struct("EstimateGasResponse", { error_code: uint32, result: uint32 });
export type EstimateGasResponse = Infer<typeof EstimateGasResponse>;
export const ExecuteTransactionRequest = struct("ExecuteTransactionRequest", {
  tx: TypedTransaction,
  from_address: Address,
  block_height: optional(uint64),
});
export type ExecuteTransactionRequest = Infer<typeof ExecuteTransactionRequest>;
export const ExecuteTransactionResponse = struct("ExecuteTransactionResponse", {
  error_code: uint32,
  result: varBytes(4),
});
export type ExecuteTransactionResponse = Infer<typeof ExecuteTransactionResponse>;
export const GasPriceRequest = struct("GasPriceRequest", { branch: Branch, token_id: uint64 });
export type GasPriceRequest = Infer<typeof GasPriceRequest>;
export const GasPriceResponse = struct("GasPriceResponse", { error_code: uint32, result: uint64 });
export type GasPriceResponse = Infer<typeof GasPriceResponse>;
export const GenTxRequest = struct("GenTxRequest", {
  num_tx_per_shard: uint32,
  x_shard_percent: uint32,
  tx: TypedTransaction,
});
export type GenTxRequest = Infer<typeof GenTxRequest>;
export const GenTxResponse = struct("GenTxResponse", { error_code: uint32 });
export type GenTxResponse = Infer<typeof GenTxResponse>;
export const GetAccountDataRequest = struct("GetAccountDataRequest", {
  address: Address,
  block_height: optional(uint64),
});
export type GetAccountDataRequest = Infer<typeof GetAccountDataRequest>;
export const GetAccountDataResponse = struct("GetAccountDataResponse", {
  error_code: uint32,
  account_branch_data_list: list(4, AccountBranchData),
});
export type GetAccountDataResponse = Infer<typeof GetAccountDataResponse>;
export const GetAllTransactionsRequest = struct("GetAllTransactionsRequest", {
  branch: Branch,
  start: varBytes(4),
  limit: uint32,
});
export type GetAllTransactionsRequest = Infer<typeof GetAllTransactionsRequest>;
export const TransactionDetail = struct("TransactionDetail", {
  tx_hash: hash256,
  nonce: uint64,
  from_address: Address,
  to_address: optional(Address),
  value: uint256,
  block_height: uint64,
  timestamp: uint64,
  success: boolean,
  gas_token_id: uint64,
  transfer_token_id: uint64,
  is_from_root_chain: boolean,
});
export type TransactionDetail = Infer<typeof TransactionDetail>;
export const GetAllTransactionsResponse = struct("GetAllTransactionsResponse", {
  error_code: uint32,
  tx_list: list(4, TransactionDetail),
  next: varBytes(4),
});
export type GetAllTransactionsResponse = Infer<typeof GetAllTransactionsResponse>;
export const GetCodeRequest = struct("GetCodeRequest", { address: Address, block_height: optional(uint64) });
export type GetCodeRequest = Infer<typeof GetCodeRequest>;
export const GetCodeResponse = struct("GetCodeResponse", { error_code: uint32, result: varBytes(4) });
export type GetCodeResponse = Infer<typeof GetCodeResponse>;
export const GetEcoInfoListRequest = struct("GetEcoInfoListRequest", {});
export type GetEcoInfoListRequest = Infer<typeof GetEcoInfoListRequest>;
export const GetEcoInfoListResponse = struct("GetEcoInfoListResponse", {
  error_code: uint32,
  eco_info_list: list(4, EcoInfo),
});
export type GetEcoInfoListResponse = Infer<typeof GetEcoInfoListResponse>;
export const GetLogRequest = struct("GetLogRequest", {
  branch: Branch,
  addresses: list(4, Address),
  topics: list(4, list(4, hash256)),
  start_block: uint64,
  end_block: uint64,
});
export type GetLogRequest = Infer<typeof GetLogRequest>;
export const GetLogResponse = struct("GetLogResponse", { error_code: uint32, logs: list(4, Log) });
export type GetLogResponse = Infer<typeof GetLogResponse>;
export const GetMinorBlockRequest = struct("GetMinorBlockRequest", {
  branch: Branch,
  minor_block_hash: hash256,
  height: uint64,
  need_extra_info: boolean,
});
export type GetMinorBlockRequest = Infer<typeof GetMinorBlockRequest>;
export const MinorBlockExtraInfo = struct("MinorBlockExtraInfo", {
  effective_difficulty: biguint,
  posw_mineable_blocks: uint16,
  posw_mined_blocks: uint16,
});
export type MinorBlockExtraInfo = Infer<typeof MinorBlockExtraInfo>;
export const GetMinorBlockResponse = struct("GetMinorBlockResponse", {
  error_code: uint32,
  minor_block: MinorBlock,
  extra_info: optional(MinorBlockExtraInfo),
});
export type GetMinorBlockResponse = Infer<typeof GetMinorBlockResponse>;
export const GetNextBlockToMineRequest = struct("GetNextBlockToMineRequest", {
  branch: Branch,
  address: Address,
  artificial_tx_config: ArtificialTxConfig,
});
export type GetNextBlockToMineRequest = Infer<typeof GetNextBlockToMineRequest>;
export const GetNextBlockToMineResponse = struct("GetNextBlockToMineResponse", {
  error_code: uint32,
  block: MinorBlock,
});
export type GetNextBlockToMineResponse = Infer<typeof GetNextBlockToMineResponse>;
export const GetRootChainStakesRequest = struct("GetRootChainStakesRequest", {
  address: Address,
  minor_block_hash: hash256,
});
export type GetRootChainStakesRequest = Infer<typeof GetRootChainStakesRequest>;
export const GetRootChainStakesResponse = struct("GetRootChainStakesResponse", {
  error_code: uint32,
  stakes: biguint,
  signer: bytes(20),
});
export type GetRootChainStakesResponse = Infer<typeof GetRootChainStakesResponse>;
export const GetStorageRequest = struct("GetStorageRequest", {
  address: Address,
  key: uint256,
  block_height: optional(uint64),
});
export type GetStorageRequest = Infer<typeof GetStorageRequest>;
export const GetStorageResponse = struct("GetStorageResponse", { error_code: uint32, result: hash256 });
export type GetStorageResponse = Infer<typeof GetStorageResponse>;
export const GetTotalBalanceRequest = struct("GetTotalBalanceRequest", {
  branch: Branch,
  start: optional(hash256),
  token_id: uint64,
  limit: uint32,
  minor_block_hash: hash256,
  root_block_hash: optional(hash256),
});
export type GetTotalBalanceRequest = Infer<typeof GetTotalBalanceRequest>;
export const GetTotalBalanceResponse = struct("GetTotalBalanceResponse", {
  error_code: uint32,
  total_balance: biguint,
  next: varBytes(4),
});
export type GetTotalBalanceResponse = Infer<typeof GetTotalBalanceResponse>;
export const GetTransactionListByAddressRequest = struct("GetTransactionListByAddressRequest", {
  address: Address,
  transfer_token_id: optional(uint64),
  start: varBytes(4),
  limit: uint32,
});
export type GetTransactionListByAddressRequest = Infer<typeof GetTransactionListByAddressRequest>;
export const GetTransactionListByAddressResponse = struct("GetTransactionListByAddressResponse", {
  error_code: uint32,
  tx_list: list(4, TransactionDetail),
  next: varBytes(4),
});
export type GetTransactionListByAddressResponse = Infer<typeof GetTransactionListByAddressResponse>;
export const GetTransactionReceiptRequest = struct("GetTransactionReceiptRequest", {
  tx_hash: hash256,
  branch: Branch,
});
export type GetTransactionReceiptRequest = Infer<typeof GetTransactionReceiptRequest>;
export const GetTransactionReceiptResponse = struct("GetTransactionReceiptResponse", {
  error_code: uint32,
  minor_block: MinorBlock,
  index: uint32,
  receipt: TransactionReceipt,
});
export type GetTransactionReceiptResponse = Infer<typeof GetTransactionReceiptResponse>;
export const GetTransactionRequest = struct("GetTransactionRequest", { tx_hash: hash256, branch: Branch });
export type GetTransactionRequest = Infer<typeof GetTransactionRequest>;
export const GetTransactionResponse = struct("GetTransactionResponse", {
  error_code: uint32,
  minor_block: MinorBlock,
  index: uint32,
});
export type GetTransactionResponse = Infer<typeof GetTransactionResponse>;
export const GetUnconfirmedHeadersRequest = struct("GetUnconfirmedHeadersRequest", {});
export type GetUnconfirmedHeadersRequest = Infer<typeof GetUnconfirmedHeadersRequest>;
export const HeadersInfo = struct("HeadersInfo", { branch: Branch, header_list: list(4, MinorBlockHeader) });
export type HeadersInfo = Infer<typeof HeadersInfo>;
export const GetUnconfirmedHeadersResponse = struct("GetUnconfirmedHeadersResponse", {
  error_code: uint32,
  headers_info_list: list(4, HeadersInfo),
});
export type GetUnconfirmedHeadersResponse = Infer<typeof GetUnconfirmedHeadersResponse>;
export const GetWorkRequest = struct("GetWorkRequest", { branch: Branch, coinbase_addr: optional(Address) });
export type GetWorkRequest = Infer<typeof GetWorkRequest>;
export const GetWorkResponse = struct("GetWorkResponse", {
  error_code: uint32,
  header_hash: hash256,
  height: uint64,
  difficulty: biguint,
});
export type GetWorkResponse = Infer<typeof GetWorkResponse>;
export const MineRequest = struct("MineRequest", { artificial_tx_config: ArtificialTxConfig, mining: boolean });
export type MineRequest = Infer<typeof MineRequest>;
export const MineResponse = struct("MineResponse", { error_code: uint32 });
export type MineResponse = Infer<typeof MineResponse>;
export const Ping = struct("Ping", {
  id: varBytes(4),
  full_shard_id_list: list(4, uint32),
  root_tip: optional(RootBlock),
});
export type Ping = Infer<typeof Ping>;
export const Pong = struct("Pong", { id: varBytes(4), full_shard_id_list: list(4, uint32) });
export type Pong = Infer<typeof Pong>;
export const RootBlockSychronizerStats = struct("RootBlockSychronizerStats", {
  headers_downloaded: uint64,
  blocks_downloaded: uint64,
  blocks_added: uint64,
  ancestor_not_found_count: uint64,
  ancestor_lookup_requests: uint64,
});
export type RootBlockSychronizerStats = Infer<typeof RootBlockSychronizerStats>;
export const SubmitWorkRequest = struct("SubmitWorkRequest", {
  branch: Branch,
  header_hash: hash256,
  nonce: uint64,
  mixhash: hash256,
  signature: optional(signature65),
});
export type SubmitWorkRequest = Infer<typeof SubmitWorkRequest>;
export const SubmitWorkResponse = struct("SubmitWorkResponse", { error_code: uint32, success: boolean });
export type SubmitWorkResponse = Infer<typeof SubmitWorkResponse>;
export const SyncMinorBlockListRequest = struct("SyncMinorBlockListRequest", {
  minor_block_hash_list: list(4, hash256),
  branch: Branch,
  cluster_peer_id: uint64,
});
export type SyncMinorBlockListRequest = Infer<typeof SyncMinorBlockListRequest>;
export const SyncMinorBlockListResponse = struct("SyncMinorBlockListResponse", {
  error_code: uint32,
  block_coinbase_map: map(4, hash256, TokenBalanceMap),
  shard_stats: optional(ShardStats),
});
export type SyncMinorBlockListResponse = Infer<typeof SyncMinorBlockListResponse>;

/**
 * ClusterOp (CLUSTER_OP_BASE 128 + n; 156 is unused because DESTROY has no response).
 * The same opcodes serve the master link and the slave-to-slave mesh.
 */
export const clusterOps = defineOps("cluster", {
  PING: { op: 129, message: Ping, kind: "request", response: "PONG" },
  PONG: { op: 130, message: Pong, kind: "response" },
  CONNECT_TO_SLAVES_REQUEST: {
    op: 131,
    message: ConnectToSlavesRequest,
    kind: "request",
    response: "CONNECT_TO_SLAVES_RESPONSE",
  },
  CONNECT_TO_SLAVES_RESPONSE: { op: 132, message: ConnectToSlavesResponse, kind: "response" },
  ADD_ROOT_BLOCK_REQUEST: {
    op: 133,
    message: AddRootBlockRequest,
    kind: "request",
    response: "ADD_ROOT_BLOCK_RESPONSE",
  },
  ADD_ROOT_BLOCK_RESPONSE: { op: 134, message: AddRootBlockResponse, kind: "response" },
  GET_ECO_INFO_LIST_REQUEST: {
    op: 135,
    message: GetEcoInfoListRequest,
    kind: "request",
    response: "GET_ECO_INFO_LIST_RESPONSE",
  },
  GET_ECO_INFO_LIST_RESPONSE: { op: 136, message: GetEcoInfoListResponse, kind: "response" },
  GET_NEXT_BLOCK_TO_MINE_REQUEST: {
    op: 137,
    message: GetNextBlockToMineRequest,
    kind: "request",
    response: "GET_NEXT_BLOCK_TO_MINE_RESPONSE",
  },
  GET_NEXT_BLOCK_TO_MINE_RESPONSE: { op: 138, message: GetNextBlockToMineResponse, kind: "response" },
  GET_UNCONFIRMED_HEADERS_REQUEST: {
    op: 139,
    message: GetUnconfirmedHeadersRequest,
    kind: "request",
    response: "GET_UNCONFIRMED_HEADERS_RESPONSE",
  },
  GET_UNCONFIRMED_HEADERS_RESPONSE: { op: 140, message: GetUnconfirmedHeadersResponse, kind: "response" },
  GET_ACCOUNT_DATA_REQUEST: {
    op: 141,
    message: GetAccountDataRequest,
    kind: "request",
    response: "GET_ACCOUNT_DATA_RESPONSE",
  },
  GET_ACCOUNT_DATA_RESPONSE: { op: 142, message: GetAccountDataResponse, kind: "response" },
  ADD_TRANSACTION_REQUEST: {
    op: 143,
    message: AddTransactionRequest,
    kind: "request",
    response: "ADD_TRANSACTION_RESPONSE",
  },
  ADD_TRANSACTION_RESPONSE: { op: 144, message: AddTransactionResponse, kind: "response" },
  ADD_MINOR_BLOCK_HEADER_REQUEST: {
    op: 145,
    message: AddMinorBlockHeaderRequest,
    kind: "request",
    response: "ADD_MINOR_BLOCK_HEADER_RESPONSE",
  },
  ADD_MINOR_BLOCK_HEADER_RESPONSE: { op: 146, message: AddMinorBlockHeaderResponse, kind: "response" },
  ADD_XSHARD_TX_LIST_REQUEST: {
    op: 147,
    message: AddXshardTxListRequest,
    kind: "request",
    response: "ADD_XSHARD_TX_LIST_RESPONSE",
  },
  ADD_XSHARD_TX_LIST_RESPONSE: { op: 148, message: AddXshardTxListResponse, kind: "response" },
  SYNC_MINOR_BLOCK_LIST_REQUEST: {
    op: 149,
    message: SyncMinorBlockListRequest,
    kind: "request",
    response: "SYNC_MINOR_BLOCK_LIST_RESPONSE",
  },
  SYNC_MINOR_BLOCK_LIST_RESPONSE: { op: 150, message: SyncMinorBlockListResponse, kind: "response" },
  ADD_MINOR_BLOCK_REQUEST: {
    op: 151,
    message: AddMinorBlockRequest,
    kind: "request",
    response: "ADD_MINOR_BLOCK_RESPONSE",
  },
  ADD_MINOR_BLOCK_RESPONSE: { op: 152, message: AddMinorBlockResponse, kind: "response" },
  CREATE_CLUSTER_PEER_CONNECTION_REQUEST: {
    op: 153,
    message: CreateClusterPeerConnectionRequest,
    kind: "request",
    response: "CREATE_CLUSTER_PEER_CONNECTION_RESPONSE",
  },
  CREATE_CLUSTER_PEER_CONNECTION_RESPONSE: { op: 154, message: CreateClusterPeerConnectionResponse, kind: "response" },
  DESTROY_CLUSTER_PEER_CONNECTION_COMMAND: { op: 155, message: DestroyClusterPeerConnectionCommand, kind: "command" },
  GET_MINOR_BLOCK_REQUEST: {
    op: 157,
    message: GetMinorBlockRequest,
    kind: "request",
    response: "GET_MINOR_BLOCK_RESPONSE",
  },
  GET_MINOR_BLOCK_RESPONSE: { op: 158, message: GetMinorBlockResponse, kind: "response" },
  GET_TRANSACTION_REQUEST: {
    op: 159,
    message: GetTransactionRequest,
    kind: "request",
    response: "GET_TRANSACTION_RESPONSE",
  },
  GET_TRANSACTION_RESPONSE: { op: 160, message: GetTransactionResponse, kind: "response" },
  BATCH_ADD_XSHARD_TX_LIST_REQUEST: {
    op: 161,
    message: BatchAddXshardTxListRequest,
    kind: "request",
    response: "BATCH_ADD_XSHARD_TX_LIST_RESPONSE",
  },
  BATCH_ADD_XSHARD_TX_LIST_RESPONSE: { op: 162, message: BatchAddXshardTxListResponse, kind: "response" },
  EXECUTE_TRANSACTION_REQUEST: {
    op: 163,
    message: ExecuteTransactionRequest,
    kind: "request",
    response: "EXECUTE_TRANSACTION_RESPONSE",
  },
  EXECUTE_TRANSACTION_RESPONSE: { op: 164, message: ExecuteTransactionResponse, kind: "response" },
  GET_TRANSACTION_RECEIPT_REQUEST: {
    op: 165,
    message: GetTransactionReceiptRequest,
    kind: "request",
    response: "GET_TRANSACTION_RECEIPT_RESPONSE",
  },
  GET_TRANSACTION_RECEIPT_RESPONSE: { op: 166, message: GetTransactionReceiptResponse, kind: "response" },
  MINE_REQUEST: { op: 167, message: MineRequest, kind: "request", response: "MINE_RESPONSE" },
  MINE_RESPONSE: { op: 168, message: MineResponse, kind: "response" },
  GEN_TX_REQUEST: { op: 169, message: GenTxRequest, kind: "request", response: "GEN_TX_RESPONSE" },
  GEN_TX_RESPONSE: { op: 170, message: GenTxResponse, kind: "response" },
  GET_TRANSACTION_LIST_BY_ADDRESS_REQUEST: {
    op: 171,
    message: GetTransactionListByAddressRequest,
    kind: "request",
    response: "GET_TRANSACTION_LIST_BY_ADDRESS_RESPONSE",
  },
  GET_TRANSACTION_LIST_BY_ADDRESS_RESPONSE: { op: 172, message: GetTransactionListByAddressResponse, kind: "response" },
  GET_LOG_REQUEST: { op: 173, message: GetLogRequest, kind: "request", response: "GET_LOG_RESPONSE" },
  GET_LOG_RESPONSE: { op: 174, message: GetLogResponse, kind: "response" },
  ESTIMATE_GAS_REQUEST: { op: 175, message: EstimateGasRequest, kind: "request", response: "ESTIMATE_GAS_RESPONSE" },
  ESTIMATE_GAS_RESPONSE: { op: 176, message: EstimateGasResponse, kind: "response" },
  GET_STORAGE_REQUEST: { op: 177, message: GetStorageRequest, kind: "request", response: "GET_STORAGE_RESPONSE" },
  GET_STORAGE_RESPONSE: { op: 178, message: GetStorageResponse, kind: "response" },
  GET_CODE_REQUEST: { op: 179, message: GetCodeRequest, kind: "request", response: "GET_CODE_RESPONSE" },
  GET_CODE_RESPONSE: { op: 180, message: GetCodeResponse, kind: "response" },
  GAS_PRICE_REQUEST: { op: 181, message: GasPriceRequest, kind: "request", response: "GAS_PRICE_RESPONSE" },
  GAS_PRICE_RESPONSE: { op: 182, message: GasPriceResponse, kind: "response" },
  GET_WORK_REQUEST: { op: 183, message: GetWorkRequest, kind: "request", response: "GET_WORK_RESPONSE" },
  GET_WORK_RESPONSE: { op: 184, message: GetWorkResponse, kind: "response" },
  SUBMIT_WORK_REQUEST: { op: 185, message: SubmitWorkRequest, kind: "request", response: "SUBMIT_WORK_RESPONSE" },
  SUBMIT_WORK_RESPONSE: { op: 186, message: SubmitWorkResponse, kind: "response" },
  ADD_MINOR_BLOCK_HEADER_LIST_REQUEST: {
    op: 187,
    message: AddMinorBlockHeaderListRequest,
    kind: "request",
    response: "ADD_MINOR_BLOCK_HEADER_LIST_RESPONSE",
  },
  ADD_MINOR_BLOCK_HEADER_LIST_RESPONSE: { op: 188, message: AddMinorBlockHeaderListResponse, kind: "response" },
  CHECK_MINOR_BLOCK_REQUEST: {
    op: 189,
    message: CheckMinorBlockRequest,
    kind: "request",
    response: "CHECK_MINOR_BLOCK_RESPONSE",
  },
  CHECK_MINOR_BLOCK_RESPONSE: { op: 190, message: CheckMinorBlockResponse, kind: "response" },
  GET_ALL_TRANSACTIONS_REQUEST: {
    op: 191,
    message: GetAllTransactionsRequest,
    kind: "request",
    response: "GET_ALL_TRANSACTIONS_RESPONSE",
  },
  GET_ALL_TRANSACTIONS_RESPONSE: { op: 192, message: GetAllTransactionsResponse, kind: "response" },
  GET_ROOT_CHAIN_STAKES_REQUEST: {
    op: 193,
    message: GetRootChainStakesRequest,
    kind: "request",
    response: "GET_ROOT_CHAIN_STAKES_RESPONSE",
  },
  GET_ROOT_CHAIN_STAKES_RESPONSE: { op: 194, message: GetRootChainStakesResponse, kind: "response" },
  GET_TOTAL_BALANCE_REQUEST: {
    op: 195,
    message: GetTotalBalanceRequest,
    kind: "request",
    response: "GET_TOTAL_BALANCE_RESPONSE",
  },
  GET_TOTAL_BALANCE_RESPONSE: { op: 196, message: GetTotalBalanceResponse, kind: "response" },
});
export const ClusterOp = clusterOps.codes;
export type ClusterOpDefs = typeof clusterOps.defs;
export type ClusterOpName = keyof ClusterOpDefs;
export type ClusterMessage<N extends ClusterOpName> = MessageOf<ClusterOpDefs, N>;
