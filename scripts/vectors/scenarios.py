"""The scenarios: seeded random traffic over several shards and chains, a long chain with
blocks near the gas limit, and a root-chain fork that resets a shard's tip. Each function
takes a Session-maker and returns (description, Session) after playing everything."""
import random

from quarkchain.core import Address

from chain import Account, cluster_config, key_of
from contracts import CREATIONS, pyquarkchain_creations
from quarkchain.utils import token_id_encode

QKC = token_id_encode("QKC")
QETH = token_id_encode("QETH")
GWEI = 10**9


def fund(accounts, fsids, qkc=10**24, qeth=10**22):
    alloc = {}
    for fsid in fsids:
        alloc[fsid] = {}
        for a in accounts:
            balances = {"QKC": qkc}
            if qeth:
                balances["QETH"] = qeth
            alloc[fsid][a.addr(key_of(fsid)).serialize().hex()] = balances
    return alloc


def word(n):
    return n.to_bytes(32, "big")


class Traffic:
    """Random transactions of a seed: transfers, creates, calls, cross-shard transfers and
    creates, a second token. Remembers what it sent so the queries can ask about it."""

    def __init__(self, s, rng, accounts):
        self.s = s
        self.ch = s.chain
        self.rng = rng
        self.accounts = accounts
        self.contracts = {fsid: [] for fsid in s.fsids}  # (name, Address)
        self.pending_creates = []  # (tx, fsid, name)
        self.sent = []  # (tx, fsid, kind)
        self.strangers = []
        self.sol = pyquarkchain_creations()

    def gas_price(self):
        return self.rng.choice([0, 1, GWEI, 2 * GWEI, 3 * GWEI + 7, 10 * GWEI])

    def other_shard(self, fsid):
        return self.rng.choice([f for f in self.s.fsids if f != fsid])

    def one(self, fsid, xshard_ok):
        r, ch = self.rng, self.ch
        a = r.choice(self.accounts)
        k = key_of(fsid)
        kinds = ["transfer"] * 5 + ["data", "self", "stranger", "token", "create"] + ["call"] * 5
        if xshard_ok:
            kinds += ["xshard"] * 3 + ["xshard_token", "xshard_create", "xshard_call"]
        kind = r.choice(kinds)
        if kind in ("call", "xshard_call") and not any(self.contracts.values()):
            kind = "create"
        if kind == "transfer":
            b = r.choice(self.accounts)
            tx = ch.tx(a, k, b.addr(k), value=r.randrange(0, 10**20), gas=r.choice([21000, 21000, 30000, 60000]),
                       gas_price=self.gas_price())
        elif kind == "data":
            b = r.choice(self.accounts)
            tx = ch.tx(a, k, b.addr(k), value=r.randrange(1, 10**18), gas=60000, gas_price=self.gas_price(),
                       data=bytes(r.randrange(256) for _ in range(r.randrange(1, 80))))
        elif kind == "self":
            tx = ch.tx(a, k, a.addr(k), value=r.randrange(0, 10**19), gas=21000, gas_price=self.gas_price())
        elif kind == "stranger":
            new = Account("stranger {}".format(len(self.strangers)))
            self.strangers.append(new)
            # sometimes under another full_shard_key of the same shard (the high bits differ)
            shard_size = self.ch.qc.get_shard_size_by_chain_id(k >> 16)
            to_key = k if r.random() < 0.5 else k + shard_size * r.randrange(1, 100)
            tx = ch.tx(a, k, new.addr(to_key), value=r.randrange(1, 10**20), gas=21000, gas_price=self.gas_price())
        elif kind == "token":
            b = r.choice(self.accounts + self.strangers)
            tx = ch.tx(a, k, b.addr(k), value=r.randrange(0, 10**19), gas=21000, gas_price=self.gas_price(),
                       transfer_token=QETH)
        elif kind == "create":
            name = r.choice(sorted(CREATIONS) + sorted(self.sol))
            code = CREATIONS[name] if name in CREATIONS else self.sol[name][0]
            gas = r.choice([300000, 600000]) if name != "loop" else 200000
            tx = ch.tx(a, k, None, value=0, gas=gas, gas_price=self.gas_price(), data=code)
            self.pending_creates.append((tx, fsid, name))
        elif kind == "call":
            name, addr = self.pick_contract(fsid)
            if addr is None:
                return self.one(fsid, False)
            tx = ch.tx(a, k, addr, **self.call_args(name))
        elif kind == "xshard":
            o = self.other_shard(fsid)
            b = r.choice(self.accounts + self.strangers)
            tx = ch.tx(a, k, b.addr(key_of(o)), value=r.randrange(0, 10**20), gas=r.choice([30000, 50000]),
                       gas_price=self.gas_price())
        elif kind == "xshard_token":
            o = self.other_shard(fsid)
            b = r.choice(self.accounts)
            tx = ch.tx(a, k, b.addr(key_of(o)), value=r.randrange(1, 10**19), gas=30000,
                       gas_price=self.gas_price(), transfer_token=QETH)
        elif kind == "xshard_create":
            o = self.other_shard(fsid)
            name = r.choice(["store_log", "factory", "env", "sol_storage2"])
            code = CREATIONS[name] if name in CREATIONS else self.sol[name][0]
            tx = ch.tx(a, k, None, to_key=key_of(o), value=0, gas=400000, gas_price=self.gas_price(), data=code)
            self.pending_creates.append((tx, o, name))
        else:  # xshard_call: a contract of another shard, called from here
            o = self.other_shard(fsid)
            name, addr = self.pick_contract(o)
            if addr is None:
                return self.one(fsid, False)
            args = self.call_args(name)
            args["gas"] = max(args["gas"], 100000)
            tx = ch.tx(a, k, addr, **args)
        self.sent.append((tx, fsid, kind))
        return tx

    def pick_contract(self, fsid):
        if not self.contracts[fsid]:
            return None, None
        return self.rng.choice(self.contracts[fsid])

    def call_args(self, name):
        r = self.rng
        gp = self.gas_price()
        if name == "store_log":
            shape = r.choice(["kv", "kv", "kv", "empty", "long"])
            data = {"kv": word(r.randrange(8)) + word(r.randrange(1, 2**64)), "empty": b"",
                    "long": bytes(96)}[shape]
            return dict(data=data, gas=r.choice([60000, 100000]), gas_price=gp, value=r.choice([0, 0, 12345]))
        if name == "factory":
            data = b"" if r.random() < 0.4 else word(r.randrange(4))
            return dict(data=data, gas=300000, gas_price=gp, value=0)
        if name == "loop":
            return dict(data=b"", gas=r.choice([50000, 100000]), gas_price=gp, value=0)
        if name in self.sol:
            return dict(data=self.sol[name][1], gas=100000, gas_price=gp, value=0)
        return dict(data=b"", gas=60000, gas_price=gp, value=r.choice([0, 10**15]))

    def learn(self):
        """Contracts whose creation succeeded (source receipts, or deposits applied later)."""
        still = []
        for tx, fsid, name in self.pending_creates:
            found = self.ch.shards[fsid].get_transaction_receipt(tx.get_hash())
            if found is None:
                still.append((tx, fsid, name))
                continue
            receipt = found[2]
            if receipt.success == b"\x01" and receipt.contract_address.recipient != bytes(20):
                self.contracts[fsid].append((name, receipt.contract_address))
        self.pending_creates = still


