"""pyquarkchain's side of `npm run bench:evm`: the workloads of workloads.json through pyquarkchain's own
interpreter, both as bare messages (messages.py:apply_msg, what evm.bench.ts measures today) and as signed
transactions (messages.py:apply_transaction: validation, nonce, gas purchase, refunds, fees).

  QKC_INTEROP_HOME=/work/qkc-interop ../shared/interop/run.sh bench/evm/pyquarkchain_evm.py

Prints one JSON object: per workload, seconds and the derived rates.
"""
import json
import os
import sys
import time

import qkc_compat  # noqa: F401

from quarkchain.cluster.tests.test_utils import get_test_env
from quarkchain.db import InMemoryDb
from quarkchain.evm import transactions, vm
from quarkchain.evm.config import Env
from quarkchain.evm.messages import VMExt, apply_msg, apply_transaction
from quarkchain.evm.state import State
from quarkchain.evm.tests.new_statetest_utils import konfig
from quarkchain.evm.utils import privtoaddr

W = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads.json")))
QENV = get_test_env()
KEY = bytes([0x11] * 32)
SENDER = privtoaddr(KEY)
TOKEN = (0x70).to_bytes(20, "big")
LOOP = (0x71).to_bytes(20, "big")


def fresh_state():
    env = Env(config=konfig)
    env.db = InMemoryDb()
    st = State(env=env, block_number=10, block_coinbase=(0xC0FFEE).to_bytes(20, "big"), block_difficulty=131072,
               gas_limit=10**15, timestamp=1000, qkc_config=QENV.quark_chain_config, use_mock_evm_account=True,
               prev_headers=[])
    tok = st.shard_config.default_chain_token
    st.set_token_balance(SENDER, tok, 10**30)
    st.set_code(LOOP, bytes.fromhex(W["loopCode"]))
    st.set_code(TOKEN, bytes.fromhex(W["tokenCode"]))
    st.set_storage_data(TOKEN, int.from_bytes(SENDER, "big"), 10**30)
    return st, tok


def recipient(i):
    return (0x100000 + i).to_bytes(20, "big")


def token_call(i):
    return bytes(4) + recipient(i).rjust(32, b"\0") + (1).to_bytes(32, "big")


def run_msgs(msgs):
    st, tok = fresh_state()
    ext = VMExt(st, SENDER, 1)
    t0 = time.perf_counter()
    gas = 0
    for to, value, data, startgas in msgs:
        m = vm.Message(SENDER, to, value, startgas, vm.CallData(bytearray(data)), code_address=to,
                       transfer_token_id=tok, gas_token_id=tok)
        ok, left, _ = apply_msg(ext, m)
        assert ok, "a benchmark message failed"
        gas += startgas - left
    return time.perf_counter() - t0, gas


def run_txs(calls):
    st, tok = fresh_state()
    txs = []
    for nonce, (to, value, data, startgas) in enumerate(calls):
        tx = transactions.Transaction(nonce, 1, startgas, to, value, data, gas_token_id=tok, transfer_token_id=tok,
                                      is_testing=True)
        tx.set_quark_chain_config(QENV.quark_chain_config)
        tx.sign(KEY)
        assert tx.sender == SENDER  # recovered (and cached) before the clock starts, as the TS side gets it
        txs.append(tx)
    t0 = time.perf_counter()
    gas = 0
    for tx in txs:
        before = st.gas_used
        ok, _ = apply_transaction(st, tx, bytes(32))
        assert ok, "a benchmark transaction failed"
        gas += st.gas_used - before
    return time.perf_counter() - t0, gas


def workloads():
    n = W["loopIterations"]
    return {
        "loop": ([(LOOP, 0, b"", 10**9)], {"ops": 2 + 7 * n}),
        "valueTransfers": ([(recipient(i), 1, b"", 21000) for i in range(W["valueTransfers"])], {}),
        "tokenTransfers": ([(TOKEN, 0, token_call(i), 100000) for i in range(W["tokenTransfers"])], {}),
    }


out = {}
for name, (calls, extra) in workloads().items():
    for level, runner in (("message", run_msgs), ("transaction", run_txs)):
        secs, gas = runner(calls)
        r = {"seconds": secs, "count": len(calls), "perSecond": len(calls) / secs, "gas": gas, "gasPerSecond": gas / secs}
        if "ops" in extra:
            r["opsPerSecond"] = extra["ops"] / secs
        out["%s/%s" % (name, level)] = r
print(json.dumps(out))
