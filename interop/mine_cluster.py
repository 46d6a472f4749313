#!/usr/bin/env python3
"""A mining QuarkChain cluster: pyquarkchain's real MasterServer (in this process) with mining on, over
slaves started here (qkc-slaves, pyquarkchain's SlaveServer through py_real_slave.py, or both), each
serving its own shards; the slaves generate load with GEN_TX; after --minutes the driver stops mining and
prints what the cluster built and whether every slave holds every block the root chain confirmed.

Run through the shared interop tools (pyquarkchain importable, see scripts/mine-cluster.sh):
  run.sh interop/mine_cluster.py --slaves qkc,qkc --qkc-cmd 'node --import tsx bin/slave.ts' [--minutes 5]

It is py_mine.py's run (MasterServer.start_mining: MINE_REQUEST to every slave, then the root miner; GEN_TX
every few seconds; the report from the root chain) with what py_mine.py leaves out: it starts the slaves
itself from one config (POW_SIMULATE with short target times, GENESIS_DIR with loadtest accounts), sends
GEN_TX to each slave with its own cross-shard share (pyquarkchain's tx_generator.py fails on a cross-shard
share: `get_full_shard_ids() - [id]` subtracts two lists; so pyquarkchain's slaves get 0), counts every
root block the master failed to add or broadcast, and checks each confirmed minor block on the slaves.

Why one slave per shard: in a pyquarkchain cluster a mined minor block goes nowhere but its own slave's
shard and the master (master.py: get_slave_connection, "TODO: support multiple slaves running the same
shard"), so a second slave of the shard would refuse the first root block confirming it (shard_state.py:
add_root_block "cannot find minor block in local shard"). The shards are dealt round robin over --slaves.

What "every slave holds every block it should" means here: for every minor header in the root blocks mined
during the run, every slave the master lists for that shard (branch_to_slaves) answers GET_MINOR_BLOCK by
hash with error_code 0 and a block with that very hash; and every root block the master mined was added by
every slave (ADD_ROOT_BLOCK error_code 0 from all, which master.add_root_block checks).

Exit 0 PASS, 1 FAIL (a check below failed), 2 a slave or the cluster did not come up.
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

import qkc_harness_common  # noqa: E402  (sets up qkc_compat)
from qkc_harness_common import out, make_env, cluster_config_dict  # noqa: E402

from quarkchain.cluster import master as qm  # noqa: E402
from quarkchain.cluster.root_state import RootState  # noqa: E402
from quarkchain.cluster.rpc import (  # noqa: E402
    ClusterOp,
    GenTxRequest,
    GetEcoInfoListRequest,
    GetMinorBlockRequest,
    GetTransactionReceiptRequest,
)
from quarkchain.core import Address, Branch, Identity, SerializedEvmTransaction, TypedTransaction  # noqa: E402
from quarkchain.evm.transactions import Transaction as EvmTransaction  # noqa: E402
from quarkchain.utils import sha3_256  # noqa: E402

HARNESS_DIR = os.path.dirname(os.path.abspath(qkc_harness_common.__file__))
PYQKC_GENESIS_DATA = os.path.join(os.path.dirname(os.path.abspath(qm.__file__)), "..", "genesis_data")
READY = {"qkc": "slave listening", "py": "real_slave_listening"}


class Sender:
    """One of the driver's own senders of cross-shard transfers: funded in its shard by GENESIS_DIR's
    alloc/<chain>.json (the file form pyquarkchain reads beside loadtest.json)."""

    def __init__(self, fsid, i):
        self.fsid = fsid
        self.identity = Identity.create_from_key(sha3_256("qkc-slave mine cluster {} {}".format(fsid, i).encode()))
        self.address = Address.create_from_identity(self.identity, fsid)
        self.nonce = 0


def senders_of(full_shard_ids, per_shard):
    return [Sender(fsid, i) for fsid in full_shard_ids for i in range(per_shard)]


def write_genesis_dir(path, chains, accounts, senders):
    """A GENESIS_DIR as pyquarkchain's genesis_data/: loadtest.json with the first `accounts` of
    pyquarkchain's own loadtest accounts (each funded in every shard by update_genesis_alloc) and
    alloc/<chain>.json with the driver's senders of that chain (one file per chain: pyquarkchain drops the
    whole alloc import when one is missing)."""
    with open(os.path.join(PYQKC_GENESIS_DATA, "loadtest.json")) as f:
        loadtest = json.load(f)[:accounts]
    os.makedirs(os.path.join(path, "alloc"), exist_ok=True)
    with open(os.path.join(path, "loadtest.json"), "w") as f:
        json.dump(loadtest, f, indent=1)
    for c in range(chains):
        with open(os.path.join(path, "alloc", "{}.json".format(c)), "w") as f:
            json.dump([{"address": x.address.serialize().hex()} for x in senders if x.fsid >> 16 == c], f, indent=1)
    return len(loadtest)


def write_config(path, slaves, chains, shards, root_time, minor_time, genesis_dir):
    """pyquarkchain's default layout of that size, POW_SIMULATE with the given target times everywhere,
    GENESIS_DIR; written with pyquarkchain's own to_dict; every process (master included) reads it."""
    env = make_env(chains, shards, slaves)
    d = cluster_config_dict(env)
    d["QUARKCHAIN"]["ROOT"]["CONSENSUS_TYPE"] = "POW_SIMULATE"
    d["QUARKCHAIN"]["ROOT"]["CONSENSUS_CONFIG"]["TARGET_BLOCK_TIME"] = root_time
    for c in d["QUARKCHAIN"]["CHAINS"]:
        c["CONSENSUS_TYPE"] = "POW_SIMULATE"
        c["CONSENSUS_CONFIG"]["TARGET_BLOCK_TIME"] = minor_time
    d["GENESIS_DIR"] = os.path.abspath(genesis_dir)
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
        time.sleep(0.2)
    return False


