#!/usr/bin/env python3
"""A mixed QuarkChain cluster: pyquarkchain's real MasterServer (in this process) drives one
pyquarkchain SlaveServer (py_real_slave.py) and one qkc-slave, both serving both shards of a
two-shard network: two chains of one shard (full shard ids 1 and 65537, the default) or one chain of
two shards (--layout 1x2: full shard ids 2 and 3). Blocks with transfers, cross-shard ones in both
directions, are built here with pyquarkchain's own ShardState / RootState, pushed to both slaves
through the master's connections, and both slaves' answers (account data, receipts, blocks) are
compared byte for byte.

Run through the shared interop tools (pyquarkchain importable, see scripts/mixed-cluster.sh):
  run.sh interop/mixed_cluster.py --qkc-cmd 'node --import tsx bin/slave.ts' [--first qkc|py] [--layout 2x1|1x2]

Why every block is sent to each slave by hand after the master's own call: pyquarkchain's
MasterServer.add_raw_minor_block sends ADD_MINOR_BLOCK only to branch_to_slaves[branch][0]
(master.py: get_slave_connection, "TODO: support multiple slaves running the same shard"), so a
second slave of the shard would never get the block and would then refuse the root block that
confirms it (shard_state.py:add_root_block: "cannot find minor block in local shard"). The driver
calls add_raw_minor_block (the master's real path, to the first slave) and writes the very same
AddMinorBlockRequest on the master's SlaveConnection of every other slave of the branch. Root
blocks go through MasterServer.add_root_block, which broadcasts them to every slave itself.

Exit 0 PASS, 1 FAIL (a block refused, an answer that differs or is an error), 2 cluster not up.
"""
import argparse
import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import time

from qkc_harness_common import out, make_env, cluster_config_dict  # noqa: E402  (sets up qkc_compat)
import py_real_master as prm  # noqa: E402  (its instrument() keeps the raw bytes of every answer)

from quarkchain.cluster import master as qm  # noqa: E402
from quarkchain.cluster.root_state import RootState  # noqa: E402
from quarkchain.cluster.shard_state import ShardState  # noqa: E402
from quarkchain.cluster.rpc import (  # noqa: E402
    AddMinorBlockRequest,
    ClusterOp,
    GetAccountDataRequest,
    GetEcoInfoListRequest,
    GetCodeRequest,
    GetStorageRequest,
    GasPriceRequest,
    GetUnconfirmedHeadersRequest,
    GetMinorBlockRequest,
    GetTransactionReceiptRequest,
    GetTransactionRequest,
)
from quarkchain.core import (  # noqa: E402
    Address,
    Branch,
    CrossShardTransactionList,
    Identity,
    SerializedEvmTransaction,
    TypedTransaction,
)
from quarkchain.db import InMemoryDb  # noqa: E402
from quarkchain.evm.transactions import Transaction as EvmTransaction  # noqa: E402
from quarkchain.genesis import GenesisManager  # noqa: E402
from quarkchain.utils import sha3_256  # noqa: E402

from quarkchain.cluster.tests.test_utils import (  # noqa: E402  (pyquarkchain's test contracts)
    CONTRACT_CREATION_WITH_EVENT_BYTECODE as EVENT_CONTRACT,
    CONTRACT_WITH_STORAGE as STORAGE_CONTRACT,
)

HARNESS_DIR = os.path.dirname(os.path.abspath(prm.__file__))
QKC = 10 ** 18
GAS_PRICE = 10 ** 9
# (chain size, shard size) -> the full shard key of the B accounts (the A accounts use 0): chain 1,
# or shard 1 of chain 0
LAYOUTS = {"2x1": (2, 1, 1 << 16), "1x2": (1, 2, 1)}
KEYS = {}
FUNDED = ("A0", "B0")


def set_layout(name):
    KEYS.update({"A0": 0, "A1": 0, "B0": LAYOUTS[name][2], "B1": LAYOUTS[name][2]})
    return LAYOUTS[name][:2]


class Account:
    def __init__(self, name, full_shard_key):
        self.name = name
        self.identity = Identity.create_from_key(sha3_256(b"qkc-slave mixed cluster " + name.encode()))
        self.address = Address.create_from_identity(self.identity, full_shard_key)


