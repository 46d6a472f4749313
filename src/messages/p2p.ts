import { type Infer, list, uint128, uint16, uint32, uint8, struct } from "../codec/index.ts";
import { Branch, MinorBlock, MinorBlockHeader, RootBlock, RootBlockHeader, TypedTransaction, hash256 } from "./core.ts";
import { defineOps, type MessageOf } from "./ops.ts";

/** P2P commands of quarkchain/cluster/p2p_commands.py, fields in FIELDS (wire) order. */

export const GetMinorBlockHeaderListRequest = struct("GetMinorBlockHeaderListRequest", {
  block_hash: hash256,
  branch: Branch,
  limit: uint32,
  direction: uint8,
});
export type GetMinorBlockHeaderListRequest = Infer<typeof GetMinorBlockHeaderListRequest>;
export const GetMinorBlockHeaderListResponse = struct("GetMinorBlockHeaderListResponse", {
  root_tip: RootBlockHeader,
  shard_tip: MinorBlockHeader,
  block_header_list: list(4, MinorBlockHeader),
});
export type GetMinorBlockHeaderListResponse = Infer<typeof GetMinorBlockHeaderListResponse>;
export const GetMinorBlockHeaderListWithSkipRequest = struct("GetMinorBlockHeaderListWithSkipRequest", {
  type: uint8,
  data: hash256,
  branch: Branch,
  limit: uint32,
  skip: uint32,
  direction: uint8,
});
export type GetMinorBlockHeaderListWithSkipRequest = Infer<typeof GetMinorBlockHeaderListWithSkipRequest>;
export const GetMinorBlockListRequest = struct("GetMinorBlockListRequest", { minor_block_hash_list: list(4, hash256) });
export type GetMinorBlockListRequest = Infer<typeof GetMinorBlockListRequest>;
export const GetMinorBlockListResponse = struct("GetMinorBlockListResponse", { minor_block_list: list(4, MinorBlock) });
export type GetMinorBlockListResponse = Infer<typeof GetMinorBlockListResponse>;
export const GetPeerListRequest = struct("GetPeerListRequest", { max_peers: uint32 });
export type GetPeerListRequest = Infer<typeof GetPeerListRequest>;
export const PeerInfo = struct("PeerInfo", { ip: uint128, port: uint16 });
export type PeerInfo = Infer<typeof PeerInfo>;
export const GetPeerListResponse = struct("GetPeerListResponse", { peer_info_list: list(4, PeerInfo) });
export type GetPeerListResponse = Infer<typeof GetPeerListResponse>;
export const GetRootBlockHeaderListRequest = struct("GetRootBlockHeaderListRequest", {
  block_hash: hash256,
  limit: uint32,
  direction: uint8,
});
export type GetRootBlockHeaderListRequest = Infer<typeof GetRootBlockHeaderListRequest>;
export const GetRootBlockHeaderListResponse = struct("GetRootBlockHeaderListResponse", {
  root_tip: RootBlockHeader,
  block_header_list: list(4, RootBlockHeader),
});
export type GetRootBlockHeaderListResponse = Infer<typeof GetRootBlockHeaderListResponse>;
export const GetRootBlockHeaderListWithSkipRequest = struct("GetRootBlockHeaderListWithSkipRequest", {
  type: uint8,
  data: hash256,
  limit: uint32,
  skip: uint32,
  direction: uint8,
});
export type GetRootBlockHeaderListWithSkipRequest = Infer<typeof GetRootBlockHeaderListWithSkipRequest>;
export const GetRootBlockListRequest = struct("GetRootBlockListRequest", { root_block_hash_list: list(4, hash256) });
export type GetRootBlockListRequest = Infer<typeof GetRootBlockListRequest>;
export const GetRootBlockListResponse = struct("GetRootBlockListResponse", { root_block_list: list(4, RootBlock) });
export type GetRootBlockListResponse = Infer<typeof GetRootBlockListResponse>;
export const HelloCommand = struct("HelloCommand", {
  version: uint32,
  network_id: uint32,
  peer_id: hash256,
  peer_ip: uint128,
  peer_port: uint16,
  chain_mask_list: list(4, uint32),
  root_block_header: RootBlockHeader,
  genesis_root_block_hash: hash256,
});
export type HelloCommand = Infer<typeof HelloCommand>;
export const NewBlockMinorCommand = struct("NewBlockMinorCommand", { block: MinorBlock });
export type NewBlockMinorCommand = Infer<typeof NewBlockMinorCommand>;
export const NewMinorBlockHeaderListCommand = struct("NewMinorBlockHeaderListCommand", {
  root_block_header: RootBlockHeader,
  minor_block_header_list: list(4, MinorBlockHeader),
});
export type NewMinorBlockHeaderListCommand = Infer<typeof NewMinorBlockHeaderListCommand>;
export const NewRootBlockCommand = struct("NewRootBlockCommand", { block: RootBlock });
export type NewRootBlockCommand = Infer<typeof NewRootBlockCommand>;
export const NewTransactionListCommand = struct("NewTransactionListCommand", {
  transaction_list: list(4, TypedTransaction),
});
export type NewTransactionListCommand = Infer<typeof NewTransactionListCommand>;
export const PingPongCommand = struct("PingPongCommand", { message: hash256 });
export type PingPongCommand = Infer<typeof PingPongCommand>;

