"""The scenarios: seeded random traffic over several shards and chains, a long chain with
blocks near the gas limit, and a root-chain fork that resets a shard's tip. Each function
takes a Session-maker and returns (description, Session) after playing everything."""
import random

from quarkchain.core import Address

from chain import Account, cluster_config, key_of
from contracts import CREATIONS, STORE_LOG, pyquarkchain_creations
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
        # the rules of the time (scenario "forks"): who may send, whether contracts run, EIP155 transactions
        self.senders = None
        self.evm = True
        self.eip155 = False
        self.big = False  # transfers of most of a balance (scenario "posw": stakes locked by mining)

    def gas_price(self):
        return self.rng.choice([0, 1, GWEI, 2 * GWEI, 3 * GWEI + 7, 10 * GWEI])

    def other_shard(self, fsid):
        # a target must have started before the root tip (shards may start late: "late-shards")
        tip = self.ch.root.tip.height
        live = [f for f in self.ch.shards if f != fsid and self.ch.qc.get_genesis_root_height(f) < tip]
        return self.rng.choice(live) if live else None

    def one(self, fsid, xshard_ok):
        r, ch = self.rng, self.ch
        a = r.choice(self.senders or self.accounts)
        k = key_of(fsid)
        if self.evm:
            kinds = ["transfer"] * 5 + ["data", "self", "stranger", "token", "create"] + ["call"] * 5
            if xshard_ok:
                kinds += ["xshard"] * 3 + ["xshard_token", "xshard_create", "xshard_call"]
        else:
            kinds = ["transfer"] * 3 + ["self", "stranger", "token"] + (["xshard", "xshard_token"] if xshard_ok else [])
        if self.eip155 and k == 0:
            kinds += ["eip155"] * 3
        if self.big:
            kinds += ["big"] * 4
        kind = r.choice(kinds)
        if kind in ("call", "xshard_call") and not any(self.contracts.values()):
            kind = "create"
        if kind.startswith("xshard") and self.other_shard(fsid) is None:
            kind = "transfer"
        if kind == "transfer":
            b = r.choice(self.accounts)
            tx = ch.tx(a, k, b.addr(k), value=r.randrange(0, 10**20), gas=r.choice([21000, 21000, 30000, 60000]),
                       gas_price=self.gas_price())
        elif kind == "data":
            b = r.choice(self.accounts)
            tx = ch.tx(a, k, b.addr(k), value=r.randrange(1, 10**18), gas=60000, gas_price=self.gas_price(),
                       data=bytes(r.randrange(256) for _ in range(r.randrange(1, 80))))
        elif kind == "eip155":
            # version 2: signed for the chain's ETH_CHAIN_ID, shard key 0 both ways, QKC only
            b = r.choice(self.accounts)
            tx = ch.tx(a, 0, b.addr(0), value=r.randrange(0, 10**18), gas=21000, gas_price=self.gas_price(),
                       version=2, network_id=ch.qc.CHAINS[0].ETH_CHAIN_ID)
        elif kind == "big":
            b = r.choice(self.accounts)
            # most of what one block may spend: several big ones of a sender still fit its balance
            balance = ch.shards[fsid].get_token_balance(a.recipient, QKC)
            tx = ch.tx(a, k, b.addr(k), value=min(r.randrange(1, 9) * 10**24, balance // 8), gas=21000,
                       gas_price=self.gas_price())
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
            value = r.choice([0, 0, r.randrange(1, 2**64)])  # 0 clears a slot: a refund
            data = {"kv": word(r.randrange(8)) + word(value), "empty": b"",
                    "long": bytes(96)}[shape]
            return dict(data=data, gas=r.choice([60000, 100000]), gas_price=gp, value=r.choice([0, 0, 12345]))
        if name == "factory":
            data = b"" if r.random() < 0.4 else word(r.randrange(4))
            return dict(data=data, gas=300000, gas_price=gp, value=0)
        if name == "forwarder":
            targets = [a.recipient for a in self.accounts + self.strangers]
            targets += [c.recipient for cs in self.contracts.values() for _, c in cs]
            target = int.from_bytes(r.choice(targets), "big")
            return dict(data=word(target) + word(r.choice([0, 0, 1])), gas=r.choice([60000, 120000]), gas_price=gp,
                        value=r.choice([0, 10**16, 3]))
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


def block_queries(s, block, fsid, traffic, rng, receipts=2):
    # a receipt answer carries the whole block: a sample of each block's transactions
    kinds = {tx.get_hash(): kind for tx, _, kind in traffic.sent}
    txs = list(block.tx_list)
    # calls, creations and cross-shard transactions first: plain transfers tell less
    rich = [tx for tx in txs if kinds.get(tx.get_hash(), "transfer") not in ("transfer", "self", "token")]
    plain = [tx for tx in txs if tx not in rich]
    picked = rng.sample(rich, min(receipts, len(rich)))
    picked += rng.sample(plain, min(receipts - len(picked), len(plain)))
    for tx in picked:
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
            # the coinbase is sometimes a sender of the block (fees paid to itself)
            b = s.minor(fsid, txs, miner=rng.choice(accounts + [None]))
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
    for fsid in sorted(blocks):
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
        target = ch.qc.get_full_shard_id_by_full_shard_key(tx.tx.to_evm_tx().to_full_shard_key)
        s.receipt(tx, target, "GET_TRANSACTION_RECEIPT of {} deposit on shard {}".format(tx.get_hash().hex()[:12], target))
    for fsid in sorted(blocks):
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


@scenario(
    "long-chain",
    "One chain of two shards (full shard ids 2 and 3), 56 blocks on shard 2 and root blocks every few blocks: "
    "steady random traffic, a block of 285 transfers (5,985,000 gas of the 6,000,000 left when no deposits are "
    "applied), a block of endless-loop calls that burn the rest of the limit, 150 cross-shard transfers from "
    "shard 3 applied as deposits on shard 2; account data and blocks at many heights.",
)
def long_chain(interop_dir, seed=3):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("long account {}".format(i)) for i in range(5)]
    s = Session(cluster_config(1, 2, fund(accounts, [2, 3])), interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    ch = s.chain
    blocks = {2: [], 3: []}

    def block(fsid, txs, receipts=2):
        b = s.minor(fsid, txs)
        blocks[fsid].append(b)
        t.learn()
        block_queries(s, b, fsid, t, rng, receipts=receipts)
        return b

    loop_addr = None
    for i in range(56):
        xshard_ok = ch.root.tip.height >= 1
        if i == 20:
            # 285 plain transfers: 5,985,000 gas, the whole in-shard limit but 15,000
            a = accounts[0]
            txs = [ch.tx(a, key_of(2), accounts[1 + j % 4].addr(key_of(2)), value=j + 1, gas=21000, gas_price=GWEI)
                   for j in range(285)]
            b = block(2, txs, receipts=0)  # a receipt answer carries the whole block: one is enough
            s.receipt(b.tx_list[-1], 2, "GET_TRANSACTION_RECEIPT of the 285th transfer")
        elif i == 10:
            tx = ch.tx(accounts[2], key_of(2), None, gas=200000, gas_price=1, data=CREATIONS["loop"])
            block(2, [tx])
            loop_addr = ch.shards[2].get_transaction_receipt(tx.get_hash())[2].contract_address
        elif i == 30:
            # five endless loops of 1,190,000 gas each: 5,950,000 gas, all burnt
            txs = [ch.tx(accounts[3], key_of(2), loop_addr, gas=1190000, gas_price=2) for _ in range(5)]
            block(2, txs)
        elif i == 40:
            txs = [ch.tx(accounts[j % 5], key_of(3), rng.choice(accounts).addr(key_of(2)), value=10**15 + j,
                         gas=30000, gas_price=rng.choice([0, 1, GWEI])) for j in range(150)]
            block(3, txs, receipts=1)
            s.root()
        else:
            block(2, [t.one(2, xshard_ok) for _ in range(rng.randrange(0, 5))])
        if i % 4 == 3:
            if rng.random() < 0.5:
                block(3, [t.one(3, xshard_ok) for _ in range(rng.randrange(0, 4))])
            s.root()
    s.root()
    block(2, [])
    block(3, [])
    for h in (1, 5, 19, 20, 21, 31, 41, 42, 50):
        s.account(accounts[1].addr(key_of(2)), h)
    for h in (0, 20, 21, 30, 31, 41, 42, 56, 57, 58):
        s.block_by_height(2, h, extra=(h % 2 == 0))
    final_queries(s, t, blocks, rng)
    return s


@scenario(
    "root-fork",
    "Two shards (full shard ids 2 and 3); a minor block built on root block R3a is orphaned when a heavier root "
    "fork (R3b, R4b, confirming nothing new) arrives: the shard's tip goes back to the last block on the new root "
    "chain, and new blocks grow from there; a stale block (parent not the tip) and the same block twice; account "
    "data, blocks, receipts and transactions of the orphaned block before and after; ADD_TRANSACTION of valid and "
    "invalid transactions (pool answers).",
)
def root_fork(interop_dir, seed=4):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("fork account {}".format(i)) for i in range(4)]
    s = Session(cluster_config(1, 2, fund(accounts, [2, 3])), interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    ch = s.chain
    blocks = {2: [], 3: []}

    def block(fsid, txs):
        b = s.minor(fsid, txs)
        blocks[fsid].append(b)
        t.learn()
        block_queries(s, b, fsid, t, rng)
        return b

    for _ in range(3):
        block(2, [t.one(2, ch.root.tip.height >= 1) for _ in range(3)])
        block(3, [t.one(3, ch.root.tip.height >= 1) for _ in range(3)])
        s.root()
    r2 = ch.root.tip  # R3: the fork point's parent
    r3a = s.root(note="ADD_ROOT_BLOCK R4a (the branch that loses)")
    a = accounts[0]
    orphan_txs = [ch.tx(a, key_of(2), accounts[1].addr(key_of(2)), value=777, gas=21000, gas_price=GWEI),
                  ch.tx(a, key_of(2), accounts[2].addr(key_of(3)), value=888, gas=30000, gas_price=GWEI)]
    orphan = block(2, orphan_txs)  # hash_prev_root_block = R4a
    s.account(a.addr(key_of(2)), None, "GET_ACCOUNT_DATA of the sender of the block about to be orphaned")
    # a fork: R4b (same height, not heavier: ignored), then R5b on it (heavier: the shards switch)
    r3b = ch.fork_root(r3a.header.create_block_to_append and r2, miner=accounts[3])
    s.send_root(r3b, "ADD_ROOT_BLOCK R4b, a sibling of R4a (equal total difficulty: no switch)")
    ch.root.add_block(r3b)
    for st in ch.shards.values():
        st.add_root_block(r3b)
    r4b = ch.fork_root(r3b.header, miner=accounts[3])
    s.send_root(r4b, "ADD_ROOT_BLOCK R5b on R4b: heavier, shard 2's tip goes back before the orphaned block")
    ch.add_root(r4b)
    ch.resync_unconfirmed()
    s.account(a.addr(key_of(2)), None, "GET_ACCOUNT_DATA of the orphaned block's sender after the switch")
    s.block_by_height(2, orphan.header.height)
    s.block_by_hash(2, orphan.header.get_hash())
    for tx in orphan_txs:
        s.receipt(tx, 2, "GET_TRANSACTION_RECEIPT of a transaction of the orphaned block")
        s.transaction(tx, 2)
    s.unconfirmed()
    # the orphaned block again: its parent is the tip again, so it is looked at (its root block is off-chain)
    s.send_minor(orphan, "ADD_MINOR_BLOCK the orphaned block again (its root block R4a is no longer on the root chain)")
    # grow on the new tip, re-sending the orphaned transactions
    ch.nonces = {}
    replay = [ch.tx(a, key_of(2), accounts[1].addr(key_of(2)), value=777, gas=21000, gas_price=GWEI)]
    nb = block(2, replay)
    s.send_minor(orphan, "ADD_MINOR_BLOCK the orphaned block once more (stale: its parent is not the tip)")
    s.send_minor(nb, "ADD_MINOR_BLOCK the tip again (stale: dropped unlooked)")
    block(3, [t.one(3, True) for _ in range(3)])
    s.root(note="ADD_ROOT_BLOCK R6b confirming the new branch")
    block(2, [t.one(2, True) for _ in range(4)])
    # pool answers (ADD_TRANSACTION): valid, duplicate, bad nonce, unaffordable, wrong network, cheap, other shard
    st2 = ch.shards[2]
    n = st2.get_transaction_count(accounts[1].recipient)
    ok = ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=21000, gas_price=GWEI, nonce=n)
    s.add_tx(ok, "a valid transfer")
    s.add_tx(ok, "the same transfer again")
    s.transaction(ok, 2)
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=21000, gas_price=GWEI, nonce=n - 1),
             "a nonce already used")
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=10**30, gas=21000, gas_price=GWEI, nonce=n + 1),
             "a value above the balance")
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=21000, gas_price=GWEI, nonce=n + 1,
                   network_id=99), "a wrong network id")
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=21000, gas_price=1, nonce=n + 1),
             "a gas price below MIN_TX_POOL_GAS_PRICE")
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=20000, gas_price=GWEI, nonce=n + 1),
             "start gas below the intrinsic gas")
    s.add_tx(ch.tx(accounts[1], key_of(2), accounts[2].addr(key_of(2)), value=5, gas=21000, gas_price=GWEI, nonce=n + 1),
             "the next nonce")
    s.account(accounts[1].addr(key_of(2)), None, "GET_ACCOUNT_DATA after the pool took two transfers")
    final_queries(s, t, blocks, rng)
    return s


