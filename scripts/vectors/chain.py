"""A QuarkChain network built in-process with pyquarkchain's own RootState and ShardState,
from the very cluster config the recorded slave reads (the master's side of a transcript).

Blocks are made by ShardState.create_block_to_mine with an explicit, ordered transaction
list and re-finalized as ShardState.finalize_and_add_block does; cross-shard lists go to
every neighbour shard as SlaveServer.broadcast_xshard_tx_list does; root blocks are made
by RootState.create_block_to_mine. Time comes from a clock of our own (never the wall
clock), keys from a seed: the same scenario gives the same bytes.
"""
import copy

from qkc_harness_common import make_env  # /work/shared/interop (on PYTHONPATH via run.sh)

from quarkchain.cluster.cluster_config import ClusterConfig, SlaveConfig
from quarkchain.cluster.neighbor import is_neighbor
from quarkchain.cluster.root_state import RootState
from quarkchain.cluster.shard_state import ShardState
from quarkchain.core import (
    Address,
    Branch,
    CrossShardTransactionList,
    Identity,
    SerializedEvmTransaction,
    TypedTransaction,
)
from quarkchain.db import InMemoryDb
from quarkchain.evm.transactions import Transaction as EvmTransaction
from quarkchain.utils import sha3_256, token_id_encode

PORT_PLACEHOLDER = 38000


def cluster_config(chain_size, shard_size, alloc, network_id=3, tweak=None, history=False):
    """A whole cluster config as ClusterConfig.to_dict writes it: one slave S0 serving every
    shard, POW_SIMULATE, in-memory DB. `alloc`: {full_shard_id: {address hex: {token: amount}}}."""
    cc = ClusterConfig()
    qc = cc.QUARKCHAIN
    qc.update(chain_size, shard_size, 10, 3, qc.GENESIS_TOKEN, base_eth_chain_id=100000)
    qc.NETWORK_ID = network_id
    # the chain's ALLOC holds every shard's accounts; QuarkChainConfig.from_dict splits it by key
    for fsid, accounts in alloc.items():
        qc.CHAINS[fsid >> 16].GENESIS.ALLOC.update(accounts)
    if tweak:
        tweak(qc)
    cc.DB_PATH_ROOT = ""
    cc.ENABLE_TRANSACTION_HISTORY = history
    s0 = SlaveConfig()
    s0.ID = "S0"
    s0.HOST = "127.0.0.1"
    s0.PORT = PORT_PLACEHOLDER
    s0.FULL_SHARD_ID_LIST = sorted(qc.shards)
    cc.SLAVE_LIST = [s0]
    return cc.to_dict()


class Account:
    """A deterministic key: the same name gives the same address."""

    def __init__(self, name):
        key = sha3_256(("qkc-slave vectors " + name).encode())
        self.name = name
        self.identity = Identity.create_from_key(key)
        self.key = key
        self.recipient = self.identity.recipient

    def addr(self, full_shard_key):
        return Address(self.recipient, full_shard_key)


def key_of(full_shard_id):
    """A full_shard_key that lands in that shard: chain id << 16 | shard id."""
    b = Branch(full_shard_id)
    return (b.get_chain_id() << 16) | b.get_shard_id()