def sample_tx(qc):
    """GEN_TX's template, as py_mine.py sends it: no recipient (a random loadtest account), 1 wei, 30000 gas
    (enough for a cross-shard transfer), from the generating shard."""
    return TypedTransaction(SerializedEvmTransaction.from_evm_tx(EvmTransaction(
        0, 10 ** 9, 30000, b"", 1, b"", network_id=qc.NETWORK_ID,
        gas_token_id=qc.genesis_token, transfer_token_id=qc.genesis_token)))


async def driver_transfers(master, senders, stats):
    """One cross-shard transfer from each of the driver's senders to its own address in the same shard of
    the next chain (the next shard with one chain), through the master's ADD_TRANSACTION (to every slave
    of the source shard): cross-shard traffic out of pyquarkchain's shards too, whose generator cannot make
    any, and across chains, where qkc-slave's GEN_TX sends none (it keeps to the chain)."""
    qc = master.env.quark_chain_config
    ids = sorted(qc.get_full_shard_ids())
    for x in senders:
        if qc.CHAIN_SIZE > 1:
            to = (((x.fsid >> 16) + 1) % qc.CHAIN_SIZE) << 16 | (x.fsid & 0xFFFF)
        else:
            to = ids[(ids.index(x.fsid) + 1) % len(ids)]
        try:
            data = await asyncio.wait_for(master.get_primary_account_data(x.address), 20)
            x.nonce = max(x.nonce, data.transaction_count if data else 0)
            evm_tx = EvmTransaction(
                nonce=x.nonce, gasprice=10 ** 9, startgas=30000, to=x.address.recipient, value=1, data=b"",
                from_full_shard_key=x.fsid, to_full_shard_key=to, network_id=qc.NETWORK_ID,
                gas_token_id=qc.genesis_token, transfer_token_id=qc.genesis_token)
            evm_tx.set_quark_chain_config(qc)
            evm_tx.sign(key=x.identity.get_key())
            tx = TypedTransaction(SerializedEvmTransaction.from_evm_tx(evm_tx))
            ok = await asyncio.wait_for(master.add_transaction(tx), 20)
        except Exception as e:
            stats["failures"].append("driver transfer from 0x{:x}: {}: {}".format(x.fsid, type(e).__name__, e))
            continue
        stats["driver_xshard"]["sent"] += 1
        if ok:
            stats["driver_xshard"]["accepted"] += 1
            stats["driver_hashes"].add(tx.get_hash())
            x.nonce += 1
        else:
            stats["failures"].append("ADD_TRANSACTION refused the driver's transfer 0x{:x} -> 0x{:x} nonce {}".format(
                x.fsid, to, x.nonce))