def write_config(path, slaves, chains, shards):
    """pyquarkchain's default layout of that size (POW_SIMULATE), A0 and B0 funded at genesis, both
    slaves serving both shards; written with pyquarkchain's own to_dict."""
    env = make_env(chains, shards, slaves)
    d = cluster_config_dict(env)
    qc = env.quark_chain_config
    for name in FUNDED:
        acct = Account(name, KEYS[name])
        fsid = qc.get_full_shard_id_by_full_shard_key(acct.address.full_shard_key)
        alloc = d["QUARKCHAIN"]["CHAINS"][fsid >> 16]["GENESIS"].setdefault("ALLOC", {})
        alloc[acct.address.serialize().hex()] = {"QKC": 10 ** 24}
    with open(path, "w") as f:
        json.dump(d, f, indent=2)
    return d


def wait_line(path, needle, seconds, proc):
    end = time.time() + seconds
    while time.time() < end:
        try:
            with open(path, errors="replace") as f:
                if needle in f.read():
                    return True
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


class Builder:
    """The chain, built in-process with pyquarkchain's ShardState per shard, from the same config."""

    def __init__(self, qkc_section):
        self.env = make_env(quarkchain=qkc_section)
        self.qc = self.env.quark_chain_config
        genesis_root = GenesisManager(self.qc).create_root_block()
        self.states = {}
        for fsid in self.qc.get_full_shard_ids():
            st = ShardState(self.env, fsid, InMemoryDb())
            st.init_genesis_state(genesis_root)
            self.states[fsid] = st
        self.clock = int(time.time()) - 3600  # strictly increasing, all in the past
        self.pending_nonce = {}  # per sender: transactions queued since its shard's last block

    def tick(self):
        self.clock += 5
        return self.clock

    def fsid_of(self, address):
        return self.qc.get_full_shard_id_by_full_shard_key(address.full_shard_key)

    def transfer(self, frm, to, value, gas=21000, data=b""):
        """A signed transaction queued in frm's shard; to: an Address, or None to create a contract
        in frm's own chain and shard."""
        st = self.states[self.fsid_of(frm.address)]
        nonce = st.get_transaction_count(frm.address.recipient) + self.pending_nonce.get(frm.name, 0)
        self.pending_nonce[frm.name] = self.pending_nonce.get(frm.name, 0) + 1
        evm_tx = EvmTransaction(
            nonce=nonce, gasprice=GAS_PRICE, startgas=gas, to=b"" if to is None else to.recipient, value=value,
            data=data, from_full_shard_key=frm.address.full_shard_key,
            to_full_shard_key=frm.address.full_shard_key if to is None else to.full_shard_key,
            network_id=self.qc.NETWORK_ID, gas_token_id=self.qc.genesis_token,
            transfer_token_id=self.qc.genesis_token,
        )
        evm_tx.set_quark_chain_config(self.qc)
        evm_tx.sign(key=frm.identity.get_key())
        tx = TypedTransaction(SerializedEvmTransaction.from_evm_tx(evm_tx))
        if not st.add_tx(tx):
            raise RuntimeError("pyquarkchain refused a transaction of {}".format(frm.name))
        return tx

    def minor_block(self, fsid):
        """create_block_to_mine with the queued transactions, added locally; the xshard lists go
        to the other local shard as the slave's broadcast_xshard_tx_list does (empty ones too)."""
        st = self.states[fsid]
        block = st.create_block_to_mine(create_time=self.tick())
        queued = sum(n for name, n in self.pending_nonce.items() if self.fsid_of(Account(name, KEYS[name]).address) == fsid)
        if len(block.tx_list) != queued:
            raise RuntimeError("pyquarkchain put {} of {} queued transactions in block {}/{}".format(
                len(block.tx_list), queued, fsid, block.header.height))
        xshard_list, _ = st.add_block(block)
        self.pending_nonce = {}
        for other, ost in self.states.items():
            prev_root = ost.db.get_root_block_header_by_hash(block.header.hash_prev_root_block)
            # shard_state.py:add_root_block: no list is sent from a block whose root block is the
            # target's genesis root block (nor to a non-neighbour: with two shards, none)
            if other == fsid or prev_root is None or prev_root.height == self.qc.get_genesis_root_height(other):
                continue
            deps = [d for d in xshard_list if self.fsid_of(d.to_address) == other]
            ost.add_cross_shard_tx_list_by_minor_block_hash(block.header.get_hash(), CrossShardTransactionList(deps))
        return block

    def add_root_block(self, rblock):
        for st in self.states.values():
            st.add_root_block(rblock)
        self.pending_nonce = {}