class Chain:
    def __init__(self, config_dict, clock_start=None):
        self.config = copy.deepcopy(config_dict)
        fsids = [int(x, 16) if isinstance(x, str) else x for x in config_dict["SLAVE_LIST"][0]["FULL_SHARD_ID_LIST"]]
        self.env = make_env(cluster=self.config, slaves=[("S0", "127.0.0.1", PORT_PLACEHOLDER, fsids)])
        self.qc = self.env.quark_chain_config
        self.root = RootState(self.env)
        self.genesis_root = self.root.get_tip_block()
        self.shards = {}
        self.unconfirmed = {}
        self.fsids = sorted(fsids)
        self._create_shards(self.genesis_root)
        self.clock = clock_start or self.genesis_root.header.create_time
        self.nonces = {}
        self.root_miner = Account("root miner")
        self.miner = Account("minor miner")

    def _create_shards(self, root_block):
        """slave.py:create_shards: a shard starts at the root block of its GENESIS.ROOT_HEIGHT."""
        for fsid in self.fsids:
            if fsid in self.shards or self.qc.get_genesis_root_height(fsid) != root_block.header.height:
                continue
            st = ShardState(self.env, fsid, InMemoryDb())
            genesis, coinbase = st.init_genesis_state(root_block)
            # the next root block confirms the genesis block too (as the master's does)
            self.root.add_validated_minor_block_hash(genesis.header.get_hash(), coinbase.balance_map)
            self.shards[fsid] = st
            self.unconfirmed[fsid] = [genesis.header]
            self._broadcast(genesis, [], root_block.header.height)  # shard.py:__init_genesis_state

    # ---- transactions -------------------------------------------------------------
    def nonce(self, acct, full_shard_id):
        k = (acct.recipient, full_shard_id)
        if k not in self.nonces:
            self.nonces[k] = self.shards[full_shard_id].get_transaction_count(acct.recipient)
        return self.nonces[k]

    def tx(self, acct, from_key, to, value=0, gas=21000, gas_price=1, data=b"", to_key=None,
           gas_token=None, transfer_token=None, nonce=None, network_id=None, sign=True, version=0):
        """A signed transaction of `acct` from shard key `from_key`. `to` is an Address, or
        None for a contract creation (then `to_key` says where). The sender's nonce advances
        unless `nonce` is given (a deliberately wrong one)."""
        fsid = self.qc.get_full_shard_id_by_full_shard_key(from_key)
        genesis = self.qc.genesis_token
        if nonce is None:
            nonce = self.nonce(acct, fsid)
            self.nonces[(acct.recipient, fsid)] = nonce + 1
        evm_tx = EvmTransaction(
            nonce=nonce,
            gasprice=gas_price,
            startgas=gas,
            to=to.recipient if to is not None else b"",
            value=value,
            data=data,
            from_full_shard_key=from_key,
            to_full_shard_key=(to.full_shard_key if to is not None else (from_key if to_key is None else to_key)),
            network_id=self.qc.NETWORK_ID if network_id is None else network_id,
            gas_token_id=genesis if gas_token is None else gas_token,
            transfer_token_id=genesis if transfer_token is None else transfer_token,
            version=version,
        )
        evm_tx.set_quark_chain_config(self.qc)
        if sign:
            evm_tx.sign(key=acct.key)
        return TypedTransaction(SerializedEvmTransaction.from_evm_tx(evm_tx))

    # ---- blocks -----------------------------------------------------------------------
    def tick(self, seconds=3):
        self.clock += seconds
        return self.clock

    def make_minor(self, fsid, txs, seconds=3, miner=None):
        """A finalized block on the shard's tip holding `txs` in order (not added)."""
        st = self.shards[fsid]
        block = st.create_block_to_mine(
            create_time=self.tick(seconds), address=(miner or self.miner).addr(key_of(fsid)), include_tx=False
        )
        for t in txs:
            block.add_tx(t)
        # shard_state.py:finalize_and_add_block
        evm_state = st.run_block(block)
        coinbase = st.get_coinbase_amount_map(block.header.height)
        coinbase.add(evm_state.block_fee_tokens)
        block.finalize(evm_state=evm_state, coinbase_amount_map=coinbase)
        block.tracking_data = b""
        return block

    def add_minor(self, block):
        """Adds a block made by make_minor to our states, as the slave and the master would."""
        fsid = block.header.branch.get_full_shard_id()
        st = self.shards[fsid]
        xshard_list, coinbase_amount_map = st.add_block(block, force=True)
        h = block.header.get_hash()
        st.commit_by_hash(h)
        prev_root_height = st.db.get_root_block_header_by_hash(block.header.hash_prev_root_block).height
        self._broadcast(block, xshard_list, prev_root_height)
        self.root.add_validated_minor_block_hash(h, coinbase_amount_map.balance_map)
        self.unconfirmed[fsid].append(block.header)
        # nonces are re-read from the new tip (failing transactions of a block still count)
        self.nonces = {k: v for k, v in self.nonces.items() if k[1] != fsid}
        return block

    def _broadcast(self, block, xshard_list, prev_root_height):
        """slave.py:broadcast_xshard_tx_list: every initialized neighbour gets its (maybe empty) list."""
        fsid = block.header.branch.get_full_shard_id()
        h = block.header.get_hash()
        initialized = self.qc.get_initialized_full_shard_ids_before_root_height(prev_root_height)
        for other in initialized:
            if other == fsid or not is_neighbor(block.header.branch, Branch(other), len(initialized)):
                continue
            deposits = [
                d
                for d in xshard_list
                if self.qc.get_full_shard_id_by_full_shard_key(d.to_address.full_shard_key) == other
            ]
            self.shards[other].add_cross_shard_tx_list_by_minor_block_hash(h, CrossShardTransactionList(deposits))

    def minor(self, fsid, txs, seconds=3, miner=None):
        return self.add_minor(self.make_minor(fsid, txs, seconds, miner))

    def make_root(self, seconds=10, limit=6):
        """A root block on the root tip confirming up to `limit` unconfirmed blocks per shard."""
        headers = []
        for fsid in sorted(self.unconfirmed):
            headers += self.unconfirmed[fsid][:limit]
        rb = self.root.create_block_to_mine(headers, address=self.root_miner.addr(0), create_time=self.tick(seconds))
        rb.tracking_data = b""
        return rb

    def add_root(self, rb):
        self.root.add_block(rb)
        for st in self.shards.values():
            st.add_root_block(rb)
        self._create_shards(rb)
        confirmed = {h.get_hash() for h in rb.minor_block_header_list}
        for fsid in self.unconfirmed:
            self.unconfirmed[fsid] = [h for h in self.unconfirmed[fsid] if h.get_hash() not in confirmed]
        return rb

    def root_block(self, seconds=10, limit=6):
        return self.add_root(self.make_root(seconds, limit))

    def fork_root(self, parent_header, seconds=10, miner=None):
        """An empty root block on `parent_header` (a fork when that is not the tip)."""
        create_time = self.tick(seconds)
        difficulty = self.root.diff_calc.calculate_diff_with_parent(parent_header, create_time)
        address = (miner or self.root_miner).addr(0)
        rb = parent_header.create_block_to_append(create_time=create_time, address=address, difficulty=difficulty)
        coinbase = self.root._calculate_root_block_coinbase([], rb.header.height)
        rb = rb.finalize(coinbase_tokens=coinbase, coinbase_address=address)
        rb.tracking_data = b""
        return rb

    def token(self, name):
        return token_id_encode(name)

    def resync_unconfirmed(self):
        """After a root fork reset a shard's tip: the blocks not yet confirmed on the best chain."""
        for fsid, st in self.shards.items():
            confirmed = st.confirmed_header_tip.get_hash() if st.confirmed_header_tip else None
            headers, h = [], st.header_tip
            while h is not None and h.get_hash() != confirmed:
                headers.append(h)
                if h.height == 0:
                    break
                h = st.db.get_minor_block_header_by_hash(h.hash_prev_minor_block)
            self.unconfirmed[fsid] = headers[::-1]
        self.nonces = {}