async def mine(args, master, kinds, senders, procs, stats):
    """start_mining, GEN_TX rounds until the time is up, stop_mining."""
    qc = master.env.quark_chain_config
    try:
        await asyncio.wait_for(master.start_mining(), 20)
        out("start_mining_done")
    except Exception as e:
        stats["failures"].append("start_mining (MINE_REQUEST to every slave): {}: {}".format(type(e).__name__, e))
        return
    t0 = time.monotonic()
    end = t0 + args.minutes * 60
    next_report = t0 + 30
    while time.monotonic() < end:
        if args.gen_tx > 0:
            tx = sample_tx(qc)
            for slave in master.slave_pool:
                sid = slave.id.decode()
                pct = args.xshard if kinds[sid] == "qkc" else 0
                try:
                    _, resp, _ = await asyncio.wait_for(slave.write_rpc_request(
                        ClusterOp.GEN_TX_REQUEST, GenTxRequest(args.gen_tx, pct, tx)), 20)
                    stats["gen_tx"][sid] = stats["gen_tx"].get(sid, 0) + 1
                    if resp.error_code != 0:
                        stats["failures"].append("GEN_TX to {}: error_code {}".format(sid, resp.error_code))
                except Exception as e:
                    stats["failures"].append("GEN_TX to {}: {}: {}".format(sid, type(e).__name__, e))
        # pyquarkchain's add_tx takes a cross-shard transfer once the root chain is past the target's genesis
        if senders and master.root_state.tip.height >= 1:
            await driver_transfers(master, senders, stats)
        if time.monotonic() >= next_report:
            next_report += 30
            heights = {k: s.height for k, s in sorted(master.branch_to_shard_stats.items())}
            out("progress", seconds=round(time.monotonic() - t0), root_height=master.root_state.tip.height,
                shard_heights={"0x{:08x}".format(k): v for k, v in heights.items()})
            print("  after {:.0f} s: root height {}, {}".format(time.monotonic() - t0, master.root_state.tip.height, ", ".join(
                "shard 0x{:x} height {}".format(k, v) for k, v in heights.items())), flush=True)
        dead = [sid for sid, p in procs.items() if p.poll() is not None]
        if dead:
            stats["failures"].append("slave {} exited during the run (see its .out)".format(", ".join(dead)))
            return
        await asyncio.sleep(max(0.0, min(args.gen_every, end - time.monotonic(), next_report - time.monotonic())))
    try:
        await asyncio.wait_for(master.stop_mining(), 20)
        out("stop_mining_done")
    except Exception as e:
        stats["failures"].append("stop_mining (MINE_REQUEST mining=False): {}: {}".format(type(e).__name__, e))
    # a block mined just before the stop may still be on its way to the master
    await asyncio.sleep(2)


def classify(qc, fsid, block):
    """(in-shard count, cross-shard transfers as (tx hash, target full shard id)) of a block: cross-shard
    when the transfer's to_full_shard_key lies in another shard (the block's deposits are not in its
    tx_list)."""
    inside, xshard = 0, []
    for tx in block.tx_list:
        to = qc.get_full_shard_id_by_full_shard_key(tx.tx.to_evm_tx().to_full_shard_key)
        if to != fsid:
            xshard.append((tx.get_hash(), to))
        else:
            inside += 1
    return inside, xshard