async def ask(slave, op, req, timeout=10):
    """The raw answer bytes of one RPC sent on the master's connection to slave."""
    return await prm._raw_rpc(slave, op, req, timeout)


async def run(args, builder, master, stats):
    qc = builder.qc
    accts = {n: Account(n, k) for n, k in KEYS.items()}
    fs0, fs1 = sorted(qc.get_full_shard_ids())
    slaves_of = {fsid: list(master.branch_to_slaves[fsid]) for fsid in (fs0, fs1)}
    first = {fsid: s[0].id.decode() for fsid, s in slaves_of.items()}
    out("branch_to_slaves", **{str(k): [s.id.decode() for s in v] for k, v in slaves_of.items()})
    txs = []  # (what, tx hash, source branch, target branch or None, deposit applied)
    contracts, created = {}, []
    applied = True
    blocks = []

    async def send_minor(block):
        fsid = block.header.branch.get_full_shard_id()
        data = block.serialize()
        stats["minor_blocks"] += 1
        res = {}
        # the master's real path: ADD_MINOR_BLOCK to branch_to_slaves[branch][0]
        res[first[fsid]] = await master.add_raw_minor_block(block.header.branch, data)
        for slave in slaves_of[fsid][1:]:  # the replication master.py leaves as a TODO
            _, resp, _ = await slave.write_rpc_request(ClusterOp.ADD_MINOR_BLOCK_REQUEST, AddMinorBlockRequest(data))
            res[slave.id.decode()] = resp.error_code == 0
        for sid, ok in res.items():
            stats["accepted"].setdefault(sid, 0)
            stats["accepted"][sid] += 1 if ok else 0
        out("minor_block", shard=fsid, height=block.header.height, txs=len(block.tx_list),
            hash="0x" + block.header.get_hash().hex(), accepted=res)
        blocks.append(block)
        if not all(res.values()):
            stats["failures"].append("minor block {}/{} refused by {}".format(
                fsid, block.header.height, [k for k, v in res.items() if not v]))

    async def send_root(headers):
        rblock = master.root_state.create_block_to_mine(headers, create_time=builder.tick())
        stats["root_blocks"] += 1
        try:
            await master.add_root_block(rblock)  # broadcast to every slave; checks all error codes are 0
            ok = True
        except Exception as e:
            ok = False
            stats["failures"].append("root block {} refused: {}: {}".format(rblock.header.height, type(e).__name__, e))
        out("root_block", height=rblock.header.height, minor_headers=len(headers), accepted_by_all=ok)
        builder.add_root_block(rblock)

    def xfer(frm, to, tenths, data=b"", gas=None):
        """to: an account name, "new <label>" (create a contract from data), "<label>" of a contract"""
        if to.startswith("new "):
            to_addr = None
            xs = False
        else:
            to_addr = accts[to].address if to in accts else contracts[to]
            xs = builder.fsid_of(accts[frm].address) != builder.fsid_of(to_addr)
        what = "{}->{} {}".format(frm, to, "xshard" if xs else "in shard")
        gas = gas or (30000 if xs else 21000)
        tx = builder.transfer(accts[frm], to_addr, tenths * QKC // 10, gas=gas, data=data)
        src = builder.fsid_of(accts[frm].address)
        txs.append((what, tx.get_hash(), src, builder.fsid_of(to_addr) if xs else None, applied))
        if to_addr is None:
            created.append((to[4:], tx.get_hash(), src))

    async def round(fs0_txs, fs1_txs, confirm=True):
        """One block per shard with these transfers, then a root block confirming both (whose
        deposits the next round's blocks apply)."""
        nonlocal applied
        applied = confirm
        built = []
        for fsid, planned in ((fs0, fs0_txs), (fs1, fs1_txs)):
            for t in planned:
                xfer(*t)
            built.append(builder.minor_block(fsid))
        for label, h, src in created:  # the contract's address, from pyquarkchain's own receipt
            _, _, receipt = builder.states[src].get_transaction_receipt(h)
            contracts[label] = receipt.contract_address
        created.clear()
        for b in built:
            await send_minor(b)
        if not confirm:
            return
        headers = [b.header for b in built]
        if stats["root_blocks"] == 0:  # the first root block confirms the genesis minor blocks too
            headers = [builder.states[f].db.get_minor_block_by_height(0).header for f in (fs0, fs1)] + headers
        headers.sort(key=lambda h: (h.branch.get_full_shard_id(), h.height))
        await send_root(headers)

    # 1: in-shard only (pyquarkchain accepts a cross-shard transfer only once the root chain is past
    #    the target shard's genesis root height: shard_state.py:add_tx "not initialized yet")
    await round([("A0", "A1", 30)], [("B0", "B1", 30)])
    # 2: cross-shard transfers both directions, to funded and to unfunded accounts
    await round([("A0", "B1", 20), ("A0", "B0", 10), ("A1", "A0", 1)],
                [("B0", "A1", 20), ("B0", "A0", 10), ("B1", "B0", 1)])
    # 3: round 2's deposits apply (the root block confirmed their sources); two contracts from
    #    pyquarkchain's tests: one that logs Hi(msg.sender) in its constructor and in f(), one with
    #    storage (pos0 = 1234) and no payable fallback
    await round([("A0", "new event", 0, bytes.fromhex(EVENT_CONTRACT), 1000000),
                 ("A0", "new storage", 0, bytes.fromhex(STORAGE_CONTRACT), 1000000)], [])
    # 4: funded-by-deposit accounts send on, both ways; a call of f(); value sent cross-shard to both
    #    contracts (the storage one reverts)
    await round([("A1", "B0", 5), ("A0", "A1", 1), ("A1", "event", 0, sha3_256(b"f()")[:4], 100000)],
                [("B1", "A0", 5), ("B1", "B1", 1), ("B0", "event", 1, b"", 100000), ("B0", "storage", 1, b"", 100000)])
    # 5: round 4's deposits apply; a cross-shard call of f()
    await round([], [("B1", "event", 0, sha3_256(b"f()")[:4], 100000)])
    # 6: round 5's deposits apply; one more transfer each way, left unconfirmed (its deposits pending:
    #    GET_UNCONFIRMED_HEADERS, GET_ECO_INFO_LIST, receipts not found)
    await round([("A0", "B1", 1)], [("B0", "A1", 1)], confirm=False)
    return accts, txs, blocks, contracts


async def compare(args, builder, master, accts, txs, blocks, contracts, stats):
    slaves = sorted(master.slave_pool, key=lambda c: c.id)
    questions = []
    for name, a in sorted(accts.items()):
        questions.append(("GET_ACCOUNT_DATA {} tip".format(name), ClusterOp.GET_ACCOUNT_DATA_REQUEST,
                          GetAccountDataRequest(a.address)))
        for h in (1, 2, 3):
            questions.append(("GET_ACCOUNT_DATA {} height {}".format(name, h), ClusterOp.GET_ACCOUNT_DATA_REQUEST,
                              GetAccountDataRequest(a.address, h)))
    for what, h, src, dst, applied in txs:
        questions.append(("GET_TRANSACTION_RECEIPT {}".format(what), ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST,
                          GetTransactionReceiptRequest(h, Branch(src))))
        questions.append(("GET_TRANSACTION {}".format(what), ClusterOp.GET_TRANSACTION_REQUEST,
                          GetTransactionRequest(h, Branch(src))))
        if dst is not None:
            # a deposit not applied yet has no receipt: pyquarkchain answers error 1 (not found)
            questions.append(("GET_TRANSACTION_RECEIPT deposit of {}".format(what),
                              ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST, GetTransactionReceiptRequest(h, Branch(dst)),
                              0 if applied else 1))
    for b in blocks:
        for extra in (False, True):
            questions.append(("GET_MINOR_BLOCK {}/{} extra={}".format(b.header.branch.get_full_shard_id(), b.header.height, extra),
                              ClusterOp.GET_MINOR_BLOCK_REQUEST,
                              GetMinorBlockRequest(b.header.branch, minor_block_hash=b.header.get_hash(), need_extra_info=extra)))
    for label, addr in sorted(contracts.items()):
        questions.append(("GET_ACCOUNT_DATA contract " + label, ClusterOp.GET_ACCOUNT_DATA_REQUEST, GetAccountDataRequest(addr)))
        questions.append(("GET_CODE contract " + label, ClusterOp.GET_CODE_REQUEST, GetCodeRequest(addr)))
        for key in (0, 1):
            questions.append(("GET_STORAGE contract {} slot {}".format(label, key), ClusterOp.GET_STORAGE_REQUEST,
                              GetStorageRequest(addr, key)))
    for fsid in sorted(builder.states):
        coinbase = Address.create_from(bytes.fromhex(builder.qc.shards[fsid].COINBASE_ADDRESS))
        questions.append(("GET_ACCOUNT_DATA coinbase of shard {} (fees and rewards)".format(fsid),
                          ClusterOp.GET_ACCOUNT_DATA_REQUEST, GetAccountDataRequest(coinbase)))
        questions.append(("GAS_PRICE shard {}".format(fsid), ClusterOp.GAS_PRICE_REQUEST,
                          GasPriceRequest(Branch(fsid), builder.qc.genesis_token)))
    # questions without an answer: both must refuse them alike (want_code "error": any non-zero code)
    a0, bt = accts["A0"], txs[0]
    questions.append(("GET_MINOR_BLOCK beyond the tip", ClusterOp.GET_MINOR_BLOCK_REQUEST,
                      GetMinorBlockRequest(Branch(bt[2]), height=99), "error"))
    questions.append(("GET_MINOR_BLOCK unknown hash", ClusterOp.GET_MINOR_BLOCK_REQUEST,
                      GetMinorBlockRequest(Branch(bt[2]), minor_block_hash=b"\x01" * 32), "error"))
    other = [f for f in builder.states if f != bt[2]][0]
    questions.append(("GET_TRANSACTION_RECEIPT on the wrong shard", ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST,
                      GetTransactionReceiptRequest(bt[1], Branch(other)), "error"))
    questions.append(("GET_TRANSACTION unknown hash", ClusterOp.GET_TRANSACTION_REQUEST,
                      GetTransactionRequest(b"\x02" * 32, Branch(bt[2])), "error"))
    questions.append(("GET_ACCOUNT_DATA A0 beyond the tip", ClusterOp.GET_ACCOUNT_DATA_REQUEST,
                      GetAccountDataRequest(a0.address, 99), None))
    questions.append(("GET_UNCONFIRMED_HEADERS", ClusterOp.GET_UNCONFIRMED_HEADERS_REQUEST, GetUnconfirmedHeadersRequest()))
    questions.append(("GET_ECO_INFO_LIST", ClusterOp.GET_ECO_INFO_LIST_REQUEST, GetEcoInfoListRequest()))
    for q in questions:
        key, op, req = q[:3]
        want_code = q[3] if len(q) > 3 else 0
        answers = {s.id.decode(): await ask(s, op, req) for s in slaves}
        stats["compared"] += 1
        vals = list(answers.values())
        problems = []
        if any("error" in a for a in vals):
            problems.append("no answer: " + json.dumps(answers))
        elif len({a["payload"] for a in vals}) != 1 or len({a["op"] for a in vals}) != 1:
            problems.append("answers differ: " + describe_difference(op, answers))
        else:  # every answer here starts with a uint32 error_code
            code = int(vals[0]["payload"][2:10], 16)
            if want_code == "error" and code == 0 or want_code not in ("error", None) and code != want_code:
                problems.append("both answer error_code {}, expected {}".format(code, want_code))
        if want_code != 0 and not problems:
            out("answer", key=key, error_code=int(vals[0]["payload"][2:10], 16), bytes=len(vals[0]["payload"]) // 2 - 1)
        if not problems and op == ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST and want_code == 0:
            from quarkchain.cluster.rpc import GetTransactionReceiptResponse
            r = GetTransactionReceiptResponse.deserialize(bytes.fromhex(vals[0]["payload"][2:])).receipt
            out("receipt", key=key, success=r.success.hex(), gas_used=r.gas_used, logs=len(r.logs),
                contract="0x" + r.contract_address.serialize().hex())
        if problems:
            stats["failures"].append("{}: {}".format(key, "; ".join(problems)))
            out("answer", key=key, identical=False, problems=problems)
        else:
            stats["identical"] += 1
    check_balances(builder, master, accts, stats)


def describe_difference(op, answers):
    """Field by field with pyquarkchain's own deserializer of the response."""
    from quarkchain.cluster.rpc import CLUSTER_OP_SERIALIZER_MAP
    from qkc_harness_common import to_jsonable
    views = {}
    for sid, a in answers.items():
        try:
            views[sid] = to_jsonable(CLUSTER_OP_SERIALIZER_MAP[a["op"]].deserialize(bytes.fromhex(a["payload"][2:])))
        except Exception as e:
            views[sid] = "undecodable ({}): {}".format(e, a["payload"][:200])
    diffs = []

    def walk(path, x, y):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                walk(path + "." + k, x.get(k), y.get(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y)):
                walk("{}[{}]".format(path, i), p, q)
        elif x != y:
            diffs.append("{}: {} vs {}".format(path, json.dumps(x, default=str)[:160], json.dumps(y, default=str)[:160]))

    ids = sorted(views)
    walk("", views[ids[0]], views[ids[1]])
    return "{} vs {}: {}".format(ids[0], ids[1], "; ".join(diffs[:8]) or "same fields, different bytes")


def check_balances(builder, master, accts, stats):
    """The answers are not only equal to each other but right: the balances pyquarkchain's
    in-process ShardStates computed, deposits included (a non-zero balance for A1 and B1,
    funded only by transfers)."""
    for name, a in sorted(accts.items()):
        st = builder.states[builder.fsid_of(a.address)]
        want = st.get_balances(a.address.recipient).get(builder.qc.genesis_token, 0)
        if name in ("A1", "B1") and want == 0:
            stats["failures"].append("builder: {} got nothing".format(name))
        stats["expected_balances"][name] = want


async def check_answers_match_builder(builder, master, accts, stats):
    from quarkchain.cluster.rpc import GetAccountDataResponse
    for slave in sorted(master.slave_pool, key=lambda c: c.id):
        for name, a in sorted(accts.items()):
            ans = await ask(slave, ClusterOp.GET_ACCOUNT_DATA_REQUEST, GetAccountDataRequest(a.address))
            if "error" in ans:
                continue  # reported by compare()
            resp = GetAccountDataResponse.deserialize(bytes.fromhex(ans["payload"][2:]))
            got = None
            for abd in resp.account_branch_data_list:
                if abd.branch.get_full_shard_id() == builder.fsid_of(a.address):
                    got = abd.token_balances.balance_map.get(builder.qc.genesis_token, 0)
            if got != stats["expected_balances"][name]:
                stats["failures"].append("{} balance of {}: {} but pyquarkchain's ShardState has {}".format(
                    slave.id.decode(), name, got, stats["expected_balances"][name]))


def check_header_reports(blocks, stats):
    """Each slave tells the master of every block it adds (ADD_MINOR_BLOCK_HEADER_REQUEST: header,
    tx counts, coinbase amounts, shard stats; slave.py:send_minor_block_header_to_master); the master
    keeps the coinbase amounts for its root blocks. Both slaves' reports of a block must be the
    same bytes (py_real_master's instrument() keeps the raw payloads)."""
    from quarkchain.cluster.rpc import AddMinorBlockHeaderRequest
    by_block = {}
    for sid, payload in prm.RAW_HEADER_REQS:
        h = AddMinorBlockHeaderRequest.deserialize(payload).minor_block_header.get_hash()
        by_block.setdefault(h, {}).setdefault(sid, set()).add(payload)
    same = 0
    for b in blocks:
        reports = by_block.get(b.header.get_hash(), {})
        payloads = set().union(*reports.values()) if reports else set()
        if len(reports) != 2 or len(payloads) != 1:
            why = "reported by {}".format(sorted(reports)) if len(reports) != 2 else "reports differ: " + \
                describe_difference(ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST, {
                    sid: {"op": ClusterOp.ADD_MINOR_BLOCK_HEADER_REQUEST, "payload": "0x" + sorted(p)[0].hex()}
                    for sid, p in reports.items()})
            stats["failures"].append("ADD_MINOR_BLOCK_HEADER_REQUEST of block {}/{}: {}".format(
                b.header.branch.get_full_shard_id(), b.header.height, why))
        else:
            same += 1
    stats["header_reports_same"] = same


def check_mesh(qkc_log, stats):
    """The cross-shard lists that crossed the slave mesh, from qkc-slave's --trace-frames log: each
    side sends its own list of every block to the other (both serve the target shard), so there
    must be lists both ways, all answered error_code 0, and for each block the list qkc-slave built
    must equal the one pyquarkchain's slave built (decoded by qkc-slave's codec)."""
    sent, received, answers = {}, {}, {}
    with open(qkc_log, errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            fr = rec.get("frame") if isinstance(rec, dict) else None
            if not isinstance(fr, dict) or fr.get("link") != "slave":
                continue
            if fr.get("op_name") == "ADD_XSHARD_TX_LIST_REQUEST":
                p = fr.get("payload") or {}
                key = (json.dumps(p.get("branch")), p.get("minor_block_hash"))
                (sent if rec.get("dir") == "out" else received)[key] = json.dumps(p, sort_keys=True)
            elif fr.get("op_name") in ("ADD_XSHARD_TX_LIST_RESPONSE", "BATCH_ADD_XSHARD_TX_LIST_RESPONSE"):
                code = (fr.get("payload") or {}).get("error_code")
                answers[code] = answers.get(code, 0) + 1
            elif fr.get("op_name") == "BATCH_ADD_XSHARD_TX_LIST_REQUEST":
                stats["failures"].append("unexpected BATCH_ADD_XSHARD_TX_LIST on the mesh (no sync here)")
    stats["mesh"] = {"qkc_to_py": len(sent), "py_to_qkc": len(received), "answers": answers}
    if not sent or not received:
        stats["failures"].append("xshard lists over the mesh: qkc->py {}, py->qkc {} (need both ways)".format(
            len(sent), len(received)))
    if set(answers) - {0}:
        stats["failures"].append("xshard list answers with errors: {}".format(answers))
    for key in sorted(set(sent) | set(received)):
        if sent.get(key) != received.get(key):
            stats["failures"].append("xshard list for block {} branch {}: qkc-slave's and pyquarkchain's differ "
                                     "(or only one side sent it)".format(key[1], key[0]))
    stats["mesh"]["same_lists"] = sum(1 for k in sent if sent[k] == received.get(k))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qkc-cmd", required=True, help="command starting qkc-slave (gets --cluster_config F --node_id ID --host 127.0.0.1)")
    ap.add_argument("--cwd", default=os.getcwd(), help="directory to start qkc-slave in")
    ap.add_argument("--dir", default="/tmp/qkc-mixed", help="config and logs")
    ap.add_argument("--base-port", type=int, default=38470)
    ap.add_argument("--first", choices=("qkc", "py"), default="qkc",
                    help="whose SLAVE_LIST entry comes first, i.e. which slave the master's own add_raw_minor_block reaches")
    ap.add_argument("--layout", choices=sorted(LAYOUTS), default="2x1",
                    help="2x1: two chains of one shard (1, 65537); 1x2: one chain of two shards (2, 3)")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    order = ["qkc", "py"] if args.first == "qkc" else ["py", "qkc"]
    ids = {kind: "S{}".format(i) for i, kind in enumerate(order)}
    chains, shards = set_layout(args.layout)
    both = [(c << 16) | shards | i for c in range(chains) for i in range(shards)]
    slaves = [(ids[k], "127.0.0.1", args.base_port + i, both) for i, k in enumerate(order)]
    cfg = os.path.join(args.dir, "cluster_config.json")
    d = write_config(cfg, slaves, chains, shards)
    out("config_written", file=cfg, slaves={k: ids[k] for k in order}, full_shard_ids=both)

    procs = []

    def stop_all():
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    for kind in order:
        log = os.path.join(args.dir, "{}-{}.out".format(kind, ids[kind]))
        if kind == "qkc":
            qkc_log = log
        if kind == "py":
            cmd = [sys.executable, os.path.join(HARNESS_DIR, "py_real_slave.py"), "--id", ids[kind],
                   "--config-json", cfg, "--max-seconds", str(args.timeout * 5)]
            ready = "real_slave_listening"
        else:
            # --trace-frames: the sibling link's frames are how check_mesh sees the xshard lists
            cmd = shlex.split(args.qkc_cmd) + ["--cluster_config", cfg, "--node_id", ids[kind], "--host", "127.0.0.1",
                                               "--trace-frames", "--no-pretty"]
            ready = "slave listening"
        with open(log, "w") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=args.cwd, start_new_session=True)
        procs.append(p)
        if not wait_line(log, ready, args.timeout, p):
            out("fail", reason="{} slave did not start (see {})".format(kind, log))
            stop_all()
            print("mixed-cluster: FAIL ({} slave did not start, see {})".format(kind, log))
            sys.stdout.flush()
            os._exit(2)
    time.sleep(0.5)  # pyquarkchain binds its socket a moment after its ready line

    env = make_env(chains, shards, slaves, None, quarkchain=d["QUARKCHAIN"])
    env.cluster_config.MASTER.MASTER_TO_SLAVE_CONNECT_RETRY_DELAY = 0.2
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    instrument_raw_only()
    master = qm.MasterServer(env, RootState(env), name="mixed_master")
    master.start()
    stats = {"minor_blocks": 0, "root_blocks": 0, "accepted": {}, "compared": 0, "identical": 0,
             "failures": [], "expected_balances": {}}
    rc = 0
    try:
        loop.run_until_complete(asyncio.wait_for(asyncio.shield(master.cluster_active_future), args.timeout))
        out("cluster_active", slaves={k: ids[k] for k in order})
        builder = Builder(d["QUARKCHAIN"])
        accts, txs, blocks, contracts = loop.run_until_complete(asyncio.wait_for(run(args, builder, master, stats), args.timeout * 3))
        stats["blocks"] = blocks
        loop.run_until_complete(asyncio.wait_for(compare(args, builder, master, accts, txs, blocks, contracts, stats), args.timeout * 3))
        loop.run_until_complete(check_answers_match_builder(builder, master, accts, stats))
    except asyncio.TimeoutError:
        stats["failures"].append("timeout (cluster not active or a request unanswered)")
        rc = 2
    except Exception as e:
        import traceback
        traceback.print_exc()
        stats["failures"].append("{}: {}".format(type(e).__name__, e))
    for s in list(master.slave_pool):
        s.writer.close()
    loop.run_until_complete(asyncio.sleep(0.2))
    stop_all()

    if os.path.exists(qkc_log) and not stats["failures"]:
        check_mesh(qkc_log, stats)
    if stats.get("blocks"):
        check_header_reports(stats["blocks"], stats)

    kinds = {ids[k]: k for k in order}
    print("mixed-cluster: pyquarkchain master + {} slaves ({}), both serving full shard ids {}".format(
        len(order), ", ".join("{}={}".format(ids[k], k) for k in order), " and ".join(map(str, both))))
    print("  blocks sent: {} minor (to each slave) + {} root (broadcast by the master)".format(
        stats["minor_blocks"], stats["root_blocks"]))
    for sid in sorted(stats["accepted"]):
        print("  accepted by {} ({}): {}/{} minor blocks".format(sid, kinds.get(sid, "?"), stats["accepted"][sid], stats["minor_blocks"]))
    if "mesh" in stats:
        m = stats["mesh"]
        print("  xshard lists over the slave mesh: qkc->py {}, py->qkc {}, answers {}, same list from both: {}".format(
            m["qkc_to_py"], m["py_to_qkc"], m["answers"], m["same_lists"]))
    if "header_reports_same" in stats:
        print("  ADD_MINOR_BLOCK_HEADER_REQUEST to the master: {} of {} blocks reported by both in the same bytes".format(
            stats["header_reports_same"], len(stats["blocks"])))
    print("  answers compared: {}, identical (with the expected error_code): {}".format(stats["compared"], stats["identical"]))
    print("  balances (QKC wei) as pyquarkchain's ShardState computed them: " +
          ", ".join("{}={}".format(k, v) for k, v in sorted(stats["expected_balances"].items())))
    for f in stats["failures"]:
        print("  FAIL: " + f)
    ok = rc == 0 and not stats["failures"] and stats["compared"] > 0 and stats["identical"] == stats["compared"]
    print("mixed-cluster: " + ("PASS" if ok else "FAIL"))
    sys.stdout.flush()
    os._exit(0 if ok else (rc or 1))


def instrument_raw_only():
    """py_real_master's instrument() without its per-RPC log lines: keep only the raw answer bytes."""
    prm.out = lambda *a, **k: None  # its wrappers look `out` up in their module at call time
    prm.instrument()


if __name__ == "__main__":
    main()