def block_queries(s, block, fsid, traffic, rng, receipts=3):
    # a receipt answer carries the whole block: a sample of each block's transactions
    txs = list(block.tx_list)
    for tx in rng.sample(txs, min(receipts, len(txs))):
        s.receipt(tx, fsid)
    a = rng.choice(traffic.accounts + traffic.strangers)
    s.account(a.addr(key_of(rng.choice(s.fsids))))


def mixed(interop_dir, seed, chain_size, shard_size, rounds, per_block, name):
    rng = random.Random(seed)
    accounts = [Account("{} account {}".format(name, i)) for i in range(6)]
    from session import Session

    fsids = [(c << 16) | shard_size | s for c in range(chain_size) for s in range(shard_size)]
    cfg = cluster_config(chain_size, shard_size, fund(accounts, fsids))
    s = Session(cfg, interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    blocks = {f: [] for f in s.fsids}
    for rnd in range(rounds):
        xshard_ok = s.chain.root.tip.height >= 1
        for fsid in s.fsids:
            txs = [t.one(fsid, xshard_ok) for _ in range(rng.randrange(0, per_block + 1))]
            b = s.minor(fsid, txs)
            blocks[fsid].append(b)
            t.learn()
            block_queries(s, b, fsid, t, rng)
        if rnd % 2 == 1 or rnd == 0:
            s.root()
            t.learn()
    s.root()
    # one more block per shard so the last deposits are applied
    for fsid in s.fsids:
        b = s.minor(fsid, [])
        blocks[fsid].append(b)
        block_queries(s, b, fsid, t, rng)
    t.learn()
    final_queries(s, t, blocks, rng)
    return s


def final_queries(s, t, blocks, rng):
    ch = s.chain
    for fsid in s.fsids:
        tip = blocks[fsid][-1].header.height
        s.block_by_height(fsid, 0)
        s.block_by_height(fsid, tip)
        s.block_by_height(fsid, tip + 1)
        s.block_by_hash(fsid, blocks[fsid][len(blocks[fsid]) // 2].header.get_hash(), extra=False)
        s.gas_price(fsid, QKC)
        s.gas_price(fsid, QETH)
        s.total_balance(fsid, QKC, blocks[fsid][-1].header.get_hash())
        s.total_balance(fsid, QETH, blocks[fsid][len(blocks[fsid]) // 2].header.get_hash(), limit=3)
    for a in t.accounts[:3] + t.strangers[:3]:
        for height in (None, 1, 3):
            s.account(a.addr(key_of(rng.choice(s.fsids))), height)
    for tx, fsid, kind in rng.sample(t.sent, min(12, len(t.sent))):
        s.transaction(tx, fsid)
    # deposits are found on the target shard under the source transaction's hash
    for tx, fsid, kind in [x for x in t.sent if x[2].startswith("xshard")][:10]:
        for other in s.fsids:
            if other != fsid:
                s.receipt(tx, other, "GET_TRANSACTION_RECEIPT of {} deposit on shard {}".format(tx.get_hash().hex()[:12], other))
                break
    for fsid in s.fsids:
        tip = blocks[fsid][-1].header.height
        caller = t.accounts[0]
        for name, addr in t.contracts[fsid]:
            s.code(addr)
            s.code(addr, 1)
            for key in (0, 1, 2, 0xFF, int.from_bytes(addr.recipient, "big")):
                s.storage(addr, key)
            s.storage(addr, 0xFF, max(tip - 3, 0))
            s.logs(fsid, [addr], [], 0, tip)
            args = t.call_args(name)
            call = ch.tx(caller, key_of(fsid), addr, value=0, gas=args["gas"], gas_price=0, data=args["data"],
                         nonce=ch.shards[fsid].get_transaction_count(caller.recipient), sign=False)
            s.execute(call, caller.addr(key_of(fsid)), None, name)
            s.execute(call, caller.addr(key_of(fsid)), max(tip - 2, 0), name)
            s.estimate(call, caller.addr(key_of(fsid)), name)
        s.logs(fsid, [], [], 0, tip)
        s.logs(fsid, [], [[bytes(31) + bytes([1])]], 0, tip)
        s.check_block(blocks[fsid][-1].header)
    s.unconfirmed()


SCENARIOS = {}


def scenario(name, description):
    def wrap(fn):
        SCENARIOS[name] = (fn, description)
        return fn

    return wrap


@scenario(
    "mixed-2x2",
    "Seeded random traffic on two chains of two shards (full shard ids 2, 3, 0x10002, 0x10003): QKC and QETH "
    "transfers among 6 accounts with gas prices 0..10 gwei and several start gas values, data to EOAs, self "
    "transfers, new accounts (some under another full_shard_key of the same shard), contract creations (storage "
    "and logs, a CREATE/CREATE2 factory, SELFDESTRUCT, an endless loop, an environment reader, pyquarkchain's "
    "Solidity test contracts) and calls that succeed, revert and hit INVALID; cross-shard and cross-chain transfers, "
    "token transfers, creations and contract calls both ways; receipts of every transaction and deposit, account "
    "data, blocks, storage, code, logs, EXECUTE_TRANSACTION, ESTIMATE_GAS, gas prices, total balances.",
)
def mixed_2x2(interop_dir, seed=1):
    return mixed(interop_dir, seed, 2, 2, rounds=8, per_block=7, name="mixed-2x2")


@scenario(
    "mixed-1x2",
    "The same seeded random traffic on one chain of two shards (full shard ids 2 and 3), more rounds, denser blocks.",
)
def mixed_1x2(interop_dir, seed=2):
    return mixed(interop_dir, seed, 1, 2, rounds=14, per_block=10, name="mixed-1x2")