async def check_blocks(master, root0, stats):
    """Every minor header the root chain confirmed since root0, asked of every slave serving its shard."""
    qc = master.env.quark_chain_config
    shards = {fsid: {"confirmed": 0, "max_confirmed_height": -1, "txs": 0, "in_shard": 0, "xshard": 0,
                     "held": {}, "tip": {}, "deposits_sent": 0, "deposits_due": 0,
                     "deposits_applied": {}, "xshard_driver": 0} for fsid in sorted(qc.get_full_shard_ids())}
    rs = master.root_state
    transfers = []  # cross-shard: (tx hash, source, target, height of the root block confirming the source)
    for h in range(root0 + 1, rs.tip.height + 1):
        rb = rs.get_root_block_by_height(h)
        if rb is None:
            stats["failures"].append("root block {} missing from the master's own chain".format(h))
            continue
        for mh in rb.minor_block_header_list:
            fsid = mh.branch.get_full_shard_id()
            s = shards[fsid]
            s["confirmed"] += 1
            s["max_confirmed_height"] = max(s["max_confirmed_height"], mh.height)
            counted = False
            for slave in master.branch_to_slaves[fsid]:
                sid = slave.id.decode()
                s["held"].setdefault(sid, 0)
                try:
                    _, resp, _ = await asyncio.wait_for(slave.write_rpc_request(
                        ClusterOp.GET_MINOR_BLOCK_REQUEST, GetMinorBlockRequest(mh.branch, mh.get_hash())), 20)
                except Exception as e:
                    stats["failures"].append("GET_MINOR_BLOCK {}/{} from {}: {}: {}".format(
                        fsid, mh.height, sid, type(e).__name__, e))
                    continue
                if resp.error_code != 0 or resp.minor_block is None:
                    stats["failures"].append("{} does not hold minor block {}/{} 0x{} (error_code {})".format(
                        sid, fsid, mh.height, mh.get_hash().hex(), resp.error_code))
                    continue
                if resp.minor_block.header.get_hash() != mh.get_hash():
                    stats["failures"].append("{} answered another block for {}/{} 0x{}".format(
                        sid, fsid, mh.height, mh.get_hash().hex()))
                    continue
                s["held"][sid] += 1
                if not counted:
                    counted = True
                    inside, xs = classify(qc, fsid, resp.minor_block)
                    s["in_shard"] += inside
                    s["xshard"] += len(xs)
                    s["xshard_driver"] += sum(1 for th, _ in xs if th in stats["driver_hashes"])
                    s["txs"] += inside + len(xs)
                    transfers += [(th, fsid, to, h) for th, to in xs]
    for slave in master.slave_pool:
        sid = slave.id.decode()
        try:
            _, resp, _ = await asyncio.wait_for(slave.write_rpc_request(
                ClusterOp.GET_ECO_INFO_LIST_REQUEST, GetEcoInfoListRequest()), 20)
            for eco in resp.eco_info_list:
                # EcoInfo.height is the next block's (slave.py: header_tip.height + 1)
                shards[eco.branch.get_full_shard_id()]["tip"][sid] = eco.height - 1
        except Exception as e:
            stats["failures"].append("GET_ECO_INFO_LIST from {}: {}: {}".format(sid, type(e).__name__, e))
    await check_deposits(master, shards, transfers, stats)
    return shards


