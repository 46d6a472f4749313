"""Third opinion for test/evm/differential.test.ts: runs the printed programs through pyquarkchain's own
messages.py:apply_msg in the same setting (CALLER 0x0a calls CONTRACT 0xcc, OTHER 0xdd, default token, block
at height 10, timestamp 1000), and prints what the test compares. stdin: a JSON list of
{"code", "other", "data" (hex), "value", "gas", "balances": [[address, amount], ...]}.

  QKC_INTEROP_HOME=/work/qkc-interop ../shared/interop/run.sh test/evm/py-run-programs.py < cases.json
"""
import json, sys
import qkc_compat  # noqa
from quarkchain.db import InMemoryDb
from quarkchain.evm.config import Env
from quarkchain.evm.state import State
from quarkchain.evm import vm
from quarkchain.evm.messages import VMExt, apply_msg
from quarkchain.evm.tests.new_statetest_utils import konfig, mk_fake_header
from quarkchain.cluster.tests.test_utils import get_test_env

def addr(n): return n.to_bytes(20, "big")
out = []
for c in json.load(sys.stdin):
    env = Env(config=konfig); env.db = InMemoryDb()
    qenv = get_test_env()
    st = State(env=env, block_number=10, block_coinbase=addr(0xc0ffee), block_difficulty=131072, gas_limit=12000000,
               timestamp=1000, qkc_config=qenv.quark_chain_config, use_mock_evm_account=True, prev_headers=[])
    tok = st.shard_config.default_chain_token
    for a, b in c["balances"]:
        st.set_token_balance(addr(a), tok, int(b))
    st.set_code(addr(0xcc), bytes.fromhex(c["code"]))
    st.set_code(addr(0xdd), bytes.fromhex(c["other"]))
    ext = VMExt(st, addr(0x0a), 1)
    msg = vm.Message(addr(0x0a), addr(0xcc), c["value"], c["gas"], vm.CallData(bytearray(bytes.fromhex(c["data"]))),
                     code_address=addr(0xcc), transfer_token_id=tok, gas_token_id=tok)
    try:
        ok, gas_rem, data = apply_msg(ext, msg)
    except ImportError:
        out.append(None)  # reached 0x6-0x8: the interop env has no real py_ecc bn128
        continue
    accts = {}
    seen = set([0x0A, 0xCC, 0xDD, 0xC0FFEE] + [int.from_bytes(x, "big") for x in st.cache.keys() if len(x) == 20])
    for a in sorted(seen):
        if 1 <= a <= 8:
            continue  # the precompiles: the test leaves them out on every side
        s = {k: st.get_storage_data(addr(a), k) for k in range(8)}
        bal, nonce, code = st.get_balance(addr(a), tok), st.get_nonce(addr(a)), st.get_code(addr(a))
        if bal == 0 and nonce == 0 and not code and not any(s.values()):
            continue
        accts["%040x" % a] = "balance %d nonce %d code %s storage {%s}" % (
            bal, nonce, code.hex(), ", ".join("%d: %d" % (k, v) for k, v in s.items() if v))
    # as apply_transaction_message counts it: 24000 per distinct SELFDESTRUCT on top of the SSTORE refunds
    refund = st.refunds + 24000 * len(set(st.suicides)) if ok else 0
    logs = ["%s [%s] %s" % (l.address.hex(), " ".join("%x" % t for t in l.topics), l.data.hex()) for l in st.logs]
    out.append({"success": bool(ok), "gasUsed": c["gas"] - gas_rem, "output": bytes(data).hex(), "refund": str(refund),
                "logs": logs if ok else [], "accounts": accts})
print(json.dumps(out))