T0 = 1519147489  # the default genesis TIMESTAMP (root and shards)


@scenario(
    "forks",
    "One chain of two shards (full shard ids 2 and 3) whose config switches rules on mid-chain: "
    "ENABLE_TX_TIMESTAMP (only the TX_WHITELIST_SENDERS account sends before it), ENABLE_EVM_TIMESTAMP (no "
    "contracts, no data, cross-shard deposits without reserved gas and without receipts before it), "
    "ENABLE_EIP155_SIGNER_TIMESTAMP (version-2 transactions after it), XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT 4; "
    "REWARD_TAX_RATE 0.3, BLOCK_REWARD_DECAY_FACTOR 0.6 with EPOCH_INTERVAL 8 (shards) and 4 (root), so coinbase "
    "amounts decay along the chain; seeded random traffic within the rules of each block's time.",
)
def forks(interop_dir, seed=5):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("forks account {}".format(i)) for i in range(5)]

    def tweak(qc):
        qc.REWARD_TAX_RATE = 0.3
        qc.BLOCK_REWARD_DECAY_FACTOR = 0.6
        qc.ROOT.EPOCH_INTERVAL = 4
        for c in qc.CHAINS:
            c.EPOCH_INTERVAL = 8
        qc.ENABLE_TX_TIMESTAMP = T0 + 20
        qc.TX_WHITELIST_SENDERS = [accounts[0].recipient.hex()]
        qc.ENABLE_EVM_TIMESTAMP = T0 + 70
        qc.ENABLE_EIP155_SIGNER_TIMESTAMP = T0 + 110
        qc.XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT = 4

    s = Session(cluster_config(1, 2, fund(accounts, [2, 3]), tweak=tweak), interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    ch = s.chain
    qc = ch.qc
    blocks = {2: [], 3: []}
    for rnd in range(12):
        for fsid in (2, 3):
            at = ch.clock + 3  # the next block's create_time
            t.senders = None if at >= qc.ENABLE_TX_TIMESTAMP else accounts[:1]
            t.evm = at >= qc.ENABLE_EVM_TIMESTAMP
            t.eip155 = at >= qc.ENABLE_EIP155_SIGNER_TIMESTAMP
            txs = [t.one(fsid, ch.root.tip.height >= 1) for _ in range(rng.randrange(1, 7))]
            b = s.minor(fsid, txs)
            blocks[fsid].append(b)
            t.learn()
            block_queries(s, b, fsid, t, rng)
        s.root()
        t.learn()
    for fsid in (2, 3):
        b = s.minor(fsid, [])
        blocks[fsid].append(b)
        block_queries(s, b, fsid, t, rng)
    for h in (1, 4, 8, 9, 12):
        s.block_by_height(2, h)
    final_queries(s, t, blocks, rng)
    return s


@scenario(
    "posw",
    "One chain of two shards (full shard ids 2 and 3) with PoSW on (WINDOW_SIZE 4, TOTAL_STAKE_PER_BLOCK 3e24, "
    "ENABLE_POSW_STAKING_DECAY_TIMESTAMP mid-chain, EPOCH_INTERVAL 6): funded accounts take turns as coinbase, so "
    "their balances are partly locked for the blocks they mined in the window, and transfers of most of a balance "
    "succeed or fail by that lock; blocks with extra info (effective difficulty, PoSW mineable and mined blocks), "
    "account data of the miners.",
)
def posw(interop_dir, seed=6):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("posw account {}".format(i)) for i in range(4)]

    def tweak(qc):
        qc.ENABLE_POSW_STAKING_DECAY_TIMESTAMP = T0 + 60
        for c in qc.CHAINS:
            c.EPOCH_INTERVAL = 6
            c.POSW_CONFIG.ENABLED = True
            c.POSW_CONFIG.ENABLE_TIMESTAMP = 0
            c.POSW_CONFIG.WINDOW_SIZE = 4
            c.POSW_CONFIG.TOTAL_STAKE_PER_BLOCK = 3 * 10**24

    s = Session(cluster_config(1, 2, fund(accounts, [2, 3], qkc=10**25), tweak=tweak), interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    t.big = True
    ch = s.chain
    blocks = {2: [], 3: []}
    for rnd in range(10):
        for fsid in (2, 3):
            txs = [t.one(fsid, ch.root.tip.height >= 1) for _ in range(rng.randrange(1, 6))]
            miner = rng.choice(accounts[:2] + [None])
            b = s.minor(fsid, txs, miner=miner)
            blocks[fsid].append(b)
            t.learn()
            block_queries(s, b, fsid, t, rng)
            if miner is not None:
                s.account(miner.addr(key_of(fsid)), None, "GET_ACCOUNT_DATA of this block's coinbase")
        if rnd % 2 == 1:
            s.root()
    s.root()
    for h in range(1, len(blocks[2]) + 1):
        s.block_by_height(2, h)
    final_queries(s, t, blocks, rng)
    return s


@scenario(
    "late-shards",
    "Three chains of one shard (full shard ids 1, 0x10001, 0x20001) whose shards start at root heights 0, 2 and 4 "
    "(GENESIS.ROOT_HEIGHT): the slave creates a shard when the root block of its height arrives (reporting its "
    "genesis header), cross-chain transfers reach a shard only once it has started, account data lists the shards "
    "that exist; seeded random traffic on every started shard.",
)
def late_shards(interop_dir, seed=7):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("late account {}".format(i)) for i in range(4)]
    fsids = [1, 0x10001, 0x20001]

    def tweak(qc):
        qc.CHAINS[1].GENESIS.ROOT_HEIGHT = 2
        qc.CHAINS[2].GENESIS.ROOT_HEIGHT = 4

    s = Session(cluster_config(3, 1, fund(accounts, fsids), tweak=tweak), interop_dir)
    s.setup()
    t = Traffic(s, rng, accounts)
    ch = s.chain
    blocks = {}
    for rnd in range(9):
        for fsid in sorted(ch.shards):
            txs = [t.one(fsid, ch.root.tip.height >= 1) for _ in range(rng.randrange(0, 6))]
            b = s.minor(fsid, txs, miner=rng.choice(accounts + [None]))
            blocks.setdefault(fsid, []).append(b)
            t.learn()
            block_queries(s, b, fsid, t, rng)
        s.root()
        if ch.root.tip.height + 1 in (2, 4):
            # A shard's genesis root block confirms nothing: pyquarkchain's new shard has only that root block
            # in its DB, and its cursor would fail on a header pointing at an older one (shard_state.py:get_next_tx)
            s.root(limit=0, note="ADD_ROOT_BLOCK R{}: empty, a shard starts on it".format(ch.root.tip.height + 1))
        t.learn()
        s.account(accounts[0].addr(key_of(0x20001)), None, "GET_ACCOUNT_DATA: one entry per shard started so far")
        s.unconfirmed()
    for fsid in sorted(ch.shards):
        b = s.minor(fsid, [])
        blocks[fsid].append(b)
        block_queries(s, b, fsid, t, rng)
    for fsid in fsids:
        s.block_by_height(fsid, 0)
    final_queries(s, t, blocks, rng)
    return s