/**
 * CommandOp. Requests pair with request + 1, as in every map a slave uses (the root-level
 * SimpleNetwork answers op 16 with op 6, but that never reaches a slave).
 */
export const p2pOps = defineOps("p2p", {
  HELLO: { op: 0, message: HelloCommand, kind: "command" },
  NEW_MINOR_BLOCK_HEADER_LIST: { op: 1, message: NewMinorBlockHeaderListCommand, kind: "command" },
  NEW_TRANSACTION_LIST: { op: 2, message: NewTransactionListCommand, kind: "command" },
  GET_PEER_LIST_REQUEST: { op: 3, message: GetPeerListRequest, kind: "request", response: "GET_PEER_LIST_RESPONSE" },
  GET_PEER_LIST_RESPONSE: { op: 4, message: GetPeerListResponse, kind: "response" },
  GET_ROOT_BLOCK_HEADER_LIST_REQUEST: {
    op: 5,
    message: GetRootBlockHeaderListRequest,
    kind: "request",
    response: "GET_ROOT_BLOCK_HEADER_LIST_RESPONSE",
  },
  GET_ROOT_BLOCK_HEADER_LIST_RESPONSE: { op: 6, message: GetRootBlockHeaderListResponse, kind: "response" },
  GET_ROOT_BLOCK_LIST_REQUEST: {
    op: 7,
    message: GetRootBlockListRequest,
    kind: "request",
    response: "GET_ROOT_BLOCK_LIST_RESPONSE",
  },
  GET_ROOT_BLOCK_LIST_RESPONSE: { op: 8, message: GetRootBlockListResponse, kind: "response" },
  GET_MINOR_BLOCK_LIST_REQUEST: {
    op: 9,
    message: GetMinorBlockListRequest,
    kind: "request",
    response: "GET_MINOR_BLOCK_LIST_RESPONSE",
  },
  GET_MINOR_BLOCK_LIST_RESPONSE: { op: 10, message: GetMinorBlockListResponse, kind: "response" },
  GET_MINOR_BLOCK_HEADER_LIST_REQUEST: {
    op: 11,
    message: GetMinorBlockHeaderListRequest,
    kind: "request",
    response: "GET_MINOR_BLOCK_HEADER_LIST_RESPONSE",
  },
  GET_MINOR_BLOCK_HEADER_LIST_RESPONSE: { op: 12, message: GetMinorBlockHeaderListResponse, kind: "response" },
  NEW_BLOCK_MINOR: { op: 13, message: NewBlockMinorCommand, kind: "command" },
  PING: { op: 14, message: PingPongCommand, kind: "command" },
  PONG: { op: 15, message: PingPongCommand, kind: "command" },
  GET_ROOT_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST: {
    op: 16,
    message: GetRootBlockHeaderListWithSkipRequest,
    kind: "request",
    response: "GET_ROOT_BLOCK_HEADER_LIST_WITH_SKIP_RESPONSE",
  },
  GET_ROOT_BLOCK_HEADER_LIST_WITH_SKIP_RESPONSE: { op: 17, message: GetRootBlockHeaderListResponse, kind: "response" },
  NEW_ROOT_BLOCK: { op: 18, message: NewRootBlockCommand, kind: "command" },
  GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_REQUEST: {
    op: 19,
    message: GetMinorBlockHeaderListWithSkipRequest,
    kind: "request",
    response: "GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_RESPONSE",
  },
  GET_MINOR_BLOCK_HEADER_LIST_WITH_SKIP_RESPONSE: {
    op: 20,
    message: GetMinorBlockHeaderListResponse,
    kind: "response",
  },
});
export const CommandOp = p2pOps.codes;
export type P2POpDefs = typeof p2pOps.defs;
export type P2POpName = keyof P2POpDefs;
export type P2PMessage<N extends P2POpName> = MessageOf<P2POpDefs, N>;
