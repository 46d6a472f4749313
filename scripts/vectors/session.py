"""One scenario's recording: a Chain (the master's side, in-process) and a Recorder (the
real slave over TCP), with the requests of the transcript format spelled as pyquarkchain's
own request classes."""
from quarkchain.cluster.rpc import (
    AddMinorBlockRequest,
    AddRootBlockRequest,
    CheckMinorBlockRequest,
    ClusterOp,
    ConnectToSlavesRequest,
    EstimateGasRequest,
    ExecuteTransactionRequest,
    GasPriceRequest,
    GetAccountDataRequest,
    GetCodeRequest,
    GetLogRequest,
    GetMinorBlockRequest,
    GetStorageRequest,
    GetTotalBalanceRequest,
    GetTransactionReceiptRequest,
    GetTransactionRequest,
    GetUnconfirmedHeadersRequest,
    AddTransactionRequest,
    Ping,
)
from quarkchain.core import Branch

from chain import Chain
from recorder import Recorder


def _tx_hash(tx):
    return tx.get_hash()


class Session:
    def __init__(self, config_dict, interop_dir):
        self.chain = Chain(config_dict)
        self.rec = Recorder(config_dict, interop_dir)
        self.fsids = self.chain.fsids  # every shard of the config, started or not
        self.root_height = 0

    # ---- setup and blocks ---------------------------------------------------------------
    def setup(self):
        r = self.rec
        r.exchange("setup", ClusterOp.PING, Ping(b"", [], None), "PING without root tip (the master's first PING)")
        r.exchange("setup", ClusterOp.CONNECT_TO_SLAVES_REQUEST, ConnectToSlavesRequest([]),
                   "CONNECT_TO_SLAVES with an empty slave list")
        r.exchange("setup", ClusterOp.PING, Ping(b"", [], self.chain.genesis_root),
                   "PING with the genesis root block as root tip: the slave creates its {} shards and reports "
                   "each genesis header before its PONG".format(len(self.fsids)))

    def send_minor(self, block, note=None):
        h = block.header
        note = note or "ADD_MINOR_BLOCK shard {} height {} with {} txs".format(
            h.branch.get_full_shard_id(), h.height, len(block.tx_list))
        return self.rec.exchange("block", ClusterOp.ADD_MINOR_BLOCK_REQUEST,
                                 AddMinorBlockRequest(block.serialize()), note)

    def minor(self, fsid, txs, note=None, seconds=3, miner=None):
        """Builds, adds (in-process) and sends a block; its error code must be 0."""
        block = self.chain.minor(fsid, txs, seconds, miner)
        resp = self.send_minor(block, note)
        if resp.error_code != 0:
            raise RuntimeError("the slave refused a valid block: {}".format(note))
        return block

    def send_root(self, rb, note=None):
        note = note or "ADD_ROOT_BLOCK R{} confirming {} minor headers".format(
            rb.header.height, len(rb.minor_block_header_list))
        return self.rec.exchange("block", ClusterOp.ADD_ROOT_BLOCK_REQUEST, AddRootBlockRequest(rb, False), note)

    def root(self, limit=6, note=None):
        rb = self.chain.root_block(limit=limit)
        resp = self.send_root(rb, note)
        if resp.error_code != 0:
            raise RuntimeError("the slave refused a valid root block")
        return rb

    def add_tx(self, tx, note):
        return self.rec.exchange("pool", ClusterOp.ADD_TRANSACTION_REQUEST, AddTransactionRequest(tx), "ADD_TRANSACTION " + note)

    # ---- queries --------------------------------------------------------------------------
    def q(self, op, req, note):
        return self.rec.exchange("query", op, req, note)

    def receipt(self, tx, fsid, note=None):
        return self.q(ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST, GetTransactionReceiptRequest(_tx_hash(tx), Branch(fsid)),
                      note or "GET_TRANSACTION_RECEIPT of {} on shard {}".format(_tx_hash(tx).hex()[:12], fsid))

    def transaction(self, tx, fsid):
        return self.q(ClusterOp.GET_TRANSACTION_REQUEST, GetTransactionRequest(_tx_hash(tx), Branch(fsid)),
                      "GET_TRANSACTION {} on shard {}".format(_tx_hash(tx).hex()[:12], fsid))

    def account(self, address, height=None, note=None):
        return self.q(ClusterOp.GET_ACCOUNT_DATA_REQUEST, GetAccountDataRequest(address, height),
                      note or "GET_ACCOUNT_DATA {} at {}".format(address.to_hex()[:12] + ".." + address.to_hex()[-8:],
                                                                 "the tip" if height is None else "height {}".format(height)))

    def block_by_height(self, fsid, height, extra=True):
        return self.q(ClusterOp.GET_MINOR_BLOCK_REQUEST, GetMinorBlockRequest(Branch(fsid), bytes(32), height, extra),
                      "GET_MINOR_BLOCK shard {} height {}{}".format(fsid, height, "" if extra else " (no extra info)"))

    def block_by_hash(self, fsid, h, extra=True):
        return self.q(ClusterOp.GET_MINOR_BLOCK_REQUEST, GetMinorBlockRequest(Branch(fsid), h, 0, extra),
                      "GET_MINOR_BLOCK shard {} by hash {}".format(fsid, h.hex()[:12]))

    def storage(self, address, key, height=None):
        return self.q(ClusterOp.GET_STORAGE_REQUEST, GetStorageRequest(address, key, height),
                      "GET_STORAGE {} key {:#x} at {}".format(address.to_hex()[:12], key, height))

    def code(self, address, height=None):
        return self.q(ClusterOp.GET_CODE_REQUEST, GetCodeRequest(address, height),
                      "GET_CODE {} at {}".format(address.to_hex()[:12], height))

    def logs(self, fsid, addresses, topics, start, end):
        return self.q(ClusterOp.GET_LOG_REQUEST, GetLogRequest(Branch(fsid), addresses, topics, start, end),
                      "GET_LOG shard {} {} addresses {} topic lists, blocks {}..{}".format(
                          fsid, len(addresses), len(topics), start, end))

    def execute(self, tx, from_address, height=None, note=""):
        return self.q(ClusterOp.EXECUTE_TRANSACTION_REQUEST, ExecuteTransactionRequest(tx, from_address, height),
                      "EXECUTE_TRANSACTION at {} {}".format("the tip" if height is None else height, note))

    def estimate(self, tx, from_address, note=""):
        return self.q(ClusterOp.ESTIMATE_GAS_REQUEST, EstimateGasRequest(tx, from_address), "ESTIMATE_GAS " + note)

    def gas_price(self, fsid, token):
        return self.q(ClusterOp.GAS_PRICE_REQUEST, GasPriceRequest(Branch(fsid), token),
                      "GAS_PRICE shard {} token {}".format(fsid, token))

    def total_balance(self, fsid, token, block_hash, limit=100, start=None):
        return self.q(ClusterOp.GET_TOTAL_BALANCE_REQUEST,
                      GetTotalBalanceRequest(Branch(fsid), start, token, limit, block_hash, None),
                      "GET_TOTAL_BALANCE shard {} token {} at {} limit {}".format(fsid, token, block_hash.hex()[:12], limit))

    def unconfirmed(self):
        return self.q(ClusterOp.GET_UNCONFIRMED_HEADERS_REQUEST, GetUnconfirmedHeadersRequest(), "GET_UNCONFIRMED_HEADERS")

    def check_block(self, header):
        return self.q(ClusterOp.CHECK_MINOR_BLOCK_REQUEST, CheckMinorBlockRequest(header),
                      "CHECK_MINOR_BLOCK shard {} height {}".format(header.branch.get_full_shard_id(), header.height))

    def close(self):
        self.rec.close()