@scenario(
    "xshard-cursor",
    "Two chains of two shards (full shard ids 2, 3, 0x10002, 0x10003) with GAS_LIMIT 300000 (xshard gas limit "
    "150000) and XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT 3: every block sends cross-shard and cross-chain transfers and "
    "calls to a contract allocated at genesis (code and storage in GENESIS.ALLOC) on every shard, with call data "
    "that stores and logs, reverts or hits INVALID in the deposit; the deposits outgrow the xshard gas limit, so "
    "each target's cursor spans several blocks and root blocks; receipts of deposits, the contract's storage.",
)
def xshard_cursor(interop_dir, seed=8):
    from session import Session

    rng = random.Random(seed)
    accounts = [Account("cursor account {}".format(i)) for i in range(5)]
    sink = Account("cursor sink contract")
    fsids = [2, 3, 0x10002, 0x10003]
    alloc = fund(accounts, fsids)
    for fsid in fsids:
        alloc[fsid][sink.addr(key_of(fsid)).serialize().hex()] = {
            "balances": {"QKC": 10**18},
            "code": "0x" + STORE_LOG.hex(),
            "storage": {"0x01": "0x05", "0xff": "0x" + sink.recipient.hex()},
        }

    def tweak(qc):
        qc.XSHARD_GAS_DDOS_FIX_ROOT_HEIGHT = 3
        for c in qc.CHAINS:
            c.GENESIS.GAS_LIMIT = 300000

    s = Session(cluster_config(2, 2, alloc, tweak=tweak), interop_dir)
    s.setup()
    ch = s.chain
    t = Traffic(s, rng, accounts)
    blocks = {f: [] for f in fsids}
    sent = []
    for rnd in range(12):
        for fsid in fsids:
            txs, budget = [], 145000
            while ch.root.tip.height >= 1:
                target = rng.choice([f for f in fsids if f != fsid])
                shape = rng.choice(["transfer", "transfer", "store", "store", "revert", "invalid"])
                gas = 30000 if shape == "transfer" else rng.choice([60000, 90000])
                if gas > budget:
                    break
                budget -= gas
                a = rng.choice(accounts)
                if shape == "transfer":
                    to, data = rng.choice(accounts).addr(key_of(target)), b""
                else:
                    to = sink.addr(key_of(target))
                    data = {"store": word(rng.randrange(4)) + word(rng.choice([0, rng.randrange(1, 2**40)])),
                            "revert": b"", "invalid": bytes(96)}[shape]
                tx = ch.tx(a, key_of(fsid), to, value=rng.choice([0, 10**15, 7]), gas=gas,
                           gas_price=rng.choice([0, 1, GWEI]), data=data)
                txs.append(tx)
                sent.append((tx, fsid, target))
            b = s.minor(fsid, txs)
            blocks[fsid].append(b)
            for tx in rng.sample(txs, min(1, len(txs))):
                s.receipt(tx, fsid)
        if rnd % 3 == 2 or rnd == 0:
            s.root()
    s.root()
    for _ in range(4):  # the cursors catch up
        for fsid in fsids:
            blocks[fsid].append(s.minor(fsid, []))
        s.root()
    for tx, fsid, target in rng.sample(sent, min(24, len(sent))):
        s.receipt(tx, target, "GET_TRANSACTION_RECEIPT of {} deposit on shard {}".format(tx.get_hash().hex()[:12], target))
    for fsid in fsids:
        for key in (0, 1, 2, 3, 0xFF):
            s.storage(sink.addr(key_of(fsid)), key)
        s.account(sink.addr(key_of(fsid)))
        s.logs(fsid, [sink.addr(key_of(fsid))], [], 0, blocks[fsid][-1].header.height)
        for h in range(1, len(blocks[fsid]) + 1, 3):
            s.block_by_height(fsid, h, extra=False)
    return s