async def check_deposits(master, shards, transfers, stats):
    """Each confirmed cross-shard transfer, asked of every slave of its target shard as a deposit
    (GET_TRANSACTION_RECEIPT on the target branch: pyquarkchain keeps a receipt per applied deposit). A
    deposit is due when the root block confirming its source lies below the root block the slave's tip
    block points at (hash_prev_root_block): that tip's chain has run the cursor past it (one root block of
    margin; the few deposits here are far below a block's cross-shard gas)."""
    rs = master.root_state
    due_below = {}  # (slave id, target) -> the root height the slave's tip block points at
    for fsid, s in shards.items():
        for slave in master.branch_to_slaves[fsid]:
            sid = slave.id.decode()
            s["deposits_applied"][sid] = 0
            tip = s["tip"].get(sid)
            if tip is None:
                continue
            try:
                _, resp, _ = await asyncio.wait_for(slave.write_rpc_request(
                    ClusterOp.GET_MINOR_BLOCK_REQUEST, GetMinorBlockRequest(Branch(fsid), height=tip)), 20)
                prev_root = rs.db.get_root_block_header_by_hash(resp.minor_block.header.hash_prev_root_block)
                due_below[(sid, fsid)] = prev_root.height if prev_root is not None else -1
            except Exception as e:
                stats["failures"].append("tip block {}/{} from {}: {}: {}".format(fsid, tip, sid, type(e).__name__, e))
    out("deposit_due_below", **{"{}/0x{:x}".format(k[0], k[1]): v for k, v in due_below.items()})
    for th, src, dst, root_height in transfers:
        s = shards[dst]
        s["deposits_sent"] += 1
        for slave in master.branch_to_slaves[dst]:
            sid = slave.id.decode()
            due = root_height < due_below.get((sid, dst), -1)
            s["deposits_due"] += 1 if due else 0
            try:
                _, resp, _ = await asyncio.wait_for(slave.write_rpc_request(
                    ClusterOp.GET_TRANSACTION_RECEIPT_REQUEST, GetTransactionReceiptRequest(th, Branch(dst))), 20)
            except Exception as e:
                stats["failures"].append("GET_TRANSACTION_RECEIPT {} from {}: {}: {}".format(th.hex(), sid, type(e).__name__, e))
                continue
            if resp.error_code == 0:
                s["deposits_applied"][sid] += 1
            elif due:
                stats["failures"].append("{} has no deposit 0x{} in shard 0x{:x} (source 0x{:x} confirmed in root block {}, "
                                         "its tip is past root block {})".format(sid, th.hex(), dst, src, root_height,
                                                                                due_below[(sid, dst)]))


def count_root_broadcasts(master, stats):
    """master.add_root_block wrapped where the root miner calls it (MasterServer.__init__ hands the bound
    method to its Miner) to count the root blocks it added and broadcast, and the ones that failed (a
    slave's error_code != 0 fails add_root_block's check(); the miner only logs it)."""
    inner = master.root_miner.add_block_async_func

    async def add_root_block(r_block):
        try:
            await inner(r_block)
            stats["root_added"] += 1
        except Exception as e:
            stats["failures"].append("root block {} not added by every slave: {}: {}".format(
                r_block.header.height, type(e).__name__, e))
            raise

    master.root_miner.add_block_async_func = add_root_block


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slaves", default="qkc,qkc", help="kinds of the slaves in SLAVE_LIST order: qkc or py, e.g. qkc,py")
    ap.add_argument("--qkc-cmd", default=None, help="command starting qkc-slave (gets --cluster_config F --node_id ID --host 127.0.0.1)")
    ap.add_argument("--cwd", default=os.getcwd(), help="directory to start qkc-slave in")
    ap.add_argument("--dir", default="/tmp/qkc-mine", help="config, genesis dir and logs")
    ap.add_argument("--base-port", type=int, default=38560)
    ap.add_argument("--chain-size", type=int, default=2)
    ap.add_argument("--shard-size", type=int, default=2,
                    help="two: GEN_TX's cross-shard transfers have a shard of their own chain to go to")
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--root-block-time", type=float, default=3)
    ap.add_argument("--minor-block-time", type=float, default=1)
    ap.add_argument("--accounts", type=int, default=200, help="loadtest accounts in GENESIS_DIR")
    ap.add_argument("--gen-tx", type=int, default=200, help="GEN_TX: transactions per shard per round (0: none)")
    ap.add_argument("--gen-every", type=float, default=10.0, help="seconds between GEN_TX rounds")
    ap.add_argument("--xshard", type=int, default=20, help="GEN_TX cross-shard percentage for qkc-slaves (pyquarkchain's get 0)")
    ap.add_argument("--driver-xshard", type=int, default=2,
                    help="senders per shard whose cross-shard transfers the driver signs each round (every kind of slave)")
    ap.add_argument("--min-root", type=int, default=2, help="root blocks the run must add")
    ap.add_argument("--min-minor", type=int, default=2, help="height each shard's chain must reach in the root chain's confirmed blocks")
    ap.add_argument("--timeout", type=float, default=60, help="for a slave and the cluster to come up")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    order = [k.strip() for k in args.slaves.split(",") if k.strip()]
    if not order or any(k not in READY for k in order):
        ap.error("--slaves: a comma list of qkc and py")
    if "qkc" in order and not args.qkc_cmd:
        ap.error("--qkc-cmd is required with a qkc slave")
    all_ids = [(c << 16) | args.shard_size | i for c in range(args.chain_size) for i in range(args.shard_size)]
    if len(order) > len(all_ids):
        ap.error("more slaves than shards (one slave per shard: see the module's doc)")
    ids = ["S{}".format(i) for i in range(len(order))]
    kinds = dict(zip(ids, order))
    slaves = [(ids[i], "127.0.0.1", args.base_port + i, all_ids[i::len(order)]) for i in range(len(order))]
    gdir = os.path.join(args.dir, "genesis")
    senders = senders_of(all_ids, args.driver_xshard)
    accounts = write_genesis_dir(gdir, args.chain_size, args.accounts, senders)
    cfg = os.path.join(args.dir, "cluster_config.json")
    d = write_config(cfg, slaves, args.chain_size, args.shard_size, args.root_block_time, args.minor_block_time, gdir)
    out("config_written", file=cfg, slaves={s[0]: {"kind": kinds[s[0]], "shards": s[3]} for s in slaves},
        loadtest_accounts=accounts)

    procs = []

    def stop_all():
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    logs = {}
    for sid, _, _, _ in slaves:
        kind = kinds[sid]
        log = logs[sid] = os.path.join(args.dir, "{}-{}.out".format(kind, sid))
        if kind == "py":
            cmd = [sys.executable, os.path.join(HARNESS_DIR, "py_real_slave.py"), "--id", sid,
                   "--config-json", cfg, "--max-seconds", str(args.minutes * 60 + args.timeout * 5)]
        else:
            cmd = shlex.split(args.qkc_cmd) + ["--cluster_config", cfg, "--node_id", sid, "--host", "127.0.0.1",
                                               "--no-pretty"]
        with open(log, "w") as f:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=args.cwd, start_new_session=True)
        procs.append(p)
        if not wait_line(log, READY[kind], args.timeout, p):
            stop_all()
            print("mine-cluster: FAIL ({} slave {} did not start, see {})".format(kind, sid, log))
            sys.stdout.flush()
            os._exit(2)
    time.sleep(0.5)  # pyquarkchain binds its socket a moment after its ready line

    env = make_env(slaves=slaves, quarkchain=d["QUARKCHAIN"], genesis_dir=gdir)
    env.cluster_config.MASTER.MASTER_TO_SLAVE_CONNECT_RETRY_DELAY = 0.2
    qc = env.quark_chain_config
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    root_state = RootState(env)
    master = qm.MasterServer(env, root_state, name="mine_cluster_master")
    stats = {"failures": [], "gen_tx": {}, "root_added": 0, "driver_xshard": {"sent": 0, "accepted": 0},
             "driver_hashes": set()}
    count_root_broadcasts(master, stats)
    master.start()
    t0 = time.time()
    shards = None
    root0 = root_state.tip.height
    rc = 0
    try:
        loop.run_until_complete(asyncio.wait_for(asyncio.shield(master.cluster_active_future), args.timeout))
        out("cluster_active", slaves=kinds)
        loop.run_until_complete(mine(args, master, kinds, senders, dict(zip(ids, procs)), stats))
        shards = loop.run_until_complete(asyncio.wait_for(check_blocks(master, root0, stats), args.timeout * 5))
    except asyncio.TimeoutError:
        stats["failures"].append("timeout (cluster not active or a request unanswered)")
        rc = 2
    except Exception as e:
        import traceback
        traceback.print_exc()
        stats["failures"].append("{}: {}".format(type(e).__name__, e))
    elapsed = time.time() - t0
    for s in list(master.slave_pool):
        s.writer.close()
    loop.run_until_complete(asyncio.sleep(0.2))
    stop_all()

    layout = ", ".join("{}={} serving {}".format(s[0], kinds[s[0]], " ".join("0x{:x}".format(i) for i in s[3]))
                       for s in slaves)
    print("mine-cluster: pyquarkchain master mining over {} ({})".format("+".join(order), layout))
    print("  mining {:.1f} min, POW_SIMULATE root {} s / minor {} s, GEN_TX {} per shard every {} s "
          "(cross-shard {}% on qkc-slaves, 0% on pyquarkchain's), {} loadtest accounts; "
          "driver's cross-shard transfers {} accepted of {}; load {}".format(
              args.minutes, args.root_block_time, args.minor_block_time, args.gen_tx, args.gen_every, args.xshard,
              accounts, stats["driver_xshard"]["accepted"], stats["driver_xshard"]["sent"], " ".join("{:.2f}".format(x) for x in os.getloadavg())))
    root_grew = root_state.tip.height - root0
    if shards is not None:
        print("  root height {} (+{} in the run; {} root blocks added and broadcast by the master)".format(
            root_state.tip.height, root_grew, stats["root_added"]))
        for fsid, s in shards.items():
            st = master.branch_to_shard_stats.get(fsid)
            tips = ", ".join("{} by {}".format(v, k) for k, v in sorted(s["tip"].items()))
            held = ", ".join("{} {}/{}".format(k, v, s["confirmed"]) for k, v in sorted(s["held"].items()))
            print("  shard 0x{:x}: tip height {}; {} blocks confirmed by the root chain (up to height {}) with {} txs "
                  "({} in-shard, {} cross-shard of which {} the driver's); total_tx_count {} in the master's shard "
                  "stats".format(fsid, tips or "?", s["confirmed"], s["max_confirmed_height"], s["txs"], s["in_shard"],
                                 s["xshard"], s["xshard_driver"], st.total_tx_count if st else "?"))
            print("  shard 0x{:x}: confirmed blocks held (GET_MINOR_BLOCK by hash): {}".format(fsid, held or "nobody"))
            print("  shard 0x{:x}: cross-shard deposits in: {} confirmed at their source, {} due; applied (receipts): {}".format(
                fsid, s["deposits_sent"], s["deposits_due"],
                ", ".join("{} {}".format(k, v) for k, v in sorted(s["deposits_applied"].items())) or "-"))
        if root_grew < args.min_root:
            stats["failures"].append("root chain grew by {} < {}".format(root_grew, args.min_root))
        for fsid, s in shards.items():
            past_genesis = s["max_confirmed_height"]
            if past_genesis < args.min_minor:
                stats["failures"].append("shard 0x{:x}: confirmed up to height {} < {}".format(fsid, past_genesis, args.min_minor))
            if args.gen_tx > 0 and s["txs"] == 0:
                stats["failures"].append("shard 0x{:x}: no transaction confirmed".format(fsid))
            if args.driver_xshard > 0 and s["xshard_driver"] == 0:
                stats["failures"].append("shard 0x{:x}: none of the driver's cross-shard transfers confirmed".format(fsid))
            if args.gen_tx > 0 and args.xshard > 0 and args.shard_size > 1 and s["xshard"] == s["xshard_driver"] and \
                    all(kinds[x.id.decode()] == "qkc" for x in master.branch_to_slaves[fsid]):
                stats["failures"].append("shard 0x{:x}: none of GEN_TX's cross-shard transfers confirmed".format(fsid))
    seen = {}  # the same failure every round (GEN_TX refused ...) once, with its count
    for f in stats["failures"]:
        seen[f] = seen.get(f, 0) + 1
    for f, n in list(seen.items())[:20]:
        print("  FAIL: " + f + (" (x{})".format(n) if n > 1 else ""))
    if len(seen) > 20:
        print("  FAIL: ... {} more".format(len(seen) - 20))
    ok = rc == 0 and shards is not None and not stats["failures"]
    print("mine-cluster: {} ({:.0f} s; logs in {})".format("PASS" if ok else "FAIL", elapsed, args.dir))
    sys.stdout.flush()
    os._exit(0 if ok else (rc or 1))


if __name__ == "__main__":
    main()
